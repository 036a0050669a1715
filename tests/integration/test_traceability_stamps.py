"""Generated stamps decode with a real QR reader and resolve; the stamp CLI commits once."""

import io
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from tests.factories import make_batch, make_product
from tests.factories_traceability import flush_scans, make_traced_batch, scan
from traceability.batches.services import recall_batch
from traceability.models import Stamp, StampIssue
from traceability.stamps.pins import verify_pin
from traceability.stamps.services import export_issue_zip, issue_stamps, issue_stamps_list, render_issue_sheet
from traceability.stamps.urls import digital_link_url, stamp_url


def _decode(image: Image.Image) -> list[str]:
    return sorted(result.text for result in zxingcpp.read_barcodes(image))


def _follow(client, url: str):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://shop.test"  # PUBLIC_BASE_URL in TestConfig
    return scan(client, url)  # a GS1 Digital Link: the resolver's 307, then the origin page


def _issue(db, batch, count=3, **kw):
    issue, pins = issue_stamps(batch, count=count, actor=None, **kw)
    db.session.commit()
    return issue, issue_stamps_list(issue)


def _rasterise(pdf: bytes, tmp_path: Path, page: int = 1) -> Image.Image:
    source = tmp_path / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            "-singlefile",
            str(source),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    return Image.open(tmp_path / "page.png")


@pytest.mark.parametrize("gtin", ["08934567890120", None], ids=["gs1-digital-link", "short-path"])
def test_stamp_pngs_in_the_zip_decode_to_urls_that_open_the_right_origin_page(client, db, gtin):
    batch = make_batch(product=make_product(gtin=gtin))
    issue, stamps = _issue(db, batch)
    archive = zipfile.ZipFile(io.BytesIO(export_issue_zip(issue)))
    assert sorted(archive.namelist()) == sorted([f"{s.serial}.{ext}" for s in stamps for ext in ("png", "svg")])
    for stamp in stamps:
        (url,) = _decode(Image.open(io.BytesIO(archive.read(f"{stamp.serial}.png"))))
        assert url == stamp_url(stamp)
        assert archive.read(f"{stamp.serial}.svg").startswith(b"<?xml")
        page = _follow(client, url)
        assert page.status_code == 200
        assert stamp.serial in page.get_data(as_text=True)
        flush_scans()
        assert db.session.get(Stamp, stamp.id).scan_count == 1


def test_a_rasterised_pdf_sheet_decodes_and_every_code_resolves(client, db, tmp_path):
    batch = make_traced_batch()
    issue, stamps = _issue(db, batch, count=8)
    pdf = render_issue_sheet(issue)
    assert pdf.startswith(b"%PDF")
    urls = _decode(_rasterise(pdf, tmp_path))
    assert urls == sorted(stamp_url(s) for s in stamps)
    for url in urls:
        serial = urlsplit(url).path.rsplit("/", 1)[1]
        page = _follow(client, url)
        assert page.status_code == 200 and serial in page.get_data(as_text=True)


def test_the_sheet_keeps_the_vietnamese_product_name_as_text(db, tmp_path):
    batch = make_traced_batch()
    issue, _stamps = _issue(db, batch, count=1)
    source = tmp_path / "sheet.pdf"
    source.write_bytes(render_issue_sheet(issue))
    text = subprocess.run(["pdftotext", str(source), "-"], check=True, capture_output=True, text=True).stdout
    assert "Chè Tân Cương" in text and batch.lot_code in text


def test_a_batch_level_issue_prints_copies_of_the_lot_code(client, db, tmp_path):
    batch = make_traced_batch()
    issue, stamps = _issue(db, batch, count=4, serialized=False)
    assert [s.serial for s in stamps] == [None]
    urls = _decode(_rasterise(render_issue_sheet(issue), tmp_path))
    assert urls == [digital_link_url(batch)] * 4
    page = _follow(client, urls[0])
    assert page.status_code == 200 and "Lần quét" not in page.get_data(as_text=True)


# --- CLI ---------------------------------------------------------------------------------


def test_the_stamps_command_issues_stamps_and_writes_the_sheet(app, db, runner):
    batch = make_traced_batch()
    db.session.commit()
    result = runner.invoke(args=["traceability", "stamps", str(batch.id), "--count", "5", "--zip"])
    assert result.exit_code == 0, result.output
    issue = db.session.scalar(select(StampIssue))
    assert issue.count == 5 and db.session.scalar(select(func.count()).select_from(Stamp)) == 5
    stamp_dir = Path(app.config["STAMP_DIR"])
    assert (stamp_dir / f"issue-{issue.id}.pdf").read_bytes().startswith(b"%PDF")
    assert len(zipfile.ZipFile(stamp_dir / f"issue-{issue.id}.zip").namelist()) == 10
    assert f"issue-{issue.id}.pdf" in result.output


def test_the_stamps_command_with_pins_writes_them_once_for_printing(app, db, runner):
    batch = make_traced_batch()
    db.session.commit()
    result = runner.invoke(args=["traceability", "stamps", str(batch.id), "--count", "2", "--pin"])
    assert result.exit_code == 0, result.output
    issue = db.session.scalar(select(StampIssue))
    rows = (Path(app.config["STAMP_DIR"]) / f"issue-{issue.id}-pins.csv").read_text().splitlines()
    stamps = db.session.scalars(select(Stamp)).all()
    assert rows[0] == "serial,pin" and len(rows) == 3
    serial, pin = rows[1].split(",")
    stamp = next(s for s in stamps if s.serial == serial)
    assert verify_pin(stamp, pin) == "valid"


def test_the_stamps_command_commits_nothing_when_the_sheet_fails(app, db, runner, monkeypatch):
    batch = make_traced_batch()
    db.session.commit()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("traceability.commands.render_issue_sheet", broken)
    result = runner.invoke(args=["traceability", "stamps", str(batch.id), "--count", "3"])
    assert result.exit_code != 0
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Stamp)) == 0
    assert db.session.scalar(select(func.count()).select_from(StampIssue)) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["999999", "--count", "1"], "no batch"),
        (["{batch}", "--count", "0"], "--count"),
        (["{batch}", "--label-size", "thirty"], "WIDTHxHEIGHT"),
    ],
)
def test_the_stamps_command_refuses_bad_input(db, runner, args, message):
    batch = make_traced_batch()
    db.session.commit()
    args = [a.format(batch=batch.id) for a in args]
    result = runner.invoke(args=["traceability", "stamps", *args])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(Stamp)) == 0


def test_print_sheet_renders_an_existing_issue_again(app, db, runner):
    batch = make_traced_batch()
    issue, _stamps = _issue(db, batch, count=2)
    result = runner.invoke(args=["traceability", "print-sheet", str(issue.id), "--label-size", "40x50"])
    assert result.exit_code == 0, result.output
    assert (Path(app.config["STAMP_DIR"]) / f"issue-{issue.id}.pdf").read_bytes().startswith(b"%PDF")
    assert db.session.scalar(select(func.count()).select_from(Stamp)) == 2


def test_the_stamps_command_refuses_a_recalled_batch_in_words(db, runner):
    batch = make_traced_batch()
    recall_batch(batch, reason="Thu hồi tự nguyện", actor=None)
    db.session.commit()
    result = runner.invoke(args=["traceability", "stamps", str(batch.id), "--count", "2"])
    assert result.exit_code == 1 and "Lô hàng đã bị thu hồi" in result.output
    assert db.session.scalar(select(func.count()).select_from(StampIssue)) == 0


def test_the_sheet_job_streams_a_long_sheet_in_parts_with_every_stamp_in_printing_order(app, db, tmp_path, monkeypatch):
    # One page per part (a season's sheet has fifty): the stored file is one PDF of three pages.
    from traceability.stamps import jobs as stamp_jobs
    from traceability.stamps import sheets

    monkeypatch.setattr(sheets, "PAGES_PER_PART", 1)
    app.config["STAMP_DIR"] = str(tmp_path / "stamps")
    app.extensions.pop("storage", None)
    issue, stamps = _issue(db, make_traced_batch(), count=80)
    size = stamp_jobs.render_sheet(issue.id)
    stored = tmp_path / "stamps" / stamp_jobs.sheet_name(issue.id)
    assert stored.stat().st_size == size
    text = subprocess.run(["pdftotext", str(stored), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("\f") == 3  # pages
    printed = [line.removeprefix("Sê-ri: ") for line in text.splitlines() if line.startswith("Sê-ri: ")]
    assert printed == [stamp.serial for stamp in stamps]
    assert _decode(_rasterise(stored.read_bytes(), tmp_path, page=3)) == sorted(stamp_url(s) for s in stamps[72:])
