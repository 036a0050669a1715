"""Public pages of the points of sale: the list by ward and kind, one point, GeoJSON; the product page's part."""

import re

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from storefront import site_search
from storefront.addresses import PROVINCE_BOUNDS, ward_name
from storefront.outlets import bp, services
from storefront.outlets.forms import KIND_NAMES, kind_name
from storefront.outlets.jsonld import outlet_jsonld
from storefront.outlets.models import OutletKind
from storefront.security_headers import PERMISSIONS_POLICY

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,159}$")


@bp.app_template_global()
def product_outlets(product) -> list:
    """The public points that stock a product, for its page's "Mua tại cửa hàng"."""
    return services.outlets_stocking(product)


bp.record_once(
    lambda state: site_search.register(
        state.app,
        key="outlets",
        title=_l("Điểm bán"),
        template="outlets/_search.html",
        find=lambda query: services.search_outlets(query, kind_name=kind_name, limit=5),
    )
)

bp.add_app_template_global(kind_name, "outlet_kind_name")
bp.add_app_template_global(services.outlet_address)
bp.add_app_template_global(services.display_any_phone, "outlet_phone")


def _filters() -> tuple[OutletKind | None, int | None, object]:
    """Read ?kind=, ?ward= and ?product=; a value that names nothing is left out (the list then shows all)."""
    try:
        kind = OutletKind(request.args.get("kind", ""))
    except ValueError:
        kind = None
    raw = request.args.get("ward", "")
    ward = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None
    return kind, ward, services.visible_product(request.args.get("product", ""))


#: The map's default view and limit: the province (south, west, north, east).
MAP_BOUNDS = "{},{},{},{}".format(
    PROVINCE_BOUNDS["lat"][0], PROVINCE_BOUNDS["lon"][0], PROVINCE_BOUNDS["lat"][1], PROVINCE_BOUNDS["lon"][1]
)
#: The list page may ask for the visitor's position ("Tìm điểm gần tôi"); every other page keeps it off.
LIST_PERMISSIONS = PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")


@bp.route("/points-of-sale")
def index():
    kind, ward, product = _filters()
    outlets = services.public_outlets(kind=kind, ward_code=ward, product=product)
    filtered = bool(kind or ward or product)
    by_ward: dict[str, list] = {}
    for outlet in outlets:
        if outlet.kind is OutletKind.PROVINCIAL_CENTRE and not filtered:
            continue  # shown first, on its own
        by_ward.setdefault(ward_name(outlet.ward_code), []).append(outlet)
    centres = [o for o in outlets if o.kind is OutletKind.PROVINCIAL_CENTRE] if not filtered else []
    page = render_template(
        "outlets/index.html",
        centres=centres,
        by_ward=sorted(by_ward.items()),
        total=len(outlets),
        kind=kind,
        ward=ward,
        product=product,
        kinds=KIND_NAMES,
        wards=services.wards_with_outlets(),
        map_bounds=MAP_BOUNDS,
        geojson_url=url_for(
            "outlets.geojson",
            kind=kind.value if kind else None,
            ward=ward,
            product=product.slug if product else None,
        ),
    )
    return page, {"Permissions-Policy": LIST_PERMISSIONS}


@bp.route("/points-of-sale/<slug>")
def outlet(slug):
    item = services.public_outlet(slug) if SLUG_RE.match(slug) else None
    if item is None:
        abort(404)
    products = [p for p in item.products if p.is_published and not p.is_hidden and p.producer.is_approved]
    return render_template("outlets/outlet.html", outlet=item, products=products, jsonld=outlet_jsonld(item))


@bp.route("/points-of-sale.geojson")
def geojson():
    kind, ward, product = _filters()
    data = services.geojson(
        services.public_outlets(kind=kind, ward_code=ward, product=product),
        url_for_outlet=lambda o: url_for("outlets.outlet", slug=o.slug, _external=True),
        kind_name=lambda k: str(kind_name(k)),
    )
    response = jsonify(data)
    response.mimetype = "application/geo+json"
    return response
