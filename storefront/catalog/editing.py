"""Creating and changing producers and products: one set of rules for forms, CSV import and CLI."""

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.accounts.services import EmailTaken, answer_taken_address, register_user
from storefront.addresses import THAI_NGUYEN, ward_in_province
from storefront.catalog.groups import GROUPS, GROUPS_WITH_CONSUMER_INFO
from storefront.catalog.gtins import gtin_refusal
from storefront.catalog.marketplaces import ListingRejected, checked_website
from storefront.catalog.models import LegalType, Producer, ProducerStatus, Product
from storefront.catalog.slugs import unique_slug
from storefront.columns import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.inventory.models import Stock
from storefront.outbox.services import queue_mail
from storefront.text import PhoneError, normalize_phone

GTIN_LENGTHS = (8, 12, 13, 14)


class EditingError(DomainError):
    """A producer or product change was refused; ``errors`` maps field names to messages."""

    def __init__(self, errors: Mapping[str, str] | str):
        self.errors = {"": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items()))


class InvalidProducer(EditingError):
    pass


class InvalidProduct(EditingError):
    pass


class PublishRefused(EditingError):
    pass


# --- pure value rules -----------------------------------------------------------------


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for the digits before it (GS1 Gen. Specs §7.9.1)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def clean_gtin(raw: str | None) -> str | None:
    """Return a GTIN-8/12/13/14 zero-padded to 14 digits, None when blank, or raise ValueError."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if not digits:
        return None
    if not digits.isascii() or not digits.isdigit() or len(digits) not in GTIN_LENGTHS:
        raise ValueError(_("Mã GTIN phải gồm 8, 12, 13 hoặc 14 chữ số."))
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        raise ValueError(_("Mã GTIN sai số kiểm tra (chữ số cuối)."))
    return digits.zfill(14)


def parse_price_vnd(raw) -> int:
    """Return whole đồng from 120000, "120.000", "120 000 ₫" or "120,000"; raise ValueError."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        text = re.sub(r"[\s\u00a0₫đ]|vnd|VND", "", str(raw or ""))
        # Vietnamese groups thousands with dots; spreadsheets may use commas. Đồng has no
        # decimals, so a separator followed by exactly three digits is always a group.
        if not re.fullmatch(r"\d{1,3}([.,]\d{3})+|\d+", text):
            raise ValueError(_("Giá phải là số đồng nguyên, ví dụ 120.000."))
        value = int(re.sub(r"[.,]", "", text))
    if value < 0:
        raise ValueError(_("Giá không được âm."))
    if value > 2_000_000_000:
        raise ValueError(_("Giá quá lớn."))
    return value


#: field -> (max length, required)
_TEXT_LIMITS = {
    "name_vi": (200, True),
    "name_en": (200, False),
    "description_vi": (20_000, False),
    "description_en": (20_000, False),
    "ingredients": (5_000, False),
    "usage": (5_000, False),
    "storage": (5_000, False),
    "ocop_subgroup": (20, False),
    "unit": (40, False),
    "net_quantity": (40, False),
}

PRODUCT_FIELDS = (*_TEXT_LIMITS, "ocop_group", "price_vnd", "gtin")


def clean_product_fields(raw: Mapping[str, object], *, partial: bool = False) -> dict:
    """Return typed product values from raw input, or raise InvalidProduct with every error.

    With ``partial`` only the keys present are checked (an edit of some fields).
    """
    values, errors = {}, {}
    for name, (limit, required) in _TEXT_LIMITS.items():
        if partial and name not in raw:
            continue
        text = str(raw.get(name) or "").strip()
        if required and not text:
            errors[name] = _("Bắt buộc nhập.")
        elif len(text) > limit:
            errors[name] = _("Tối đa %(n)s ký tự.", n=limit)
        values[name] = text
    if not partial or "ocop_group" in raw:
        try:
            group = int(str(raw.get("ocop_group") or "").strip())
        except ValueError:
            group = None
        if group not in GROUPS:
            errors["ocop_group"] = _("Chọn nhóm sản phẩm OCOP từ 1 đến 6.")
        values["ocop_group"] = group
    if not partial or "price_vnd" in raw:
        try:
            values["price_vnd"] = parse_price_vnd(raw.get("price_vnd"))
        except ValueError as exc:
            errors["price_vnd"] = str(exc)
    if not partial or "gtin" in raw:
        try:
            values["gtin"] = clean_gtin(raw.get("gtin"))  # type: ignore[arg-type]
        except ValueError as exc:
            errors["gtin"] = str(exc)
    if errors:
        raise InvalidProduct(errors)
    return values


def gtin_taken(gtin: str | None, *, except_product_id: int | None = None) -> bool:
    if gtin is None:
        return False
    query = select(Product.id).where(Product.gtin == gtin)
    if except_product_id is not None:
        query = query.where(Product.id != except_product_id)
    return db.session.scalar(query.limit(1)) is not None


# --- producers ------------------------------------------------------------------------

PRODUCER_FIELDS = (
    "name",
    "legal_type",
    "business_reg_no",
    "business_reg_date",
    "business_reg_place",
    "tax_code",
    "phone",
    "email",
    "representative",
    "ward_code",
    "street",
    "legacy_address",
    "legacy_district",
    "story_md",
    "website",
)


def _clean_producer_fields(fields: Mapping[str, object]) -> dict:
    unknown = set(fields) - set(PRODUCER_FIELDS)
    if unknown:
        raise TypeError(f"unknown producer fields: {sorted(unknown)}")
    values, errors = dict(fields), {}
    if "name" in values and not str(values["name"] or "").strip():
        errors["name"] = _("Bắt buộc nhập.")
    if "legal_type" in values and not isinstance(values["legal_type"], LegalType):
        try:
            values["legal_type"] = LegalType(values["legal_type"])
        except ValueError:
            errors["legal_type"] = _("Chọn loại hình chủ thể.")
    if "business_reg_no" in values and not re.fullmatch(
        r"[0-9A-Za-z./-]{4,30}", str(values["business_reg_no"] or "").strip()
    ):
        errors["business_reg_no"] = _("Số đăng ký kinh doanh không hợp lệ.")
    if values.get("tax_code") and not re.fullmatch(r"\d{10}(-\d{3})?", str(values["tax_code"]).strip()):
        errors["tax_code"] = _("Mã số thuế gồm 10 chữ số (hoặc 10 số, gạch nối, 3 số).")
    if "phone" in values:
        try:
            values["phone"] = normalize_phone(str(values["phone"] or ""))
        except PhoneError:
            errors["phone"] = _(
                "Số điện thoại di động Việt Nam không hợp lệ (10 số, bắt đầu bằng 03, 05, 07, 08 hoặc 09)."
            )
    if "ward_code" in values:
        try:
            ward_ok = ward_in_province(int(values["ward_code"]), THAI_NGUYEN)
        except (TypeError, ValueError):
            ward_ok = False
        if not ward_ok:
            errors["ward_code"] = _("Chọn xã/phường thuộc tỉnh Thái Nguyên.")
        else:
            values["ward_code"] = int(values["ward_code"])
    for key in ("name", "business_reg_no", "street", "legacy_address", "representative", "business_reg_place"):
        if key in values:
            values[key] = str(values[key] or "").strip()
    for key in ("story_md", "legacy_district"):
        if key in values:
            values[key] = str(values[key] or "")
    if "tax_code" in values:
        values["tax_code"] = str(values["tax_code"] or "").strip() or None
    if "email" in values:
        values["email"] = str(values["email"] or "").strip().lower() or None
    if "website" in values:
        try:
            values["website"] = checked_website(str(values["website"] or ""))
        except ListingRejected as error:
            errors["website"] = str(error.message)
    if errors:
        raise InvalidProducer(errors)
    return values


def register_producer(
    *, user: User | None = None, email: str = "", password: str = "", full_name: str = "", **producer_fields
) -> tuple[User, Producer]:
    """Create (or convert a shopper into) a producer account with a PENDING producer.

    :raises InvalidProducer: a legal detail is wrong or the user already runs a producer.
    :raises storefront.accounts.services.EmailTaken: the email already has an account.
    """
    values = _clean_producer_fields(producer_fields)
    if user is None:
        user = register_user(
            email=email, password=password, full_name=full_name, phone=values.get("phone"), role=Role.PRODUCER
        )
    elif user.role is Role.OFFICE or db.session.scalar(select(Producer.id).where(Producer.owner_id == user.id)):
        raise InvalidProducer(_("Tài khoản này không thể đăng ký thêm cơ sở sản xuất."))
    else:
        user.role = Role.PRODUCER
    values.setdefault("email", user.email)
    producer = Producer(
        slug=unique_slug(Producer, values["name"]),
        status=ProducerStatus.PENDING,
        province_code=THAI_NGUYEN,
        owner=user,
        **values,
    )
    db.session.add(producer)
    db.session.flush()
    return user, producer


def sign_up_producer(
    *, email: str, password: str, full_name: str, login_url: str, reset_url: str, register_url: str, **producer_fields
) -> User | None:
    """A visitor's producer sign-up: a new account with a PENDING producer and a welcome mail; or,
    when the e-mail already has an account, a mail telling its owner (nothing created, None).

    The page answers the same both ways (only the owner of the address learns which it was); a
    known address's owner signs in and registers the producer from the account.

    :raises InvalidProducer: a legal detail is wrong (checked before the address, so alike for both).
    """
    try:
        user, producer = register_producer(email=email, password=password, full_name=full_name, **producer_fields)
    except EmailTaken:
        answer_taken_address(
            email,
            password,
            _("Đăng ký cơ sở sản xuất – OCOP Thái Nguyên"),
            _(
                "Xin chào,\n\nCó người vừa dùng địa chỉ email này để đăng ký một cơ sở sản xuất tại OCOP "
                "Thái Nguyên, nhưng email này đã có tài khoản, nên chưa có gì được tạo.\n\n"
                "Nếu đó là bạn, hãy đăng nhập rồi đăng ký cơ sở từ tài khoản của mình: %(register_url)s\n"
                "Nếu quên mật khẩu, hãy đặt lại: %(reset_url)s\n\n"
                "Nếu không phải bạn, hãy bỏ qua thư này: tài khoản của bạn không thay đổi.",
                register_url=register_url,
                reset_url=reset_url,
            ),
        )
        return None
    queue_mail(
        user.email,
        _("Đăng ký cơ sở sản xuất – OCOP Thái Nguyên"),
        _(
            "Xin chào %(name)s,\n\nĐăng ký cơ sở %(producer)s đã được gửi tới văn phòng OCOP để xét duyệt. "
            "Đăng nhập bằng email này và mật khẩu bạn vừa chọn để chuẩn bị sản phẩm trong lúc chờ: "
            "%(login_url)s\n\nNếu không phải bạn đăng ký, hãy bỏ qua thư này.",
            name=user.full_name or user.email,
            producer=producer.name,
            login_url=login_url,
        ),
    )
    return user


def update_producer_profile(producer: Producer, **fields) -> Producer:
    """Change a producer's public profile and story; legal identity stays with the office."""
    locked = {"name", "legal_type", "business_reg_no"} & set(fields)
    if locked and producer.status is ProducerStatus.APPROVED:
        if any(getattr(producer, key) != fields[key] for key in locked):
            raise InvalidProducer(_("Tên và thông tin pháp lý đã được duyệt; liên hệ văn phòng OCOP để thay đổi."))
    for key, value in _clean_producer_fields(fields).items():
        setattr(producer, key, value)
    db.session.flush()
    return producer


# --- products -------------------------------------------------------------------------


def create_product(producer: Producer, **fields) -> Product:
    """Create an unpublished product with an empty stock row, or raise InvalidProduct."""
    values = clean_product_fields(fields)
    refusal = gtin_refusal(producer.gs1_prefix, values["gtin"])
    if refusal:
        raise InvalidProduct({"gtin": refusal})
    if gtin_taken(values["gtin"]):
        raise InvalidProduct({"gtin": _("Mã GTIN này đã được dùng cho một sản phẩm khác.")})
    product = Product(producer=producer, slug=unique_slug(Product, values["name_vi"]), is_published=False, **values)
    db.session.add(product)
    db.session.flush()
    db.session.add(Stock(product_id=product.id, on_hand=0, reserved=0))
    db.session.flush()
    return product


def update_product(product: Product, **fields) -> Product:
    """Change some of a product's fields (the slug stays, so printed links keep working)."""
    values = clean_product_fields(fields, partial=True)
    if "gtin" in values and values["gtin"] != product.gtin:  # a GTIN kept as it was needs no new check
        refusal = gtin_refusal(product.producer.gs1_prefix, values["gtin"])
        if refusal:
            raise InvalidProduct({"gtin": refusal})
    if "gtin" in values and gtin_taken(values["gtin"], except_product_id=product.id):
        raise InvalidProduct({"gtin": _("Mã GTIN này đã được dùng cho một sản phẩm khác.")})
    for key, value in values.items():
        setattr(product, key, value)
    db.session.flush()
    return product


def publish_problems(product: Product) -> list[str]:
    """Return why a product cannot go on sale yet (empty when it can)."""
    problems = []
    if product.producer.status is not ProducerStatus.APPROVED:
        problems.append(_("Cơ sở chưa được văn phòng OCOP duyệt, chưa thể đăng bán."))
    if not (product.name_vi or "").strip():
        problems.append(_("Sản phẩm chưa có tên."))
    if product.price_vnd is None:
        problems.append(_("Sản phẩm chưa có giá."))
    # Food, drinks and herbs must show ingredients (labelling rules, Decree 43/2017/NĐ-CP).
    if product.ocop_group in GROUPS_WITH_CONSUMER_INFO and not (product.ingredients or "").strip():
        problems.append(_("Nhóm sản phẩm này cần ghi thành phần trước khi đăng bán."))
    return problems


def publish_product(product: Product) -> Product:
    """Put a product on sale, or raise PublishRefused saying what is missing."""
    problems = publish_problems(product)
    if problems:
        raise PublishRefused(" ".join(problems))
    product.is_published = True
    product.published_at = product.published_at or utcnow()
    db.session.flush()
    return product


def unpublish_product(product: Product) -> Product:
    product.is_published = False
    db.session.flush()
    return product
