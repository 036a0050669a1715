"""What a batch's origin page shows, and what makes a worker's cached copy stale: the one place to
change when the page shows a new field.

- A new column of a batch, product, producer, image, certificate or trace event: show it in
  templates/traceability/_origin_*.html (the context is `build`'s), and in `jsonld` if search
  engines should read it. Nothing else: those models are in WATCHED, so a commit that changes
  one moves origin_versions on and every worker builds the description again at its next scan.
- A field of another model (a new relationship): load it in `load` and add the model to WATCHED
  (tests/unit/test_origin_description.py checks that every model `load` reads is watched).

What must never be stale (recall, the producer's standing, counters, PIN state) is not here: the
scan's look-up reads it live (facts.find_origin).
"""

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from storefront.addresses import format_address
from storefront.catalog.groups import group_name
from storefront.catalog.jsonld import certification_jsonld
from storefront.catalog.models import Certificate, Producer, Product, ProductImage
from storefront.catalog.services import valid_certificate
from storefront.catalog.urls import public_url
from storefront.extensions import db
from traceability.batches.services import is_expired
from traceability.models import Batch, TraceEvent
from traceability.stamps.urls import origin_url

#: The models whose rows the description is built from: a committed change to one moves
#: origin_versions on (cache.py), so every worker rebuilds it at its next scan.
WATCHED = (Batch, TraceEvent, Product, ProductImage, Certificate, Producer)
#: How the batch and what the page shows of it are loaded: one joined query plus small ones.
LOADS = (
    joinedload(Batch.product).joinedload(Product.producer),
    joinedload(Batch.product).selectinload(Product.images),
    joinedload(Batch.product).selectinload(Product.certificates),
    selectinload(Batch.events),
)

#: How the origin page names each stage (Circular 02/2024: harvest, processing, packing, test, shipping).
#: Every step a batch's events can hold (the producer's form, the demo data) has a name here.
STAGE_LABELS = {
    "growing": _l("Canh tác"),
    "harvesting": _l("Thu hoạch"),
    "receiving": _l("Nhận nguyên liệu"),
    "commissioning": _l("Chế biến"),
    "transforming": _l("Chế biến"),
    "packing": _l("Đóng gói"),
    "inspecting": _l("Kiểm nghiệm chất lượng"),
    "storing": _l("Lưu kho"),
    "shipping": _l("Vận chuyển"),
}


def load(batch_id: int) -> Batch:
    """Load a batch with everything its origin page shows."""
    return db.session.scalars(select(Batch).where(Batch.id == batch_id).options(*LOADS)).one()


def build(batch: Batch, in_programme: bool, today, locale: str) -> dict:
    """The rendered parts of the page that change only when WATCHED rows do (the cached view)."""
    product, producer = batch.product, batch.product.producer
    context = {
        "batch": batch,
        "product": product,
        "producer": producer,
        "in_programme": in_programme,
        # No OCOP mark for a producer out of the programme: the stars were awarded to it.
        "certificate": valid_certificate(product, today) if in_programme else None,
        "producer_address": format_address(producer.street, producer.ward_code, producer.province_code)
        or producer.legacy_address,
        "events": batch.events,
        "stage_labels": STAGE_LABELS,
        "is_expired": is_expired(batch, today),
    }
    name = product.name_en if locale == "en" and product.name_en else product.name_vi
    structured = jsonld(batch, name, context["certificate"], context["producer_address"], in_programme)
    return {
        "head": Markup(
            render_template(
                "traceability/_head.html", name=name, jsonld=structured, canonical_url=structured["url"], **context
            )
        ),
        "top": Markup(render_template("traceability/_origin_top.html", **context)),
        "details": Markup(render_template("traceability/_origin_details.html", **context)),
        "shop_url": url_for("catalog.product", slug=product.slug) if product.is_published else None,
        "header": Markup(render_template("traceability/_header.html")),
        "footer": Markup(render_template("traceability/_footer.html")),
        "variants": {},  # pages rendered from this view with stand-ins (origin_html)
    }


def jsonld(batch: Batch, name: str, certificate, producer_address: str, in_programme: bool) -> dict:
    """schema.org Product for the lot: who made it and where, its dates, the OCOP certificate while valid."""
    product, producer = batch.product, batch.product.producer
    url = origin_url(batch)
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url,
        "name": name,
        "url": url,
        "category": group_name(product.ocop_group),
        "brand": {"@type": "Brand", "name": producer.name},
        "manufacturer": {
            "@type": "Organization",
            "name": producer.name,
            "address": {"@type": "PostalAddress", "streetAddress": producer_address, "addressCountry": "VN"},
        },
    }
    if product.gtin:
        data["gtin14"] = product.gtin
    if batch.production_date or batch.packing_date:
        data["productionDate"] = (batch.production_date or batch.packing_date).isoformat()
    if product.images:
        data["image"] = [
            public_url("catalog.image", filename=img.filename, size="large", fmt="jpg") for img in product.images
        ]
    if product.is_published and in_programme:  # the shop's page, as the "buy online" link
        data["isRelatedTo"] = {"@type": "Product", "url": public_url("catalog.product", slug=product.slug)}
    if certificate:
        data["hasCertification"] = certification_jsonld(certificate)
    return data
