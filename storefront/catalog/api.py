"""Read-only JSON API for other marketplaces: products and producers, described by OpenAPI 3."""

from flask import abort, jsonify, request

from storefront.addresses import format_address, ward_name
from storefront.catalog import bp
from storefront.catalog.forms import MAX_PER_PAGE, parse_catalog_args
from storefront.catalog.groups import group_name
from storefront.catalog.indexing import listing_cache, search_index
from storefront.catalog.services import filter_choices, list_producers, list_products
from storefront.catalog.urls import public_url
from storefront.clock import today_vn

PER_PAGE = 24


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


@bp.route("/api/v1/products")
def api_products():
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
    args = parse_catalog_args(request.args, districts=filter_choices()["districts"], per_page=PER_PAGE)
    if args.page < 1:
        abort(404)
    listing = list_producers(args.filters, page=args.page, per_page=args.per_page)
    if args.page > max(listing.pages, 1):
        abort(404)
    return jsonify(_page_json(listing, [producer_json(p) for p in listing.items], args.ignored))


def _param(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


LIST_PARAMS = [
    _param("page", {"type": "integer", "minimum": 1}, "Page number; past the last page is a 404."),
    _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Items per page."),
    _param("ward", {"type": "integer"}, "Post-2025 ward/commune code (vietnam-provinces)."),
    _param("district", {"type": "string", "maxLength": 100}, "Pre-2025 district name, as listed by producers."),
]
PRODUCT_PARAMS = [
    _param("q", {"type": "string", "maxLength": 200}, "Search text; Vietnamese accents optional."),
    _param("group", {"type": "integer", "minimum": 1, "maximum": 6}, "OCOP group (Decision 148/QĐ-TTg)."),
    _param("stars", {"type": "integer", "minimum": 1, "maximum": 5}, "Minimum stars of a valid certificate."),
    _param("price_min", {"type": "integer", "minimum": 0}, "Lowest price in VND."),
    _param("price_max", {"type": "integer", "minimum": 0}, "Highest price in VND."),
    _param("in_stock", {"type": "string", "enum": ["0", "1"]}, "1: only products in stock."),
    _param("sort", {"type": "string", "enum": ["relevance", "newest", "price_asc", "price_desc", "stars"]}, "Order."),
]


def _list_schema(item_ref, **extra):
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages", "ignored_parameters"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
            "ignored_parameters": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Query parameters whose values were unusable and so ignored.",
            },
            **extra,
        },
    }


#: Counts of the matching products per OCOP group and per star level (keys are the numbers as
#: text); only a search (q) counts them, otherwise null.
FACETS_SCHEMA = {
    "type": "object",
    "nullable": True,
    "required": ["group", "stars"],
    "properties": {
        "group": {"type": "object", "additionalProperties": {"type": "integer"}},
        "stars": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}
#: The body of every error answer under /api/ (errors.render_error).
ERROR_RESPONSE = {
    "description": "Page past the end (or before the first)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {"error": {"type": "integer"}, "message": {"type": "string"}},
            }
        }
    },
}


OPENAPI = {
    "openapi": "3.0.3",
    "info": {
        "title": "OCOP Thái Nguyên catalogue API",
        "version": "1.0.0",
        "description": "Read-only list of the OCOP products and producers on sale. Prices in whole VND, incl. VAT.",
    },
    "paths": {
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
                    "404": ERROR_RESPONSE,
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
                    "404": ERROR_RESPONSE,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}}}
        },
    },
    "components": {
        "schemas": {
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
        }
    },
}


@bp.route("/api/v1/openapi.json")
def openapi():
    return jsonify(OPENAPI)
