"""The producer's and the office's pages on a 390 px phone: buttons apart, typed boxes and filters 44 px tall (walk8)."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from storefront.checkout.models import OrderStatus
from storefront.clock import today_vn
from storefront.events.services import EventInput, create_event
from tests.factories import PASSWORD, make_batch, make_product
from tests.factories_experiences import make_booking, make_experience, next_saturday, session_on
from tests.factories_office import make_office_user
from tests.factories_producer import make_order, make_producer_account
from traceability.stamps.services import issue_stamps

PHAN_DINH_PHUNG = 5443  # Phường Phan Đình Phùng, Tỉnh Thái Nguyên

#: Space kept between two stacked buttons, so a thumb meant for one cannot land on the other.
MIN_GAP = 8


def sign_in(page, live_server, email):
    page.goto(live_server.url + "/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Đăng nhập thành công.")).to_be_visible()


def box(locator):
    """The element's box once the page's stylesheets apply (a box measured before would be unstyled)."""
    locator.page.wait_for_load_state("load")
    return locator.bounding_box()


def gap_below(upper, lower) -> float:
    return box(lower)["y"] - (box(upper)["y"] + box(upper)["height"])


def apart(one, other) -> float:
    """The space between two boxes, side by side or one above the other (negative when they overlap)."""
    a, b = box(one), box(other)
    sideways = max(b["x"] - (a["x"] + a["width"]), a["x"] - (b["x"] + b["width"]))
    return max(sideways, gap_below(one, other), gap_below(other, one))


def test_a_producer_packing_a_cash_order_sees_what_to_collect_and_two_buttons_apart(live_server, page, db):
    user, producer = make_producer_account()
    order = make_order(lines=[(make_product(producer=producer, price_vnd=250_000), 1)], status=OrderStatus.CONFIRMED)
    make_experience(producer=producer)  # a visit: no lot button (it has no lots)
    make_product(producer=producer, name_vi="Miến dong Việt Cường")
    db.session.commit()
    sign_in(page, live_server, user.email)

    page.goto(f"{live_server.url}/producer/orders/{order.fulfilments[0].id}")
    expect(page.get_by_test_id("payment")).to_contain_text("Thanh toán khi nhận hàng")
    expect(page.get_by_test_id("payment")).to_contain_text("thu của khách 250.000\u00a0₫ khi giao")
    packed = page.get_by_role("button", name="Đã đóng gói")
    paid = page.get_by_role("button", name="Đã nhận tiền (COD/chuyển khoản)")
    assert gap_below(packed, paid) >= MIN_GAP

    page.goto(f"{live_server.url}/producer/products")
    assert (
        gap_below(page.get_by_role("link", name="Thêm sản phẩm"), page.get_by_role("link", name="Nhập từ tệp CSV"))
        >= MIN_GAP
    )
    # On a phone each product is a card, its name a 44 px link across the screen, each figure labelled:
    # a four-column table squeezed names and figures into columns a word wide.
    name = page.get_by_role("link", name="Miến dong Việt Cường")
    assert box(name)["height"] >= 44 and box(name)["width"] >= 300
    cells = page.get_by_test_id("producer-products").locator("tr", has=name).locator("td")
    labels = cells.evaluate_all("tds => tds.map(td => [td.dataset.label || null, td.getBoundingClientRect().top])")
    assert [label for label, _ in labels] == [None, "Giá", "Tồn kho", "Trạng thái"]
    tops = [top for _, top in labels]
    assert tops == sorted(tops) and len(set(tops)) == 4  # one above the other, not side by side
    expect(page.get_by_test_id("producer-products").locator("thead")).to_have_css("position", "absolute")
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]
    page.goto(f"{live_server.url}/producer/batches")
    lots = page.locator("main .actions .button")
    expect(lots).to_have_count(2)
    assert apart(lots.first, lots.last) >= MIN_GAP

    # A tourism card's two links (calendar, edit) are 44 px targets, not two words in a line of text.
    page.goto(f"{live_server.url}/producer/experiences")
    for name in ("Lịch và khách", "Sửa thông tin"):
        assert box(page.get_by_role("link", name=name))["height"] >= 44


def test_the_office_types_a_reason_in_a_full_size_box_and_taps_44px_filters(live_server, page, db):
    office = make_office_user()
    product = make_product()
    db.session.commit()
    sign_in(page, live_server, office.email)

    page.goto(f"{live_server.url}/office/products")
    for field in (page.get_by_label("Tìm theo tên"), page.locator(f"#hide-{product.id}")):
        assert box(field)["height"] >= 44 and box(field)["width"] >= 200
    row = page.locator(f"#product-{product.id}")
    certify = row.get_by_role("link", name="Ghi chứng nhận")
    assert box(certify)["height"] >= 44 and apart(row.get_by_role("button", name="Ẩn"), certify) >= MIN_GAP
    page.locator(f"#hide-{product.id}").fill("Nhãn thiếu hạn sử dụng")
    page.locator(f"#product-{product.id}").get_by_role("button", name="Ẩn").click()
    expect(page.locator(f"#product-{product.id}")).to_contain_text("Đang ẩn: Nhãn thiếu hạn sử dụng")

    page.goto(f"{live_server.url}/office/audit")
    assert box(page.get_by_label("Người thực hiện"))["height"] >= 44
    for url in ("/office/producers", "/office/certificates"):
        page.goto(live_server.url + url)
        filters = page.locator("main .tabs a")
        assert filters.count() >= 4
        for link in filters.all():
            assert box(link)["height"] >= 44, (url, link.inner_text())


def tap_size(locator) -> tuple[float, float]:
    found = box(locator)
    return found["width"], found["height"]


def test_the_header_cart_and_the_demo_banner_link_are_44px_targets(live_server, page, app):
    app.config["DEMO_MODE"] = True
    page.goto(live_server.url + "/")
    cart = page.locator(".site-header .cart-link")
    assert min(tap_size(cart)) >= 44
    demo = page.get_by_test_id("demo-banner").get_by_role("link", name="Điều gì là thật?")
    assert tap_size(demo)[1] >= 44
    # The banner grows by little: still two lines of text at most, well above the header's first row.
    assert box(page.get_by_test_id("demo-banner"))["height"] <= 80


def test_producer_file_pickers_and_the_office_delete_button_are_44px_targets(live_server, page, db):
    user, _producer = make_producer_account()
    db.session.commit()
    sign_in(page, live_server, user.email)
    for url in ("/producer/products/new", "/producer/profile"):
        page.goto(live_server.url + url)
        pickers = page.locator("main input[type=file]")
        assert pickers.count() >= 1, url
        for picker in pickers.all():
            assert tap_size(picker)[1] >= 44, url

    page.context.clear_cookies()
    office = make_office_user()
    event = create_event(
        EventInput(
            name="Hội chợ OCOP Thái Nguyên",
            level="province",
            starts_on=today_vn() + timedelta(days=10),
            ends_on=today_vn() + timedelta(days=11),
            ward_code=PHAN_DINH_PHUNG,
            venue="Trung tâm Hội nghị tỉnh",
        )
    )
    db.session.commit()
    sign_in(page, live_server, office.email)
    page.goto(f"{live_server.url}/office/events")
    row = page.locator(f"#event-{event.id}")
    delete, edit = row.get_by_role("button", name="Xoá"), row.get_by_role("link", name="Sửa")
    assert min(tap_size(delete)) >= 44 and tap_size(edit)[1] >= 44
    assert apart(edit, delete) >= MIN_GAP


def text_lines(locator) -> int:
    """How many lines the element's text runs over (its box may be taller: a 44 px link holds one line)."""
    locator.page.wait_for_load_state("load")
    return locator.evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.bottom))).size; }"
    )


def cells_of(row):
    """Each cell of a table row: its data-label (None for the card's head), top and width on the page."""
    row.page.wait_for_load_state("load")
    return row.locator("td").evaluate_all(
        "tds => tds.map(td => { const b = td.getBoundingClientRect();"
        " return {label: td.dataset.label || null, top: b.top, width: b.width}; })"
    )


def assert_a_card(row, labels):
    """The row is a card across the phone's screen: its cells one above the other, each labelled but the head."""
    cells = cells_of(row)
    assert [cell["label"] for cell in cells] == labels
    tops = [cell["top"] for cell in cells]
    assert tops == sorted(tops) and len(set(tops)) == len(cells)  # one above the other, not side by side
    assert min(cell["width"] for cell in cells) >= 300  # each cell as wide as the card, not a word wide


LONG_NAME = "Chè búp Tân Cương đặc biệt hộp thiếc 500 g quà biếu Tết"  # squeezes the other columns


def test_a_long_order_code_stays_on_one_line_and_the_page_does_not_scroll_sideways(live_server, page, db):
    user, producer = make_producer_account()
    order = make_order(lines=[(make_product(producer=producer, name_vi=LONG_NAME), 1)], status=OrderStatus.CONFIRMED)
    order.code = "TN-7F3K9Q"
    order.lines[0].lot_code = "CTN2611-02"
    db.session.commit()
    sign_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/producer/orders")
    code = page.get_by_test_id("order-code")
    expect(code).to_have_text("TN-7F3K9Q")
    assert text_lines(code) == 1  # one line, not broken at a hyphen
    # Each order is a card, its code a 44 px link across the screen: four columns squeezed the products a word wide.
    assert box(code)["height"] >= 44 and box(code)["width"] >= 300
    assert_a_card(
        page.get_by_test_id("producer-orders").locator("tr", has=code), [None, "Ngày đặt", "Sản phẩm", "Trạng thái"]
    )
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]

    # The order's lines: the lot code on one line in a card, not broken at its hyphen beside a long name.
    code.click()
    lot = page.get_by_test_id("line-lot")
    expect(lot).to_contain_text("CTN2611-02")
    assert text_lines(lot) == 1
    assert_a_card(
        page.get_by_test_id("fulfilment-lines").locator("tr", has=lot), [None, "Lô", "Số lượng", "Thành tiền"]
    )
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]


def test_each_lot_is_a_card_its_code_one_line_and_a_44px_link(live_server, page, desktop_page, db):
    user, producer = make_producer_account()
    tea = make_product(producer=producer, name_vi=LONG_NAME)
    lot = make_batch(product=tea, lot_code="CTN2611-02", quantity=1250)
    make_batch(product=tea, lot_code="CDT2612-02")
    issue_stamps(lot, count=20, actor=user)
    db.session.commit()
    sign_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/producer/batches")
    lots = page.get_by_test_id("producer-lots")
    for lot_code in ("CTN2611-02", "CDT2612-02"):
        code = page.get_by_role("link", name=lot_code)
        # A five-column table left the code a column a word wide: "CTN2611-" above "02".
        assert text_lines(code) == 1, lot_code
        assert box(code)["height"] >= 44 and box(code)["width"] >= 300, lot_code
        assert_a_card(lots.locator("tr", has=code), [None, "Sản phẩm", "Số lượng", "Hạn sử dụng", "Trạng thái"])
    expect(lots.locator("thead")).to_have_css("position", "absolute")
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]

    # The lot's page: each stamp issue a card, its two downloads labelled across the screen.
    page.get_by_role("link", name="CTN2611-02").click()
    assert_a_card(page.get_by_test_id("stamp-issues").locator("tr.stamp-issue"), [None, "Số tem", "Tải về"])
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]

    # On a desk it stays a table: a header row, each lot's cells side by side on one row.
    sign_in(desktop_page, live_server, user.email)
    desktop_page.goto(f"{live_server.url}/producer/batches")
    lots = desktop_page.get_by_test_id("producer-lots")
    expect(lots.locator("thead")).not_to_have_css("position", "absolute")
    cells = cells_of(lots.locator("tr", has=desktop_page.get_by_role("link", name="CTN2611-02")))
    assert len({round(cell["top"]) for cell in cells}) == 1


def test_chart_months_read_on_one_line_on_a_phone_and_in_full_to_a_screen_reader(live_server, page, db):
    user, producer = make_producer_account()
    tea = make_product(producer=producer, name_vi=LONG_NAME, price_vnd=6_150_000)
    order = make_order(lines=[(tea, 2)], status=OrderStatus.PAID)  # a wide figure: 12.300.000 ₫
    order.created_at = datetime(2026, 10, 15, 3, tzinfo=UTC)
    db.session.commit()
    sign_in(page, live_server, user.email)
    page.goto(f"{live_server.url}/producer/analytics")
    label = page.locator("#sales .bar-label").first
    # "Tháng 10/2026" wrapped onto two lines beside its bar; a phone shows "10/2026" on one line.
    line_height = label.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert box(label)["height"] < 1.5 * line_height
    expect(label).to_have_text("Tháng 10/2026" + "10/2026")  # both in the page: one shown, one read out
    expect(label.locator(".short")).to_be_visible()
    expect(label.locator(".short")).to_have_attribute("aria-hidden", "true")
    assert text_lines(label.locator(".short")) == 1
    expect(page.locator("#sales .chart")).to_match_aria_snapshot(
        '- figure "Doanh số theo sản phẩm và tháng":\n  - list:\n    - listitem: /^Tháng 10\\/2026 12\\.300\\.000\\s₫$/'
    )
    # The table below: each month a card, its product and figures labelled, nothing a word wide.
    assert_a_card(
        page.get_by_test_id("analytics-sales").locator("tbody tr").first,
        [None, "Sản phẩm", "Số lượng", "Doanh thu (đồng)"],
    )
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]


def test_the_office_sees_a_visit_tagged_with_a_styled_badge(live_server, page, db):
    office = make_office_user()
    experience = make_experience()
    make_booking(session_on(experience, next_saturday()))
    db.session.commit()
    sign_in(page, live_server, office.email)
    page.goto(f"{live_server.url}/office/products")
    tag = page.locator(f"#product-{experience.product_id}").get_by_test_id("experience-tag")
    expect(tag).to_have_text("Tham quan")
    page.wait_for_load_state("load")
    style = tag.evaluate(
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderTopLeftRadius, s.display]; }"
    )
    assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent") and float(style[1].removesuffix("px")) > 0
    assert style[2] == "inline-block"
