"""The demo catalogue: seed_demo on a real database and the `flask seed-demo` command."""

import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select
from vietnam_provinces import ProvinceCode, Ward

from storefront.accounts.models import Role, User
from storefront.catalog.images import derivative_name
from storefront.catalog.models import Certificate, Producer, ProducerImage, ProducerStatus, Product, ProductImage
from storefront.clock import today_vn
from storefront.demo import artwork
from storefront.demo.catalogue import DATA_DIR, read_csv
from storefront.demo.experiences import DEMO_TOURS
from storefront.demo.fictional import FICTIONAL_PRODUCERS, FICTIONAL_REVOKED
from storefront.demo.seed import DemoAlreadySeeded, seed_demo
from storefront.experiences.models import Booking, BookingStatus, Experience, ExperienceSession
from storefront.inventory.models import Stock
from storefront.outbox.models import OutboxMessage
from tests.factories_traceability import scan
from traceability.models import Batch, EventType, Stamp, TraceEvent, UnknownCodeScan

TODAY = date(2026, 11, 29)
THAI_NGUYEN_WARDS = {int(w.code) for w in Ward.iter_by_province(ProvinceCode.P_19)}


def gtin_is_valid(gtin: str) -> bool:
    """Check a GTIN's GS1 mod-10 digit independently of the code under test."""
    digits = [int(d) for d in gtin]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(autouse=True)
def small_artwork(monkeypatch):
    """Draw the demo artwork small: each seed stays fast; drawing and pipeline are the same at any size."""
    monkeypatch.setattr(artwork, "IMAGE_SIZE", (240, 240))
    monkeypatch.setattr(artwork, "COVER_SIZE", (320, 120))


@pytest.fixture
def seeded(app, db, tmp_path):
    summary = seed_demo(today=TODAY, image_dir=tmp_path / "images")
    db.session.commit()
    return summary


def test_seed_fills_catalogue_across_groups(db, seeded):
    products = db.session.scalars(select(Product)).all()
    assert len(products) >= 30
    assert len({p.ocop_group for p in products}) >= 4
    assert all(p.is_published and p.published_at and p.price_vnd > 0 for p in products)
    assert len({p.slug for p in products}) == len(products)
    assert all(p.ocop_subgroup.split(".")[0] in {"I", "II", "III", "IV", "V", "VI"} for p in products)
    tea = db.session.scalar(select(Product).where(Product.name_vi == "Chè tôm nõn"))
    assert (tea.ocop_group, tea.ocop_subgroup) == (1, "I.5.a")
    assert tea.description_vi and tea.ingredients and tea.usage and tea.storage
    assert seeded.products == len(products)
    # The real tourism product is booked by session, not stocked: Saturdays and Sundays at 08:00.
    village = db.session.scalar(select(Product).where(Product.name_vi.startswith("Du lịch văn hóa dân tộc Tày")))
    experience = db.session.scalar(select(Experience).where(Experience.product_id == village.id))
    assert seeded.experiences == 3 and village.stock is None and experience.latitude is None
    assert {(r.weekday, r.start_time.hour, r.capacity) for r in experience.rules} == {(5, 8, 20), (6, 8, 20)}


def test_producers_sit_in_new_thai_nguyen_wards(db, seeded):
    producers = db.session.scalars(select(Producer)).all()
    placed = [p for p in producers if p.ward_code is not None]
    assert len(placed) >= 10
    assert all(p.ward_code in THAI_NGUYEN_WARDS and p.province_code == 19 for p in placed)
    hao_dat = db.session.scalar(select(Producer).where(Producer.name == "HTX Chè Hảo Đạt"))
    assert hao_dat.ward_code == 5503  # old Xã Tân Cương -> new Xã Tân Cương
    assert hao_dat.legacy_address == "Xã Tân Cương, TP Thái Nguyên, Tỉnh Thái Nguyên"
    assert all(p.business_reg_no.startswith("DEMO-") for p in producers)
    assert all(p.phone.startswith("+84") and len(p.phone) == 12 for p in producers)
    statuses = [p.status for p in producers]
    assert statuses.count(ProducerStatus.PENDING) == 1
    assert statuses.count(ProducerStatus.APPROVED) == len(producers) - 1
    assert all(p.story_md for p in producers)


def test_certificates_include_valid_expired_and_revoked(db, seeded):
    certificates = db.session.scalars(select(Certificate)).all()
    valid = [c for c in certificates if c.is_valid_on(TODAY)]
    expired = [c for c in certificates if not c.is_revoked and c.valid_until < TODAY]
    revoked = [c for c in certificates if c.is_revoked]
    assert valid and expired and revoked
    assert (len(valid), len(expired), len(revoked)) == (
        seeded.certificates_valid,
        seeded.certificates_expired,
        seeded.certificates_revoked,
    )
    for c in certificates:
        # A year-only decision follows the rules in force in the middle of its year.
        ruled = c.decision_date if c.decision_day_known else date(c.decision_date.year, 7, 1)
        assert c.criteria_set.value == ("148/2023" if ruled >= date(2023, 2, 24) else "1048/2019")
        assert 3 <= c.stars <= 5
        if c.stars == 5:
            assert c.issuing_level.value == "central"


def test_gtins_have_valid_check_digits_and_vietnam_prefix(db, seeded):
    gtins = db.session.scalars(select(Product.gtin).where(Product.gtin.is_not(None))).all()
    total = count(db, Product)
    assert total // 3 <= len(gtins) <= total * 2 // 3
    assert all(len(g) == 14 and g[1:4] == "893" and gtin_is_valid(g) for g in gtins)


def test_goods_have_stock_images_and_traced_batches(db, seeded, tmp_path):
    # Goods are stocked; tourism services (group 6) are booked by session instead.
    goods = db.session.scalars(select(Product).where(Product.ocop_group != 6)).all()
    assert count(db, Stock) == len(goods) and all(p.stock is not None for p in goods)
    assert all(20 <= s.on_hand <= 200 for s in db.session.scalars(select(Stock)))
    for image in db.session.scalars(select(ProductImage)):
        path = tmp_path / "images" / image.filename
        assert Path(image.filename).name == image.filename == f"{image.product.slug}-{image.position + 1}.jpg"
        with Image.open(path) as picture:
            assert picture.size == (image.width, image.height) == (240, 240) and picture.format == "JPEG"
        assert image.alt.startswith("Ảnh minh hoạ") and image.alt_en.startswith("Illustration")
        assert (tmp_path / "images" / derivative_name(image.filename, "thumb", "webp")).is_file()
    for product in db.session.scalars(select(Product)):
        assert [i.position for i in product.images] == [0, 1, 2]
    batches = db.session.scalars(select(Batch)).all()
    assert batches
    for batch in batches:
        assert 3 <= len(batch.events) <= 5
        assert batch.events[0].biz_step in {"harvesting", "receiving"}
        times = [e.event_time for e in batch.events]
        assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    transformations = db.session.scalars(
        select(TraceEvent).where(TraceEvent.event_type == EventType.TRANSFORMATION)
    ).all()
    assert transformations and all(e.action is None for e in transformations)
    tea_batch = db.session.scalar(select(Batch).join(Product).where(Product.name_vi == "Chè tôm nõn"))
    assert tea_batch.growing_area_code.startswith("VT-19-")


def test_demo_accounts_exist_with_roles(db, seeded):
    roles = {
        "khach@example.com": Role.SHOPPER,
        "hoptacxa@example.com": Role.PRODUCER,
        "vanphong@example.com": Role.OFFICE,
    }
    for email, role in roles.items():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role is role and user.check_password("demo1234")
    owned = db.session.scalar(
        select(Producer).join(User, Producer.owner_id == User.id).where(User.email == "hoptacxa@example.com")
    )
    assert owned.name == "HTX Chè Hảo Đạt"


def test_seeding_twice_raises(db, seeded, tmp_path):
    with pytest.raises(DemoAlreadySeeded):
        seed_demo(today=TODAY, image_dir=tmp_path / "images")


def test_cli_seeds_and_prints_accounts(db, runner, app):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for email in ("khach@example.com", "hoptacxa@example.com", "vanphong@example.com"):
        assert f"{email} / demo1234" in result.output
    db.session.expire_all()
    assert count(db, Product) >= 30
    originals = {p.name for p in Path(app.config["UPLOAD_DIR"]).glob("*.jpg") if p.name.count(".") == 1}
    from storefront.articles.models import ArticleImage

    covers = {i.filename for i in db.session.scalars(select(ArticleImage))}
    assert (
        originals
        == {i.filename for i in db.session.scalars(select(ProductImage))}
        | {i.filename for i in db.session.scalars(select(ProducerImage))}
        | covers
    )
    assert len(originals) == 3 * count(db, Product) + count(db, ProducerImage) + len(covers) and len(covers) == 5


def test_cli_if_empty_twice_changes_nothing(db, runner):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    before = [count(db, model) for model in (Producer, Product, Certificate, Batch, TraceEvent, User)]
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already seeded" in result.output
    db.session.expire_all()
    assert [count(db, model) for model in (Producer, Product, Certificate, Batch, TraceEvent, User)] == before


def test_cli_without_if_empty_refuses_a_seeded_database(db, runner):
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "already has producers" in result.output


def pixel_stats(path):
    """Return (mean colour, colour histogram) of an image, shrunk to 64×64."""
    with Image.open(path) as picture:
        small = picture.convert("RGB").resize((64, 64))
    data = small.tobytes()
    means = [sum(data[c::3]) / 4096 for c in range(3)]
    return means, small.quantize(colors=16).getcolors()


def differing_pixels(path_a, path_b) -> float:
    """Return the share of pixels (at 64×64) whose colours differ by more than 40 in some channel."""
    with Image.open(path_a) as a, Image.open(path_b) as b:
        a, b = a.convert("RGB").resize((64, 64)), b.convert("RGB").resize((64, 64))
    pa, pb = a.tobytes(), b.tobytes()
    return sum(max(abs(pa[i + c] - pb[i + c]) for c in range(3)) > 40 for i in range(0, len(pa), 3)) / 4096


def test_demo_illustrations_differ_between_kinds_products_and_compositions(db, seeded, tmp_path):
    folder = tmp_path / "images"
    by_name = {p.name_vi: p for p in db.session.scalars(select(Product))}
    tea, honey, village = (
        by_name[n] for n in ("Chè tôm nõn", "Mật ong Phúc Thành", "Du lịch văn hóa dân tộc Tày bản làng Thái Hải")
    )
    other_tea = by_name["Trà móc câu Minh Đức"]
    first = {p: folder / p.images[0].filename for p in (tea, honey, village, other_tea)}
    # Different kinds: most pixels differ; two teas share a motif but not their colours and layout.
    assert differing_pixels(first[tea], first[honey]) > 0.25
    assert differing_pixels(first[tea], first[village]) > 0.25
    assert differing_pixels(first[tea], first[other_tea]) > 0.15
    for position in (1, 2):
        assert (
            differing_pixels(folder / tea.images[position].filename, folder / other_tea.images[position].filename)
            > 0.15
        )
    # A product's compositions differ from each other too.
    assert differing_pixels(folder / tea.images[0].filename, folder / tea.images[1].filename) > 0.25
    assert differing_pixels(folder / tea.images[0].filename, folder / tea.images[2].filename) > 0.25
    # Not flat squares: every illustration has many colours and no single colour over 70 % of it.
    for image in db.session.scalars(select(ProductImage)):
        _means, colours = pixel_stats(folder / image.filename)
        assert len(colours) >= 6 and max(n for n, _ in colours) < 0.7 * 4096
    # Every seeded producer with products has a wide illustrated cover.
    for producer in db.session.scalars(select(Producer)):
        if producer.products:
            assert producer.cover and producer.cover.width > producer.cover.height
            assert (folder / producer.cover.filename).is_file()


def test_demo_texts_leave_stars_to_the_badge(db, seeded):
    star_claim = re.compile(r"\d\s*(sao|★)|\d-star|OCOP \d", re.IGNORECASE)
    for product in db.session.scalars(select(Product)):
        assert not star_claim.search(product.description_vi), product.description_vi
        assert not star_claim.search(product.description_en), product.description_en
    for producer in db.session.scalars(select(Producer)):
        assert not star_claim.search(producer.story_md), producer.story_md


def csv_rows():
    """The demo's source rows, read straight from the CSV (not through the seed's own tables)."""
    with (DATA_DIR / "ocop-products-thai-nguyen.csv").open(encoding="utf-8") as handle:
        import csv

        return {row["name_vi"]: row for row in csv.DictReader(handle)}


def test_each_real_products_certificate_matches_its_csv_row(db, seeded):
    fictional = {name for name, *_ in FICTIONAL_PRODUCERS}
    rows = csv_rows()
    products = db.session.scalars(select(Product)).all()
    # The demo tour and homestay of a real co-operative (storefront/demo/experiences.py) say so and carry no
    # certificate.
    tours = [p for p in products if p.name_vi in {tour["name_vi"] for tour in DEMO_TOURS}]
    assert sorted((p.producer.name, p.certificates, "minh hoạ" in p.name_vi) for p in tours) == [
        ("HTX Chè Hảo Đạt", [], True),
        ("HTX Chè Hảo Đạt", [], True),
    ]
    assert all("HTX Chè Hảo Đạt có thật" in p.description_vi for p in tours)
    real = [p for p in products if p.producer.name not in fictional and p not in tours]
    assert {p.name_vi for p in real} <= set(rows)
    undated = []
    for product in real:
        row = rows[product.name_vi]
        if row["stars"] and row["year"]:
            [certificate] = product.certificates
            assert certificate.stars == int(row["stars"])
            # Only the year comes from the source: no decision number or day is invented, and the
            # validity runs from 1 January, the earliest day it can end.
            assert not certificate.decision_day_known
            assert certificate.decision_date == date(int(row["year"]), 1, 1)
            assert certificate.decision_number == ""
            assert certificate.valid_until == date(int(row["year"]) + 3, 1, 1)
            assert not certificate.is_revoked
        else:
            # No year in the source: no certificate, so no date, no stars, no lapse and no revocation.
            assert product.certificates == [], product.name_vi
            assert "không nêu quyết định công nhận" in product.description_vi
            assert "no recognition decision" in product.description_en
            undated.append(product.name_vi)
    assert sorted(undated) == sorted(seeded.undated)
    assert set(undated) == {
        "Nõn tâm trà",
        "Chè xanh Hoan Xuyến",
        "Bún ngũ sắc (từ gạo bao thai Định Hóa)",
        "Gạo nếp vải Ôn Lương",
        "Trà giảo cổ lam núi đá",
        "Trà nụ vối",
        "Rượu men lá Thanh Tâm",
        "Rượu men lá Bằng Phúc",
        "Rượu mơ Asuka",
    }
    # 2020–2022 certificates of real products are past 36 months: they show as lapsed, not as stars.
    che_tom_non = db.session.scalar(select(Product).where(Product.name_vi == "Chè tôm nõn"))
    assert not che_tom_non.certificates[0].is_valid_on(TODAY)
    assert read_csv(DATA_DIR / "ocop-products-thai-nguyen.csv")[0]["name_vi"] == "Chè tôm nõn"


def test_only_fictional_products_carry_revoked_or_invented_certificates(db, seeded):
    fictional = {name for name, *_ in FICTIONAL_PRODUCERS}
    revoked = db.session.scalars(select(Certificate).where(Certificate.is_revoked.is_(True))).all()
    assert [c.product.name_vi for c in revoked] == [FICTIONAL_REVOKED]
    for certificate in db.session.scalars(select(Certificate)):
        product = certificate.product
        if product.producer.name in fictional:
            assert "(hư cấu)" in product.name_vi and "HƯ CẤU" in certificate.decision_number
            assert "hư cấu" in certificate.issuing_body
        else:
            assert certificate.decision_number == "" and not certificate.decision_day_known
    fictional_lapsed = [
        c
        for c in db.session.scalars(select(Certificate))
        if c.product.producer.name in fictional and not c.is_revoked and c.valid_until < TODAY
    ]
    assert len(fictional_lapsed) == 1


def test_real_undated_products_show_no_certificate_on_any_page(client, login, db, seeded):
    """Product page (and its JSON-LD), producer page, origin page, office register and JSON API."""
    undated = db.session.scalars(select(Product).where(Product.name_vi.in_(seeded.undated))).all()
    assert len(undated) == 9
    date_shape = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")
    # The pending demo household's product (Gạo nếp vải Ôn Lương) is not listed at all.
    shown = [p for p in undated if p.producer.status is ProducerStatus.APPROVED]
    assert len(shown) == 8
    for product in shown:
        html = client.get(f"/products/{product.slug}").get_data(as_text=True)
        section = html.split('data-testid="certificate"', 1)[1].split("</section>", 1)[0]
        assert not date_shape.search(section), section
        assert "data-stars" not in section and "thu hồi" not in section and "hết hạn" not in section
        assert "chưa có hồ sơ chứng nhận OCOP" in section
        assert "hasCertification" not in html
        if product.batches:
            origin = client.get(f"/t/{product.batches[0].short_code}", headers={"Accept": "text/html"})
            assert origin.status_code == 200
            origin_html = origin.get_data(as_text=True)
            assert "data-stars" not in origin_html and "hasCertification" not in origin_html
    for producer in {p.producer for p in shown}:
        html = client.get(f"/producers/{producer.slug}").get_data(as_text=True)
        assert "nguồn tin không nêu quyết định công nhận" in html
    listed = client.get("/api/v1/products?per_page=100").get_json()["items"]
    by_slug = {item["slug"]: item for item in listed}
    for product in undated:
        if product.slug in by_slug:
            assert by_slug[product.slug]["certificate"] is None
    assert {p.slug for p in undated} & set(by_slug)
    office = db.session.scalar(select(User).where(User.role == Role.OFFICE))
    login(office, "demo1234")
    register = client.get("/office/certificates").get_data(as_text=True)
    assert "Chè tôm nõn" in register
    for product in undated:
        assert product.name_vi not in register


def test_fictional_producers_show_a_live_programme(db, seeded):
    names = [name for name, *_ in FICTIONAL_PRODUCERS]
    assert all("(hư cấu)" in name for name in names)
    producers = db.session.scalars(select(Producer).where(Producer.name.in_(names))).all()
    assert len(producers) == len(names) and all(p.status is ProducerStatus.APPROVED for p in producers)
    products = [p for producer in producers for p in producer.products]
    assert len(products) >= 4 and all(p.is_published and p.images for p in products)
    assert all(p.batches for p in products if p.ocop_group != 6)  # a homestay is booked, not made in lots
    stars = {c.stars for p in products for c in p.certificates if c.is_valid_on(TODAY)}
    assert stars == {3, 4, 5}


# --- the demo's serialized stamps (README "Scan a demo stamp") ---------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_stamp_paths() -> list[str]:
    """The paths of the links in the README's demo stamp table, in its order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Scan a demo stamp", 1)[1].split("\n### ", 1)[0]
    return [urlsplit(url).path for url in re.findall(r"^\|[^|]+\| (http://\S+) \|$", section, re.M)]


def test_the_readme_lists_exactly_the_seeded_stamps_and_examples(seeded):
    assert readme_stamp_paths() == [path for _case, path in seeded.stamp_paths]
    assert seeded.stamps == 5


def test_the_demo_stamps_are_issued_and_scanned_as_the_resolver_stores_scans(db, seeded):
    stamps = {s.serial: s for s in db.session.scalars(select(Stamp))}
    fresh, scanned, copied, with_pin, on_recall = (
        stamps[urlsplit(p).path.rsplit("/", 1)[1]] for _c, p in seeded.stamp_paths[:5]
    )
    assert fresh.scan_count == 0 and scanned.scan_count == 3 and scanned.first_scanned_at is not None
    assert copied.device_count > 20  # the default SCAN_WARNING_THRESHOLD
    assert with_pin.pin_hash and with_pin.pin_verified_at is None and with_pin.issue.with_pin
    assert db.session.get(Batch, on_recall.batch_id).recalled_at is not None
    assert all(s.issue.is_serialized and s.batch.is_published for s in stamps.values())
    assert db.session.scalar(select(func.count()).select_from(UnknownCodeScan)) == 3


@pytest.mark.parametrize(
    "row, shows",
    [
        (0, ["Lần quét đầu tiên"]),
        (1, ["4 lần"]),  # three demo scans and this one
        (2, ['data-testid="scan-warning"', "nhiều thiết bị khác nhau"]),
        (3, ['name="pin"']),
        (4, ['data-testid="recall"', "Lô hàng này đã bị thu hồi"]),
        (5, ["Số sê-ri ZZZZZZZZZZ không được cơ sở sản xuất đăng ký cho lô BMDEMO-TEM"]),
        (6, ["Lô KL8G không được cơ sở sản xuất đăng ký"]),
    ],
)
def test_each_readme_link_shows_its_case(client, seeded, row, shows):
    path = readme_stamp_paths()[row]
    response = scan(client, path)  # the stamp's URI: a 307 to its origin page, then the page
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in shows:
        assert text in page, (path, text)
    if row < 5:
        assert 'data-testid="origin"' in page and "không được cơ sở sản xuất đăng ký" not in page


def test_demo_reviews_sit_on_delivered_demo_orders_and_are_marked(client, db, seeded):
    from storefront.checkout.models import FulfilmentStatus
    from storefront.demo.reviews import DEMO_NOTE
    from storefront.reviews.models import Review

    reviews = db.session.scalars(select(Review)).all()
    assert seeded.reviews == len(reviews) >= 5
    for review in reviews:
        assert review.is_demo
        line = review.order_line
        assert line.order.note == DEMO_NOTE and line.order.code.startswith("DEMO-")
        assert line.fulfilment.status is FulfilmentStatus.DELIVERED and line.order.user_id == review.user_id
    tea = db.session.scalar(select(Product).where(Product.name_vi == "Chè tôm nõn"))
    page = client.get(f"/products/{tea.slug}").get_data(as_text=True)
    assert "Đánh giá minh hoạ (demo)" in page and "Phản hồi của cơ sở" in page and '"aggregateRating"' in page
    shopper = db.session.scalar(select(User).where(User.email == "khach@example.com"))
    from storefront.reviews.services import lines_to_review

    assert [line.product_name for line in lines_to_review(shopper)] == ["Chè đinh Tân Cương"]


def test_eight_demo_points_of_sale_fairs_clips_websites_and_articles_all_marked(client, db, seeded):
    from storefront.catalog.certificates import valid_certificate
    from storefront.catalog.models import Producer, ProductVideo
    from storefront.events.models import Event
    from storefront.outlets.models import Outlet, OutletKind

    outlets = db.session.scalars(select(Outlet)).all()
    assert seeded.outlets == len(outlets) == 8
    assert all(o.is_demo and o.ward_code in THAI_NGUYEN_WARDS and o.has_position and o.products for o in outlets)
    assert [o.kind for o in outlets].count(OutletKind.PROVINCIAL_CENTRE) == 1
    assert len({o.kind for o in outlets}) == 6
    showroom = next(o for o in outlets if o.kind is OutletKind.SHOWROOM)
    assert showroom.producer.name == "HTX Chè Hảo Đạt"
    assert {p.producer_id for p in showroom.products} == {showroom.producer_id}
    page = client.get("/points-of-sale").get_data(as_text=True)
    assert page.count('data-testid="outlet"') == 8 and "Dữ liệu minh hoạ (demo)" in page

    events = db.session.scalars(select(Event).order_by(Event.starts_on)).all()
    assert seeded.fairs == len(events) == 2 and all(e.is_demo and "(minh hoạ)" in e.name for e in events)
    past, coming = events
    assert past.ends_on < TODAY < coming.starts_on and all(e.ward_code in THAI_NGUYEN_WARDS for e in events)
    assert all(e.products for e in events)
    page = client.get(f"/events/{coming.slug}").get_data(as_text=True)
    assert "Sự kiện minh hoạ (demo)" in page

    videos = db.session.scalars(select(ProductVideo)).all()
    assert seeded.videos == len(videos) == 2
    for video in videos:
        assert video.is_demo and "(hư cấu)" in video.product.name_vi and "demo" in video.title
        assert valid_certificate(video.product, TODAY).stars >= 4
    with_sites = db.session.scalars(select(Producer).where(Producer.website != "")).all()
    assert len(with_sites) == 3
    assert all("(hư cấu)" in p.name and p.website.endswith(".example.com/") for p in with_sites)

    check_demo_articles(client, db, seeded)  # here, so the articles cost no seed of their own


def check_demo_articles(client, db, seeded):
    """Demo articles are about real demo producers, all demo; one story waits for review (one seed, shared)."""
    from storefront.articles.models import Article, ArticleKind, ArticleStatus

    articles = db.session.scalars(select(Article).order_by(Article.id)).all()
    assert seeded.articles == len(articles) == 6 and all(a.is_demo for a in articles)
    news = [a for a in articles if a.kind is ArticleKind.NEWS]
    assert all(a.cover and a.cover.is_illustration and a.products and a.producers for a in news)
    assert [a.status for a in news].count(ArticleStatus.SCHEDULED) == 1
    (story,) = [a for a in articles if a.kind is ArticleKind.STORY]
    assert (story.status, story.producer.name, story.author.email) == (
        ArticleStatus.SUBMITTED,
        "HTX Chè Hảo Đạt",
        "hoptacxa@example.com",
    )
    tea = db.session.scalar(select(Product).where(Product.name_vi == "Chè tôm nõn"))
    page = client.get(f"/products/{tea.slug}").get_data(as_text=True)
    assert "Bài viết về sản phẩm này" in page and news[0].title in page and story.title not in page
    article_page = client.get(f"/news/{news[0].slug}").get_data(as_text=True)
    assert "Bài minh hoạ (demo)" in article_page


def test_the_demo_producer_hosts_a_tea_hill_visit_and_the_demo_has_a_homestay_and_bookings(db, seeded):
    hao_dat = db.session.scalar(select(Producer).where(Producer.name == "HTX Chè Hảo Đạt"))
    tour = db.session.scalar(select(Experience).join(Product).where(Product.producer_id == hao_dat.id))
    assert "tour minh hoạ" in tour.product.name_vi and tour.product.certificates == []
    assert tour.meeting_ward_code == 5503 and tour.nights == 0 and tour.latitude is None  # Tân Cương, no invented point
    assert [(r.weekday, r.start_time.hour, r.capacity) for r in tour.rules] == [(5, 7, 12)]
    today = today_vn()
    sessions = db.session.scalars(select(ExperienceSession).where(ExperienceSession.experience_id == tour.id)).all()
    assert sum(s.day > today for s in sessions) >= 8  # weekly, over the next 60 days
    statuses = sorted(
        b.status.value for b in db.session.scalars(select(Booking).where(Booking.producer_id == hao_dat.id))
    )
    assert statuses == ["checked_in", "confirmed", "confirmed", "no_show"]  # the tour's three, the homestay's one
    # The homestay is the demo account's too (its stays page has a guest to declare), marked fictional.
    homestay = db.session.scalar(select(Experience).where(Experience.nights > 0))
    assert homestay.product.producer == hao_dat and homestay.meeting_ward_code == 5503
    assert "(hư cấu)" in homestay.product.name_vi and "(fictional)" in homestay.product.name_en
    assert "(địa chỉ hư cấu)" in homestay.meeting_address and "không công bố" in homestay.product.description_vi
    stay = db.session.scalar(
        select(Booking).join(ExperienceSession).where(ExperienceSession.experience_id == homestay.id)
    )
    assert stay.producer_id == hao_dat.id and stay.status is BookingStatus.CONFIRMED and len(stay.stay_guests) == 2
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.subject.contains("DL-"))) == 0


def test_every_stage_on_an_origin_page_is_named_in_the_page_language(client, db, seeded):
    """The demo's first steps ("receiving") and every step the producer's form offers have a name:
    the origin page never shows a raw CBV step code, in Vietnamese or in English."""
    from storefront.producer.forms import BIZ_STEPS
    from traceability.origin.description import STAGE_LABELS

    assert {choice.value for choice in BIZ_STEPS} <= set(STAGE_LABELS)
    batches = db.session.scalars(select(Batch).where(Batch.short_code.is_not(None))).all()
    steps = {event.biz_step for batch in batches for event in batch.events}
    assert {"receiving", "harvesting"} <= steps  # the demo's two kinds of first step
    seen = set()
    for batch in batches:
        for lang, named in (("vi", "Nhận nguyên liệu"), ("en", "Receiving raw materials")):
            html = client.get(f"/t/{batch.short_code}?lang={lang}", headers={"Accept": "text/html"}).get_data(
                as_text=True
            )
            shown = set(re.findall(r"<li[^>]*>\s*<strong>([^<]+)</strong>", html))
            assert shown and not shown & steps, (batch.short_code, lang, shown)
            if any(event.biz_step == "receiving" for event in batch.events):
                assert named in shown
                seen.add(lang)
    assert seen == {"vi", "en"}
