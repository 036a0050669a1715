"""The audit log, filtered."""

from datetime import datetime

from flask import render_template, request

from storefront.audit import services as audit_log
from storefront.office import (
    bp,
)
from storefront.request_input import request_page

AUDIT_FILTERS = ("action", "object_type", "actor")


@bp.route("/audit")
def audit():
    args = {name: request.args.get(name, "").strip()[:100] for name in (*AUDIT_FILTERS, "from", "to")}
    pagination = audit_log.entries_page(
        action=args["action"],
        object_type=args["object_type"],
        actor=args["actor"],
        since=_parse_day(args["from"]),
        until=_parse_day(args["to"]),
        page=request_page(),
        per_page=50,
    )
    return render_template("office/audit.html", pagination=pagination, args=args)


def _parse_day(text):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None
