"""Demo news and stories: five articles by the office about real demo producers and products (four published,
one scheduled) and one story HTX Chè Hảo Đạt submitted, waiting for review; all `is_demo`.

Their facts are copied from the demo data (data/demo/, with sources): names, old and post-2025
addresses, what the products are. They restate no stars (the badge on each product says what is
valid), invent no event or figure, and each page says it is a demo article. They go through the
articles service, so the same rules apply to them as to the office's own.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.articles import services
from storefront.articles.models import ArticleImage
from storefront.articles.services import ArticleInput
from storefront.catalog.images import store_image
from storefront.catalog.models import Producer, Product
from storefront.clock import VIETNAM_TZ
from storefront.demo import artwork, illustrations
from storefront.extensions import db

SOURCE_2021 = "https://etime.danviet.vn/thai-nguyen-co-2-san-pham-dat-ocop-5-sao-cap-quoc-gia-20210705200349396.htm"
SOURCE_2025 = "https://vietnam.vn/?p=1305140"

#: (days from the seed day: negative published, positive scheduled; kind of art; title; summary; body;
#:  products by name; producers by name; ward codes; English title and summary).
DEMO_ARTICLES = (
    (
        -12,
        "tea",
        "Chè tôm nõn và chè đinh: hai sản phẩm của HTX Chè Hảo Đạt ở Tân Cương",
        "Vùng chè Tân Cương có hai sản phẩm tiêu biểu của HTX Chè Hảo Đạt: chè tôm nõn làm từ búp đầu "
        "và chè đinh làm từ búp nhỏ như cây đinh.",
        "Tân Cương là vùng chè nổi tiếng nhất của Thái Nguyên. Trước tháng 7/2025, HTX Chè Hảo Đạt ở "
        "**Xã Tân Cương, TP Thái Nguyên**; từ 01/07/2025, khi không còn cấp huyện, địa chỉ của hợp tác xã "
        "là **Xã Tân Cương, Tỉnh Thái Nguyên**.\n\n"
        "Hai sản phẩm của hợp tác xã có trong chương trình OCOP:\n\n"
        "- **Chè tôm nõn**: chè xanh làm từ búp đầu (tôm) còn non;\n"
        "- **Chè đinh Tân Cương**: chè xanh làm từ búp rất nhỏ, nhọn như cây đinh.\n\n"
        "Tình trạng chứng nhận OCOP hiện nay của từng sản phẩm hiện trên trang sản phẩm, theo sổ chứng "
        "nhận của Văn phòng OCOP.\n\n"
        f"Nguồn: [Dân Việt (2021)]({SOURCE_2021}), [vietnam.vn (2025)]({SOURCE_2025}).",
        ("Chè tôm nõn", "Chè đinh Tân Cương"),
        ("HTX Chè Hảo Đạt",),
        (5503,),
        "Tom non and dinh teas: two products of HTX Chè Hảo Đạt in Tân Cương",
        "Two green teas from the Tân Cương tea area: first-bud 'tom non' and needle-bud 'dinh'.",
    ),
    (
        -9,
        "noodle",
        "Miến Việt Cường: miến dong của Hóa Thượng, Đồng Hỷ",
        "HTX Miến Việt Cường làm miến từ tinh bột dong riềng; nay hợp tác xã thuộc Xã Đồng Hỷ, tỉnh Thái Nguyên.",
        "Miến Việt Cường là miến dong làm từ tinh bột củ dong riềng, của **HTX Miến Việt Cường**.\n\n"
        "Địa chỉ trên các giấy tờ cấp trước tháng 7/2025 ghi *Thị trấn Hóa Thượng, Huyện Đồng Hỷ, Tỉnh "
        "Thái Nguyên*; sau sắp xếp đơn vị hành chính năm 2025, nơi này thuộc **Xã Đồng Hỷ, Tỉnh Thái "
        "Nguyên**. Sàn giữ cả hai địa chỉ để người mua đối chiếu với bao bì cũ.\n\n"
        f"Nguồn: [Dân Việt (2021)]({SOURCE_2021}).",
        ("Miến Việt Cường",),
        ("HTX Miến Việt Cường",),
        (5692,),
        "Viet Cuong glass noodles from Hóa Thượng, Đồng Hỷ",
        "Canna-starch glass noodles by HTX Miến Việt Cường, now in Đồng Hỷ commune.",
    ),
    (
        -6,
        "tourism",
        "Về bản làng Thái Hải tìm hiểu văn hoá dân tộc Tày",
        "Du lịch văn hoá dân tộc Tày bản làng Thái Hải là một sản phẩm OCOP thuộc nhóm dịch vụ du lịch cộng đồng.",
        "Không chỉ hàng hoá, chương trình OCOP còn có nhóm **dịch vụ du lịch cộng đồng, du lịch sinh thái "
        "và điểm du lịch**. Ở Thái Nguyên, *Du lịch văn hóa dân tộc Tày bản làng Thái Hải* của **Công ty "
        "TNHH Thái Hải** là một sản phẩm như vậy.\n\n"
        "Bản làng ở xã Thịnh Đức cũ (TP Thái Nguyên), nay thuộc **Xã Tân Cương, Tỉnh Thái Nguyên**.\n\n"
        f"Nguồn: [vietnam.vn (2025)]({SOURCE_2025}).",
        ("Du lịch văn hóa dân tộc Tày bản làng Thái Hải",),
        ("Công ty TNHH Thái Hải",),
        (5503,),
        "Thái Hải: a Tày village open to visitors",
        "Tày ethnic village cultural tourism, an OCOP product in the community tourism group.",
    ),
    (
        -3,
        "noodle",
        "Sản phẩm OCOP của Bắc Kạn cũ trên sàn OCOP Thái Nguyên",
        "Từ 01/07/2025, Bắc Kạn sáp nhập vào Thái Nguyên: miến dong Tài Hoan và trà hoa vàng Bắc Kạn "
        "nay là sản phẩm OCOP của tỉnh Thái Nguyên mới.",
        "Từ **01/07/2025**, tỉnh Bắc Kạn hợp nhất với tỉnh Thái Nguyên; tỉnh mới có **92 đơn vị hành "
        "chính cấp xã (77 xã, 15 phường)** và không còn cấp huyện.\n\n"
        "Các sản phẩm OCOP của Bắc Kạn cũ vì thế có mặt trên sàn, ví dụ:\n\n"
        "- **Miến dong Tài Hoan** của HTX Tài Hoan (xã Côn Minh, huyện Na Rì cũ; nay Xã Côn Minh);\n"
        "- **Trà hoa vàng Bắc Kạn** của Công ty TNHH Hà Diệp.\n\n"
        "Giấy chứng nhận cấp trước sáp nhập vẫn ghi địa chỉ cũ; trang sản phẩm ghi cả địa chỉ mới.",
        ("Miến dong Tài Hoan", "Trà hoa vàng Bắc Kạn"),
        ("HTX Tài Hoan", "Công ty TNHH Hà Diệp"),
        (2185,),
        "Former Bắc Kạn's OCOP products in the Thái Nguyên shop",
        "Since 1 July 2025 Bắc Kạn is part of Thái Nguyên: its OCOP products are sold here too.",
    ),
    (
        3,
        "tea",
        "Vô Tranh, Phú Lương: hai hợp tác xã chè trên cùng một xã",
        "HTX chè sạch Đạt Phát và HTX chè an toàn Hoan Xuyến cùng ở Xã Vô Tranh.",
        "Ở **Xã Vô Tranh** (huyện Phú Lương cũ) có hai hợp tác xã chè có sản phẩm OCOP: **HTX chè sạch "
        "Đạt Phát** (Trà đinh Đạt Phát, Trà móc câu Đạt Phát) và **HTX chè an toàn Hoan Xuyến** (Chè "
        "xanh Hoan Xuyến, Nõn tâm trà).\n\n"
        "Tên các loại chè nói lên búp được hái: *đinh* là búp rất nhỏ, *móc câu* là búp cong như lưỡi "
        "câu khi sao.",
        ("Trà đinh Đạt Phát", "Trà móc câu Đạt Phát", "Chè xanh Hoan Xuyến"),
        ("HTX chè sạch Đạt Phát", "HTX chè an toàn Hoan Xuyến"),
        (5641,),
        "Vô Tranh, Phú Lương: two tea co-operatives in one commune",
        "",
    ),
)

#: The story HTX Chè Hảo Đạt's account submitted; it waits in the office's list.
DEMO_STORY = (
    "HTX Chè Hảo Đạt kể chuyện làm chè tôm nõn",
    "Câu chuyện minh hoạ một hợp tác xã gửi lên sàn, chờ Văn phòng OCOP duyệt.",
    "Chè tôm nõn của chúng tôi làm từ búp đầu còn non, hái bằng tay trên đồi chè Tân Cương.\n\n"
    "*(Câu chuyện minh hoạ cho chức năng gửi bài của cơ sở; nội dung do sàn viết, không phải lời của hợp "
    "tác xã.)*",
    ("Chè tôm nõn",),
)


def _at(today: date, days: int) -> datetime:
    return datetime.combine(today + timedelta(days=days), time(8, 0), tzinfo=VIETNAM_TZ)


def _cover(article, kind: str, image_dir) -> None:
    art = illustrations.illustrate(kind, f"article-{article.slug}", illustrations.LANDSCAPE, size=artwork.COVER_SIZE)
    stored = store_image(art, image_dir, filename=f"article-{article.slug}"[:140] + ".jpg")
    article.cover = ArticleImage(
        filename=stored.filename,
        width=stored.width,
        height=stored.height,
        is_illustration=True,
        alt=f"Ảnh minh hoạ, không phải ảnh chụp: {article.title}"[:200],
        alt_en="Illustration, not a photograph"[:200],
    )


def seed_articles(*, today: date, image_dir) -> int:
    """Write the demo articles through the articles service; flush only. Return how many (the story included)."""
    office = db.session.scalars(select(User).where(User.role == Role.OFFICE).order_by(User.id)).first()
    products = {p.name_vi: p for p in db.session.scalars(select(Product))}
    producers = {p.name: p for p in db.session.scalars(select(Producer))}
    count = 0
    for days, kind, title, summary, body, product_names, producer_names, wards, title_en, summary_en in DEMO_ARTICLES:
        data = ArticleInput(
            title=title,
            summary=summary,
            body=body,
            title_en=title_en,
            summary_en=summary_en,
            product_ids=tuple(products[n].id for n in product_names if n in products),
            producer_ids=tuple(producers[n].id for n in producer_names if n in producers),
            ward_codes=wards,
        )
        article = services.create_article(data, actor=office, is_demo=True)
        _cover(article, kind, image_dir)
        if days < 0:
            services.publish_now(article, actor=office, now=_at(today, days))
        else:
            services.schedule(article, _at(today, days), actor=office, now=_at(today, 0))
        count += 1
    producer = producers.get("HTX Chè Hảo Đạt")
    if producer is not None and producer.owner is not None:
        title, summary, body, product_names = DEMO_STORY
        data = ArticleInput(
            title=title,
            summary=summary,
            body=body,
            product_ids=tuple(products[n].id for n in product_names if n in products),
        )
        services.create_article(data, actor=producer.owner, producer=producer, is_demo=True)
        count += 1
    return count
