"""Read-only JSON API for other marketplaces: products and producers, described by OpenAPI 3."""

from urllib.parse import parse_qsl

from flask import abort, jsonify, request
from werkzeug.datastructures import MultiDict

from storefront.addresses import format_address, ward_name
from storefront.catalog import bp
from storefront.catalog.forms import MAX_PER_PAGE, MAX_PRICE_VND, SORT_ALIASES, parse_catalog_args
from storefront.catalog.groups import GROUPS, group_name
from storefront.catalog.indexing import listing_cache, search_index
from storefront.catalog.openapi import (
    add_paths,
    bad_request_response,
    document,
    error_response,
    invalid_parameters,
    query_param,
)
from storefront.catalog.services import SORTS, filter_choices, list_producers, list_products
from storefront.catalog.urls import public_url
from storefront.clock import today_vn

PER_PAGE = 24
#: Longest search text the API takes. With DISTRICT_MAX_CHARS it bounds a schema-valid request
#: line (every character percent-encoded: 12 bytes for an astral one) well under gunicorn's
#: 4094-byte limit, so no valid request meets a 414.
QUERY_MAX_CHARS = 100
#: As long as Producer.legacy_district can be.
DISTRICT_MAX_CHARS = 80


def product_json(product, certificate) -> dict:
    stock = product.stock
    return {
        "id": product.id,
        "slug": product.slug,
        "name_vi": product.name_vi,
        "name_en": product.name_en,
        "ocop_group": product.ocop_group,
        "ocop_group_name": group_name(product.ocop_group),
        "price_vnd": product.price_vnd,
        "unit": product.unit,
        "net_quantity": product.net_quantity,
        "gtin": product.gtin,
        "in_stock": bool(stock and stock.available > 0),
        "url": public_url("catalog.product", slug=product.slug),
        "image_url": public_url("catalog.image", filename=product.images[0].filename, size="large", fmt="jpg")
        if product.images
        else None,
        "producer": {"slug": product.producer.slug, "name": product.producer.name},
        "certificate": certificate_json(certificate) if certificate else None,
    }


def certificate_json(certificate) -> dict:
    return {
        "stars": certificate.stars,
        "issuing_body": certificate.issuing_body,
        "issuing_level": certificate.issuing_level.value,
        "decision_number": certificate.decision_number,
        "decision_date": certificate.decision_date.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "decision_day_known": certificate.decision_day_known,
    }


def producer_json(producer) -> dict:
    return {
        "id": producer.id,
        "slug": producer.slug,
        "name": producer.name,
        "legal_type": producer.legal_type.value,
        "ward_code": producer.ward_code,
        "ward_name": ward_name(producer.ward_code),
        "address": format_address(producer.street, producer.ward_code, producer.province_code),
        "legacy_address": producer.legacy_address,
        "legacy_district": producer.legacy_district,
        "url": public_url("catalog.producer", slug=producer.slug),
    }


def _page_json(listing, items, ignored) -> dict:
    return {
        "items": items,
        "page": listing.page,
        "per_page": listing.per_page,
        "total": listing.total,
        "pages": listing.pages,
        "ignored_parameters": ignored,
    }


def _refusal(parameters):
    """A 400 naming each query value this document's schemas refuse, or None when there is none.

    The values are judged as sent: request.args has already lost control characters
    (storefront/request_input.py), which could shorten a too-long value into a valid one.
    """
    sent = MultiDict(parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True))
    invalid = invalid_parameters(sent, parameters)
    if not invalid:
        return None
    names = ", ".join(item["name"] for item in invalid)
    return jsonify(error=400, message=f"Invalid query parameters: {names}", invalid_parameters=invalid), 400


@bp.route("/api/v1/products")
def api_products():
    if refusal := _refusal(LIST_PARAMS + PRODUCT_PARAMS):
        return refusal
    args = parse_catalog_args(request.args, districts=filter_choices()["districts"], per_page=PER_PAGE)
    if args.page < 1:
        abort(404)
    listing = list_products(
        args.filters, page=args.page, per_page=args.per_page, idx=search_index(), day=today_vn(), cache=listing_cache()
    )
    if args.page > max(listing.pages, 1):
        abort(404)
    body = _page_json(listing, [product_json(p, listing.badges[p.id]) for p in listing.items], args.ignored)
    body["facets"] = listing.facets
    return jsonify(body)


@bp.route("/api/v1/producers")
def api_producers():
    if refusal := _refusal(LIST_PARAMS):
        return refusal
    args = parse_catalog_args(request.args, districts=filter_choices()["districts"], per_page=PER_PAGE)
    if args.page < 1:
        abort(404)
    listing = list_producers(args.filters, page=args.page, per_page=args.per_page)
    if args.page > max(listing.pages, 1):
        abort(404)
    return jsonify(_page_json(listing, [producer_json(p) for p in listing.items], args.ignored))


LIST_PARAMS = [
    query_param(
        "page", {"type": "integer", "minimum": 1, "maximum": 1_000_000_000}, "Page number; past the last page is a 404."
    ),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Items per page (default 24)."),
    query_param(
        "ward",
        {"type": "integer", "minimum": 1, "maximum": 99_999},
        "Post-2025 ward/commune code (vietnam-provinces). A code that is no ward is not applied and is "
        "named in `ignored_parameters`.",
    ),
    query_param(
        "district",
        {"type": "string", "maxLength": DISTRICT_MAX_CHARS},
        "Pre-2025 district name, exactly as producers list it. A name no approved producer lists is not "
        "applied and is named in `ignored_parameters`.",
    ),
]
PRODUCT_PARAMS = [
    query_param("q", {"type": "string", "maxLength": QUERY_MAX_CHARS}, "Search text; Vietnamese accents optional."),
    query_param(
        "group", {"type": "integer", "minimum": 1, "maximum": max(GROUPS)}, "OCOP group (Decision 148/QĐ-TTg)."
    ),
    query_param("stars", {"type": "integer", "minimum": 1, "maximum": 5}, "Minimum stars of a valid certificate."),
    query_param("price_min", {"type": "integer", "minimum": 0, "maximum": MAX_PRICE_VND}, "Lowest price in VND."),
    query_param("price_max", {"type": "integer", "minimum": 0, "maximum": MAX_PRICE_VND}, "Highest price in VND."),
    query_param("in_stock", {"type": "string", "enum": ["0", "1"]}, "1: only products in stock."),
    query_param(
        "sort",
        {"type": "string", "enum": [*SORTS, *SORT_ALIASES]},
        "Order (default: relevance with q, else stars). "
        + ", ".join(f"`{alias}` means `{name}`" for alias, name in SORT_ALIASES.items())
        + ".",
    ),
]


def _list_schema(item_ref, **extra):
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "ignored_parameters", *extra],
        "properties": {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer", "description": "Matching items on all pages."},
            "pages": {"type": "integer"},
            "ignored_parameters": {
                "type": "array",
                "items": {"type": "string"},
                "description": (
                    "Names of the query parameters whose values were well-formed but name nothing we "
                    "have (`ward`: no such ward; `district`: no approved producer lists it), and so "
                    "were not applied: the list is as if they were left out. Values that break a "
                    "parameter's schema are answered 400 instead."
                ),
            },
            **extra,
        },
    }


FACETS_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": (
        "With a search (q): how many matching products (on all pages) are in each OCOP group and "
        "at each star level, keyed by the number as text "
        '(`{"group": {"1": 12}, "stars": {"4": 3}}`), for refining the search. Without q: null.'
    ),
    "required": ["group", "stars"],
    "properties": {
        "group": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        "stars": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    },
}
NOT_FOUND_PAGE = error_response("Page past the last one (or before the first)")


add_paths(
    {
        "/api/v1/products": {
            "get": {
                "summary": "List visible products",
                "parameters": LIST_PARAMS + PRODUCT_PARAMS,
                "responses": {
                    "200": {
                        "description": "One page of products",
                        "content": {
                            "application/json": {
                                "schema": _list_schema("#/components/schemas/Product", facets=FACETS_SCHEMA)
                            }
                        },
                    },
                    "400": bad_request_response(),
                    "404": NOT_FOUND_PAGE,
                },
            }
        },
        "/api/v1/producers": {
            "get": {
                "summary": "List approved producers",
                "parameters": LIST_PARAMS,
                "responses": {
                    "200": {
                        "description": "One page of producers",
                        "content": {"application/json": {"schema": _list_schema("#/components/schemas/Producer")}},
                    },
                    "400": bad_request_response(),
                    "404": NOT_FOUND_PAGE,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3 document",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    schemas={
        "Certificate": {
            "type": "object",
            "properties": {
                "stars": {"type": "integer"},
                "issuing_body": {"type": "string"},
                "issuing_level": {"type": "string"},
                "decision_number": {"type": "string"},
                "decision_date": {"type": "string", "format": "date"},
                "valid_until": {"type": "string", "format": "date"},
                "decision_day_known": {
                    "type": "boolean",
                    "description": "false when the sources give only the year of recognition: decision_date "
                    "is then 1 January of that year, decision_number is empty, and valid_until is the "
                    "earliest day the 36-month validity can end",
                },
            },
        },
        "Product": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "slug": {"type": "string"},
                "name_vi": {"type": "string"},
                "name_en": {"type": "string"},
                "ocop_group": {"type": "integer"},
                "ocop_group_name": {"type": "string"},
                "price_vnd": {"type": "integer"},
                "unit": {"type": "string"},
                "net_quantity": {"type": "string"},
                "gtin": {"type": "string", "nullable": True},
                "in_stock": {"type": "boolean"},
                "url": {"type": "string", "format": "uri"},
                "image_url": {"type": "string", "nullable": True},
                "producer": {
                    "type": "object",
                    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
                },
                "certificate": {
                    "allOf": [{"$ref": "#/components/schemas/Certificate"}],
                    "nullable": True,
                    "description": "Present only while a 3–5★ certificate is valid and not revoked.",
                },
            },
        },
        "Producer": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "legal_type": {"type": "string"},
                "ward_code": {"type": "integer", "nullable": True},
                "ward_name": {"type": "string"},
                "address": {"type": "string"},
                "legacy_address": {"type": "string"},
                "legacy_district": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
            },
        },
    },
)


@bp.route("/api/v1/openapi.json")
def openapi():
    return jsonify(document())
