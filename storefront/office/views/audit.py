"""The audit log, filtered."""

from datetime import datetime

from flask import render_template, request
from flask_babel import lazy_pgettext

from storefront.audit import services as audit_log
from storefront.audit.actions import ACTION_GROUPS, ACTION_LABELS
from storefront.office import (
    bp,
)
from storefront.request_input import request_page

AUDIT_FILTERS = ("action", "object_type", "actor")
#: What the log's object types (model class names) are called on the office's pages (a context of
#: their own: "Sản phẩm" is "Products" in the menu, "Product" before an id).
OBJECT_TYPES = {
    "Producer": lazy_pgettext("audit object", "Cơ sở sản xuất"),
    "Product": lazy_pgettext("audit object", "Sản phẩm"),
    "Certificate": lazy_pgettext("audit object", "Chứng nhận"),
    "Evaluation": lazy_pgettext("audit object", "Hồ sơ đánh giá"),
    "Scoresheet": lazy_pgettext("audit object", "Phiếu chấm điểm"),
    "CounterfeitReport": lazy_pgettext("audit object", "Báo cáo tem giả"),
    "Batch": lazy_pgettext("audit object", "Lô hàng"),
    "Stamp": lazy_pgettext("audit object", "Tem"),
    "Order": lazy_pgettext("audit object", "Đơn hàng"),
    "Payment": lazy_pgettext("audit object", "Thanh toán"),
    "Review": lazy_pgettext("audit object", "Đánh giá"),
    "Article": lazy_pgettext("audit object", "Bài viết"),
    "User": lazy_pgettext("audit object", "Tài khoản"),
}


#: What each group is called on the page: the object its actions change.
ACTION_GROUP_OBJECTS = {
    "producer.": OBJECT_TYPES["Producer"],
    "product.": OBJECT_TYPES["Product"],
    "experience.": lazy_pgettext("audit object", "Trải nghiệm tham quan"),
    "certificate.": OBJECT_TYPES["Certificate"],
    "evaluation.": OBJECT_TYPES["Evaluation"],
    "scoresheet.": OBJECT_TYPES["Scoresheet"],
    "report.": OBJECT_TYPES["CounterfeitReport"],
    "stamp.": OBJECT_TYPES["Stamp"],
    "order.": OBJECT_TYPES["Order"],
    "payment.": OBJECT_TYPES["Payment"],
    "review.": OBJECT_TYPES["Review"],
    "article.": OBJECT_TYPES["Article"],
    "user.": OBJECT_TYPES["User"],
}
ACTIONS = set(ACTION_LABELS) | set(ACTION_GROUPS)


@bp.app_template_filter("audit_object_type")
def audit_object_type(name: str) -> str:
    """An audit entry's object type as the office reads it (a type not listed: its class name)."""
    return OBJECT_TYPES.get(name, name)


@bp.app_template_filter("audit_action")
def audit_action(code: str) -> str:
    """An audit entry's action as the office reads it (an action not listed: its code)."""
    return ACTION_LABELS.get(code, code)


@bp.route("/audit")
def audit():
    args = {name: request.args.get(name, "").strip()[:100] for name in (*AUDIT_FILTERS, "from", "to")}
    if args["action"] not in ACTIONS:
        args["action"] = ""  # a code the pick list does not offer (typed into the address) filters nothing
    pagination = audit_log.entries_page(
        action=args["action"],
        object_type=args["object_type"],
        actor=args["actor"],
        since=_parse_day(args["from"]),
        until=_parse_day(args["to"]),
        page=request_page(),
        per_page=50,
    )
    return render_template(
        "office/audit.html",
        pagination=pagination,
        args=args,
        object_types=OBJECT_TYPES,
        action_groups=[(ACTION_GROUP_OBJECTS[prefix], prefix, group) for prefix, group in ACTION_GROUPS.items()],
    )


def _parse_day(text):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None
