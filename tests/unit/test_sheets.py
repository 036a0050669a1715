"""Unit tests for PDF stamp sheets: layout, Vietnamese text, scannable QR (uses poppler-utils)."""

import subprocess
from datetime import date

import pytest
import zxingcpp
from PIL import Image
from reportlab.lib.pagesizes import A4, A5, landscape

from traceability.identifiers.codes import new_serial
from traceability.stamps.sheets import Label, SheetLayout, render_sheet, sheet_layout

BASE = "https://ocop.example.vn/01/08934567890120/10/L2026-01/21/"


def make_labels(count, **kw):
    defaults = {
        "product_name": "Chè Tân Cương",
        "lot": "L2026-01",
        "expiry": date(2027, 12, 31),
        "stars": 4,
    }
    labels = []
    for _ in range(count):
        serial = new_serial()
        labels.append(Label(url=BASE + serial, **{**defaults, "serial": serial, **kw}))
    return labels


def pdf_text(tmp_path, pdf, page=1):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def page_count(tmp_path, pdf):
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1])


def rasterise(tmp_path, pdf, page=1, dpi=300):
    path = tmp_path / "raster.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-gray"]
        + ["-png", str(path), str(prefix)],
        check=True,
    )
    return Image.open(f"{prefix}.png")


@pytest.mark.parametrize(
    ("kwargs", "layout"),
    [
        ({}, SheetLayout(rows=6, cols=6)),
        ({"margin_mm": 0, "gap_mm": 0}, SheetLayout(rows=7, cols=7)),
        ({"label_w_mm": 50, "label_h_mm": 30, "margin_mm": 10, "gap_mm": 5}, SheetLayout(8, 3)),
        ({"page_size": landscape(A4)}, SheetLayout(rows=4, cols=8)),
        ({"page_size": A5}, SheetLayout(rows=4, cols=4)),
        # Exact fits both ways: 7 × 30 mm = 210 mm wide, 7 × 297/7 mm high.
        ({"margin_mm": 0, "gap_mm": 0, "label_h_mm": 297 / 7}, SheetLayout(rows=7, cols=7)),
    ],
)
def test_layout_counts_labels_that_fit(kwargs, layout):
    assert sheet_layout(**kwargs) == layout


def test_layout_per_page():
    assert sheet_layout().per_page == 36


@pytest.mark.parametrize(
    "kwargs",
    [
        {"label_w_mm": 300},
        {"label_h_mm": 290},
        {"margin_mm": 110},
        {"label_w_mm": 0},
        {"gap_mm": -1},
    ],
)
def test_layout_rejects_labels_that_cannot_fit(kwargs):
    with pytest.raises(ValueError):
        sheet_layout(**kwargs)


def test_sheet_keeps_vietnamese_text(tmp_path):
    pdf = render_sheet(make_labels(3))
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(tmp_path, pdf)
    assert "Chè Tân Cương" in text
    assert "HSD: 31/12/2027" in text
    assert "Lô: L2026-01" in text
    assert "OCOP" in text


def test_decomposed_names_print_as_composed_text(tmp_path):
    decomposed = "Che\u0300 Ta\u0302n Cu\u031bo\u031bng"
    text = pdf_text(tmp_path, render_sheet(make_labels(1, product_name=decomposed)))
    assert "Chè Tân Cương" in text


def test_each_label_shows_its_serial(tmp_path):
    labels = make_labels(5)
    text = pdf_text(tmp_path, render_sheet(labels))
    for label in labels:
        assert f"Sê-ri: {label.serial}" in text


def test_optional_fields_are_left_out(tmp_path):
    pdf = render_sheet(make_labels(2, expiry=None, serial=None, stars=None))
    text = pdf_text(tmp_path, pdf)
    assert "HSD" not in text
    assert "Sê-ri" not in text
    assert "OCOP" not in text


def test_long_names_are_cut_to_two_lines(tmp_path):
    name = "Chè Tân Cương Hảo Đạt đặc biệt thượng hạng loại một hộp quà Tết"
    text = pdf_text(tmp_path, render_sheet(make_labels(1, product_name=name)))
    assert "…" in text
    assert "quà Tết" not in text


def test_labels_flow_onto_more_pages(tmp_path):
    pdf = render_sheet(make_labels(37))
    assert page_count(tmp_path, pdf) == 2
    assert pdf_text(tmp_path, pdf, page=2).count("Chè Tân Cương") == 1


def test_page_qr_codes_decode_to_their_urls(tmp_path):
    labels = make_labels(8)
    image = rasterise(tmp_path, render_sheet(labels))
    decoded = sorted(r.text for r in zxingcpp.read_barcodes(image))
    assert decoded == sorted(label.url for label in labels)


def test_qr_codes_decode_at_office_printer_resolution(tmp_path):
    labels = make_labels(3)
    image = rasterise(tmp_path, render_sheet(labels), dpi=150)
    decoded = sorted(r.text for r in zxingcpp.read_barcodes(image))
    assert decoded == sorted(label.url for label in labels)


def test_qr_is_drawn_as_vector_rectangles_not_images():
    pdf = render_sheet(make_labels(1))
    assert b"/Subtype /Image" not in pdf


def test_empty_batch_is_an_error():
    with pytest.raises(ValueError):
        render_sheet([])


def test_labels_can_be_a_generator(tmp_path):
    pdf = render_sheet(label for label in make_labels(2))
    assert pdf_text(tmp_path, pdf).count("Chè Tân Cương") == 2


def test_a_sheet_drawn_in_parts_is_one_pdf_with_every_label_in_order(tmp_path):
    # One page per part: 80 labels are three parts joined page by page (traceability.stamps.splice).
    labels = make_labels(80)
    pdf = render_sheet(labels, pages_per_part=1)
    assert page_count(tmp_path, pdf) == 3
    # A well-formed file: poppler finds nothing to repair (a wrong offset or length makes it complain).
    checked = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True)
    assert checked.returncode == 0 and checked.stderr == b""
    for page, expected in ((1, labels[:36]), (3, labels[72:])):
        text = pdf_text(tmp_path, pdf, page=page)
        # Each part embeds its own font subsets: the Vietnamese text still reads back.
        assert text.count("Chè Tân Cương") == len(expected)
        assert all(f"Sê-ri: {label.serial}" in text for label in expected)
        decoded = sorted(r.text for r in zxingcpp.read_barcodes(rasterise(tmp_path, pdf, page=page, dpi=150)))
        assert decoded == sorted(label.url for label in expected)


def test_write_sheet_streams_to_a_file_and_counts_its_pages(tmp_path):
    from traceability.stamps.sheets import write_sheet

    path = tmp_path / "streamed.pdf"
    with path.open("wb") as out:
        pages = write_sheet(make_labels(73), out, pages_per_part=2)
    assert pages == 3 == page_count(tmp_path, path.read_bytes())
