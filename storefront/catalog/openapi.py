"""The OpenAPI 3 document of /api/v1, and the query check that makes it true.

Each package that serves /api/v1 routes adds its paths here (``add_paths``) when it is imported;
the document is then every /api/v1 route (tests/integration/test_catalog_feeds.py checks both
ways). The list operations' query parameters are checked against the very schemas the document
declares (``invalid_parameters``), so a value the document calls invalid is answered 400 and
every value it calls valid is served.
"""

from __future__ import annotations

import re

#: OpenAPI path -> operations; filled by add_paths.
PATHS: dict[str, dict] = {}
SCHEMAS: dict[str, dict] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "integer", "description": "The HTTP status code again."},
        "message": {"type": "string"},
    },
}
BAD_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "invalid_parameters"],
    "properties": {
        **ERROR_SCHEMA["properties"],
        "invalid_parameters": {
            "type": "array",
            "description": "Each query parameter whose value breaks its schema in this document, and why.",
            "items": {
                "type": "object",
                "required": ["name", "reason"],
                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
    },
}


def error_response(description: str) -> dict:
    """A declared 4xx answer: the JSON body every error under /api/ has (storefront.errors.render_error)."""
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def bad_request_response() -> dict:
    return {
        "description": "A query parameter's value breaks its schema (or is given twice); nothing is listed.",
        "content": {"application/json": {"schema": BAD_REQUEST_SCHEMA}},
    }


def query_param(name: str, schema: dict, description: str) -> dict:
    # allowEmptyValue: "?stars=" (as an HTML form sends it) is the same as leaving stars out.
    return {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "schema": schema,
        "description": description,
    }


_INTEGER = re.compile(r"-?[0-9]{1,30}")


def _reason(value: str, schema: dict) -> str | None:
    if schema["type"] == "integer":
        if not _INTEGER.fullmatch(value):
            return "not an integer"
        number = int(value)
        if "minimum" in schema and number < schema["minimum"]:
            return f"less than {schema['minimum']}"
        if "maximum" in schema and number > schema["maximum"]:
            return f"more than {schema['maximum']}"
        return None
    if "enum" in schema and value not in schema["enum"]:
        return "not one of " + ", ".join(schema["enum"])
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return f"longer than {schema['maxLength']} characters"
    return None


def invalid_parameters(args, parameters: list[dict]) -> list[dict]:
    """Return {name, reason} for each declared query parameter whose value its schema refuses.

    An empty value counts as absent; undeclared parameters are not looked at.
    """
    found = []
    for parameter in parameters:
        name = parameter["name"]
        values = args.getlist(name)
        if len(values) > 1:
            found.append({"name": name, "reason": "given more than once"})
        elif values and values[0] != "":
            reason = _reason(values[0], parameter["schema"])
            if reason:
                found.append({"name": name, "reason": reason})
    return found


def add_paths(paths: dict, schemas: dict | None = None) -> None:
    """Add operations (OpenAPI path -> operations) and component schemas to the document."""
    PATHS.update(paths)
    SCHEMAS.update(schemas or {})


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "OCOP Thái Nguyên catalogue and traceability API",
            "version": "1.1.0",
            "description": (
                "Read-only lists of the OCOP products and producers on sale (prices in whole VND, incl. VAT) "
                "and each published batch's trace events as GS1 EPCIS 2.0.\n\n"
                "Query parameters: a value that breaks the schema given here (not a number, out of range, "
                "not in the list, too long, given twice) is answered 400, naming each such parameter in "
                "`invalid_parameters`; an empty value is the same as none. A well-formed value that "
                "names nothing we have (a ward code that is no ward, a district no producer lists) is "
                "not applied and is named in the answer's `ignored_parameters`. Errors are JSON "
                "`{error, message}`."
            ),
        },
        "paths": dict(sorted(PATHS.items())),
        "components": {"schemas": dict(sorted(SCHEMAS.items()))},
    }
