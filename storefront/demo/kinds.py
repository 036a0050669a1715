"""What each kind of demo product is like: shelf life, first trace step, consumer texts."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What a kind of product is like: shelf life, first trace step and consumer texts."""

    sentence: str
    ingredients: str = ""
    usage: str = ""
    storage: str = ""
    #: None: no expiry printed (spirits, services).
    shelf_days: int | None = 365
    #: "harvesting" (from a growing area), "receiving" (raw materials) or "" (no batches).
    first_step: str = "harvesting"
    standards: str = ""
    colour: tuple[int, int, int] = (46, 125, 50)


DRY_STORAGE = "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng trực tiếp; đóng kín bao bì sau khi mở."
TEA_USAGE = (
    "Tráng ấm bằng nước sôi, cho 5–7 g chè vào ấm 150–200 ml, hãm với nước khoảng 80–90 °C "
    "trong 2–3 phút; có thể pha 3–4 nước."
)
TEA_STORAGE = "Bảo quản nơi khô ráo, thoáng mát, tránh ánh nắng và mùi lạ; buộc kín túi sau khi mở."
VIETGAP = "VietGAP (TCVN 11892-1:2017) – dữ liệu minh hoạ"
TCCS = "Tiêu chuẩn cơ sở (TCCS) – dữ liệu minh hoạ"
SUPPLEMENT_NOTE = "Thực phẩm này không phải là thuốc và không có tác dụng thay thế thuốc chữa bệnh."

KINDS = {
    "tea": Kind(
        "Chè xanh Thái Nguyên làm từ búp chè hái trong vùng, sao và vò theo cách chế biến của địa phương.",
        ingredients="Búp chè xanh (Camellia sinensis).",
        usage=TEA_USAGE,
        storage=TEA_STORAGE,
        shelf_days=365,
        standards=VIETGAP,
    ),
    "tea_bag": Kind(
        "Chè xanh Thái Nguyên đóng túi lọc, tiện pha nhanh tại nhà hoặc văn phòng.",
        ingredients="Chè xanh (Camellia sinensis).",
        usage="Cho 1 túi lọc vào cốc 150–200 ml, rót nước khoảng 85–90 °C, đợi 2–3 phút rồi nhấc túi ra.",
        storage=TEA_STORAGE,
        shelf_days=540,
        standards=VIETGAP,
    ),
    "herbal_tea": Kind(
        "Sản phẩm trà từ thực vật khác ngoài cây chè (nhóm I.5.b), dùng pha uống hằng ngày.",
        usage="Hãm một lượng vừa đủ với nước sôi trong 5–10 phút; dùng trong ngày.",
        storage=DRY_STORAGE,
        shelf_days=540,
        standards=TCCS,
        colour=(104, 159, 56),
    ),
    "noodle": Kind(
        "Miến dong làm từ tinh bột củ dong riềng, sợi dai, nấu không nát.",
        ingredients="Tinh bột dong riềng (xem nhãn sản phẩm để biết đầy đủ thành phần).",
        usage="Ngâm miến trong nước ấm 5–10 phút cho mềm, để ráo rồi nấu canh, xào hoặc trộn.",
        storage=DRY_STORAGE,
        shelf_days=365,
        first_step="receiving",
        standards=TCCS,
        colour=(121, 85, 72),
    ),
    "vermicelli": Kind(
        "Bún khô làm từ gạo bao thai của huyện Định Hóa (cũ).",
        ingredients="Gạo bao thai Định Hóa và nguyên liệu tạo màu (xem nhãn sản phẩm để biết đầy đủ thành phần).",
        usage="Luộc bún trong nước sôi 3–5 phút, xả lại nước nguội cho sợi tơi rồi dùng.",
        storage=DRY_STORAGE,
        shelf_days=270,
        first_step="receiving",
        standards=TCCS,
        colour=(255, 143, 0),
    ),
    "rice": Kind(
        "Gạo nếp vải trồng ở xã Ôn Lương (cũ), huyện Phú Lương.",
        ingredients="Gạo nếp vải Ôn Lương.",
        usage="Vo nhẹ, ngâm 4–6 giờ rồi đồ xôi hoặc nấu theo món.",
        storage=DRY_STORAGE,
        shelf_days=270,
        colour=(251, 192, 45),
    ),
    "honey": Kind(
        "Mật ong do hợp tác xã nuôi ong ở huyện Đồng Hỷ (cũ) khai thác.",
        ingredients="Mật ong.",
        usage="Dùng trực tiếp hoặc pha với nước ấm (dưới 60 °C). Không dùng cho trẻ dưới 1 tuổi.",
        storage="Đậy kín nắp, để nơi khô mát, tránh ánh nắng; không cần để tủ lạnh.",
        shelf_days=730,
        standards=TCCS,
        colour=(255, 179, 0),
    ),
    "bamboo_fresh": Kind(
        "Măng lục trúc tươi thu hái trong ngày.",
        ingredients="Măng lục trúc tươi.",
        usage="Bóc vỏ, luộc kỹ và bỏ nước luộc đầu trước khi chế biến.",
        storage="Bảo quản mát 2–8 °C và dùng trong vài ngày.",
        shelf_days=7,
        standards=TCCS,
        colour=(124, 179, 66),
    ),
    "bamboo_dried": Kind(
        "Măng lục trúc thái và phơi khô.",
        ingredients="Măng lục trúc.",
        usage="Ngâm nước 1–2 ngày, luộc kỹ và thay nước vài lần trước khi chế biến.",
        storage=DRY_STORAGE,
        shelf_days=365,
        standards=TCCS,
        colour=(141, 110, 99),
    ),
    "mushroom": Kind(
        "Nấm hương trồng và sơ chế tại huyện Đại Từ (cũ).",
        ingredients="Nấm hương.",
        usage="Rửa sạch; nấm khô ngâm nước ấm 20–30 phút trước khi nấu.",
        storage=DRY_STORAGE,
        shelf_days=365,
        standards=TCCS,
        colour=(93, 64, 55),
    ),
    "supplement": Kind(
        "Thực phẩm bảo vệ sức khỏe chứa nano curcumin từ củ nghệ.",
        ingredients="Nano curcumin từ nghệ (xem nhãn sản phẩm để biết đầy đủ thành phần và hàm lượng).",
        usage=f"Dùng theo hướng dẫn trên nhãn sản phẩm. {SUPPLEMENT_NOTE}",
        storage=DRY_STORAGE,
        shelf_days=730,
        first_step="receiving",
        standards=TCCS,
        colour=(230, 81, 0),
    ),
    "liquor": Kind(
        "Rượu trắng nấu thủ công, lên men bằng men lá theo cách làm truyền thống ở Chợ Đồn (Bắc Kạn cũ).",
        ingredients="Gạo, men lá (xem nhãn sản phẩm).",
        usage="Uống có trách nhiệm. Không bán cho người dưới 18 tuổi.",
        storage="Đậy kín nắp, để nơi thoáng mát, tránh ánh nắng.",
        shelf_days=None,
        first_step="receiving",
        standards=TCCS,
        colour=(21, 101, 192),
    ),
    "liqueur": Kind(
        "Rượu mơ ngâm, đồ uống có cồn.",
        ingredients="Quả mơ, rượu (xem nhãn sản phẩm).",
        usage="Uống có trách nhiệm. Không bán cho người dưới 18 tuổi.",
        storage="Đậy kín nắp, để nơi thoáng mát, tránh ánh nắng.",
        shelf_days=None,
        first_step="receiving",
        standards=TCCS,
        colour=(173, 20, 87),
    ),
    "tourism": Kind(
        "Dịch vụ du lịch cộng đồng: tham quan bản làng, tìm hiểu văn hóa dân tộc Tày.",
        shelf_days=None,
        first_step="",
        colour=(239, 108, 0),
    ),
}

SPECIFIC_SENTENCES = {
    "Độc đáo trà ướp hoa": "Chè xanh được ướp hương hoa.",
    "Trà TN GABA": "Chè được chế biến theo quy trình trà GABA.",
    "Trà giảo cổ lam núi đá": "Làm từ cây giảo cổ lam.",
    "Trà hoa vàng Bắc Kạn": "Làm từ hoa chè hoa vàng.",
    "Trà nụ vối": "Làm từ nụ vối.",
    "Vicumax Mật ong Nano Curcumin": "Sản phẩm kết hợp mật ong với nano curcumin.",
}
SPECIFIC_INGREDIENTS = {
    "Trà giảo cổ lam núi đá": "Giảo cổ lam (Gynostemma pentaphyllum).",
    "Trà hoa vàng Bắc Kạn": "Hoa chè hoa vàng.",
    "Trà nụ vối": "Nụ vối.",
    "Vicumax Mật ong Nano Curcumin": "Mật ong, nano curcumin từ nghệ (xem nhãn sản phẩm để biết đầy đủ thành phần).",
}
