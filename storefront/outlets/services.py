"""Register and edit points of sale, list them by ward and kind, and as GeoJSON; services flush, never commit."""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.addresses import format_address, place_errors, vietnamese_order, ward_name
from storefront.catalog.models import Producer, ProducerStatus, Product
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.outlets.models import Outlet, OutletKind, outlet_products
from storefront.text import clean_text, drop_format_chars, fold, slugify


class OutletError(DomainError):
    pass


class OutletInvalid(OutletError):
    """Field name → message for every rule the input breaks."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotYourOutlet(OutletError):
    pass


@dataclass
class OutletInput:
    name: str
    kind: str
    ward_code: int | None
    street: str = ""
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: str = ""
    phone: str = ""
    product_ids: tuple[int, ...] = ()
    is_active: bool = True


def _clean(text: str, limit: int) -> str:
    return re.sub(r"\s+", " ", drop_format_chars(clean_text(text or ""))).strip()[:limit]


def normalize_any_phone(raw: str) -> str:
    """Return a Vietnamese mobile or fixed-line number as E.164, or raise ValueError."""
    import phonenumbers  # on first use, as in storefront/text.py

    try:
        number = phonenumbers.parse(re.sub(r"[\s.\-()]", "", raw or ""), "VN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(raw) from exc
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise ValueError(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_any_phone(e164: str) -> str:
    """Show +84912345678 as '0912 345 678' and +842083855000 as '0208 3855 000' (national format)."""
    import phonenumbers

    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "VN"), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def stockable_products(producer: Producer | None):
    """Products a point may list: the producer's own for a producer's point, any on sale for the office's."""
    query = select(Product).join(Producer).where(Product.is_published.is_(True), Product.is_hidden.is_(False))
    if producer is not None:
        query = query.where(Product.producer_id == producer.id)
    else:
        query = query.where(Producer.status == ProducerStatus.APPROVED)
    return db.session.scalars(query.order_by(Product.name_vi)).all()


def _checked(data: OutletInput, producer: Producer | None) -> dict:
    errors, values = {}, {}
    values["name"] = _clean(data.name, 200)
    if not values["name"]:
        errors["name"] = _l("Nhập tên điểm bán.")
    try:
        values["kind"] = OutletKind(data.kind)
    except ValueError:
        errors["kind"] = _l("Chọn loại điểm bán.")
    if producer is not None and values.get("kind") is OutletKind.PROVINCIAL_CENTRE:
        errors["kind"] = _l("Chỉ văn phòng OCOP đăng ký trung tâm cấp tỉnh.")
    errors.update(place_errors(data.ward_code, data.latitude, data.longitude))
    values["ward_code"], values["latitude"], values["longitude"] = data.ward_code, data.latitude, data.longitude
    values["street"] = _clean(data.street, 200)
    values["opening_hours"] = _clean(data.opening_hours, 200)
    values["phone"] = ""
    if (data.phone or "").strip():
        try:
            values["phone"] = normalize_any_phone(data.phone)
        except ValueError:
            errors["phone"] = _l("Số điện thoại không hợp lệ.")
    allowed = {p.id: p for p in stockable_products(producer)}
    chosen = set(data.product_ids)
    if chosen - set(allowed):
        errors["product_ids"] = (
            _l("Chỉ chọn được sản phẩm đang bán của cơ sở.") if producer else _l("Chỉ chọn được sản phẩm đang bán.")
        )
    values["products"] = [allowed[i] for i in sorted(chosen & set(allowed))]
    values["is_active"] = bool(data.is_active)
    if errors:
        raise OutletInvalid(errors)
    return values


def _unique_slug(name: str, outlet_id: int | None = None) -> str:
    base = slugify(name, max_length=150)
    slug, n = base, 1
    while True:
        found = db.session.scalar(select(Outlet.id).where(Outlet.slug == slug))
        if found is None or found == outlet_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def create_outlet(data: OutletInput, *, producer: Producer | None, is_demo: bool = False) -> Outlet:
    """Register a point of sale: a producer's own (producer given) or the office's (None).

    :raises OutletInvalid: with a message per field.
    """
    values = _checked(data, producer)
    outlet = Outlet(slug=_unique_slug(values["name"]), producer_id=producer.id if producer else None, is_demo=is_demo)
    _apply(outlet, values)
    db.session.add(outlet)
    db.session.flush()
    return outlet


def update_outlet(outlet: Outlet, data: OutletInput, *, producer: Producer | None) -> Outlet:
    """Change a point; a producer only its own (the office any; its products stay whatever it may list).

    :raises NotYourOutlet: a producer edits another's point or the office's.
    :raises OutletInvalid: with a message per field.
    """
    if producer is not None and outlet.producer_id != producer.id:
        raise NotYourOutlet()
    owner = outlet.producer if producer is None and outlet.producer_id else producer
    values = _checked(data, owner)
    _apply(outlet, values)
    db.session.flush()
    return outlet


def _apply(outlet: Outlet, values: dict) -> None:
    for name in ("name", "kind", "ward_code", "street", "latitude", "longitude", "opening_hours", "phone", "is_active"):
        setattr(outlet, name, values[name])
    outlet.products = values["products"]


def _public():
    return (
        select(Outlet)
        .outerjoin(Producer, Outlet.producer_id == Producer.id)
        .where(Outlet.is_active.is_(True))
        .where((Outlet.producer_id.is_(None)) | (Producer.status == ProducerStatus.APPROVED))
    )


def public_outlets(
    *, kind: OutletKind | None = None, ward_code: int | None = None, product: Product | None = None
) -> list[Outlet]:
    """Active points (of approved producers or the office), provincial centre first, then by ward and name;
    only those that stock `product` when it is given."""
    query = _public().options(selectinload(Outlet.products))
    if kind is not None:
        query = query.where(Outlet.kind == kind)
    if ward_code is not None:
        query = query.where(Outlet.ward_code == ward_code)
    if product is not None:
        stocking = select(outlet_products.c.outlet_id).where(outlet_products.c.product_id == product.id)
        query = query.where(Outlet.id.in_(stocking))
    items = db.session.scalars(query).all()
    return sorted(items, key=lambda o: (o.kind is not OutletKind.PROVINCIAL_CENTRE, ward_name(o.ward_code), o.name))


def visible_product(slug: str) -> Product | None:
    """The product a shopper filters the points by (?product=<slug>): on sale, not hidden, of an approved producer."""
    if not slug or len(slug) > 160:
        return None
    return db.session.scalar(
        select(Product)
        .join(Producer)
        .where(Product.slug == slug, Product.is_published.is_(True), Product.is_hidden.is_(False))
        .where(Producer.status == ProducerStatus.APPROVED)
    )


def public_outlet(slug: str) -> Outlet | None:
    return db.session.scalar(_public().where(Outlet.slug == slug).options(selectinload(Outlet.products)))


def outlets_stocking(product: Product) -> list[Outlet]:
    """Active public points that list this product ("Mua tại cửa hàng")."""
    query = _public().join(outlet_products, outlet_products.c.outlet_id == Outlet.id)
    items = db.session.scalars(query.where(outlet_products.c.product_id == product.id)).all()
    return sorted(items, key=lambda o: (o.kind is not OutletKind.PROVINCIAL_CENTRE, o.name))


def wards_with_outlets() -> list[tuple[int, str]]:
    """(ward code, name) of the wards that have an active public point, by name."""
    codes = set(db.session.scalars(_public().with_only_columns(Outlet.ward_code).distinct()))
    return sorted(((code, ward_name(code)) for code in codes), key=lambda item: vietnamese_order(item[1]))


def outlets_of(producer: Producer | None) -> list[Outlet]:
    """A producer's own points, or (None) every point for the office."""
    query = select(Outlet).options(selectinload(Outlet.producer))
    if producer is not None:
        query = query.where(Outlet.producer_id == producer.id)
    return db.session.scalars(query.order_by(Outlet.name)).all()


def search_outlets(query: str, *, kind_name, limit: int = 5) -> list[Outlet]:
    """Public points whose folded name, kind, address or stocked products hold every folded word of the query:
    "che tan cuong" finds the points that stock Chè Tân Cương. Matched in Python over the active points (a
    province has tens to a few hundred), in the list's order."""
    words = re.findall(r"[a-z0-9]+", fold(query or ""))[:8]
    if not words:
        return []
    found = []
    for outlet in public_outlets():
        text = fold(
            " ".join(
                (outlet.name, str(kind_name(outlet.kind)), outlet_address(outlet))
                + tuple(product.name_vi for product in outlet.products)
            )
        )
        if all(word in text for word in words):
            found.append(outlet)
    return found[:limit]


def outlet_address(outlet: Outlet) -> str:
    return format_address(outlet.street, outlet.ward_code, outlet.province_code)


def geojson(outlets, *, url_for_outlet, kind_name) -> dict:
    """Return a GeoJSON FeatureCollection (RFC 7946: [longitude, latitude]) of the points with coordinates."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": outlet.slug,
                "geometry": {"type": "Point", "coordinates": [outlet.longitude, outlet.latitude]},
                "properties": {
                    "name": outlet.name,
                    "kind": outlet.kind.value,
                    "kind_name": kind_name(outlet.kind),
                    "address": outlet_address(outlet),
                    "ward_code": outlet.ward_code,
                    "opening_hours": outlet.opening_hours,
                    "phone": outlet.phone,
                    "url": url_for_outlet(outlet),
                    "products": [product.slug for product in outlet.products],
                    "demo": outlet.is_demo,
                },
            }
            for outlet in outlets
            if outlet.has_position
        ],
    }
