"""The audit log, filtered."""

from datetime import datetime

from flask import render_template, request
from flask_babel import lazy_pgettext

from storefront.audit import services as audit_log
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


#: The actions the log records (the codes passed to log_action), grouped by what they act on, as the
#: office reads them; each group's prefix ("producer.") picks all of its actions at once.
ACTION_GROUPS = {
    "producer.": {
        "producer.approve": lazy_pgettext("audit action", "Duyệt cơ sở"),
        "producer.reject": lazy_pgettext("audit action", "Từ chối cơ sở"),
        "producer.suspend": lazy_pgettext("audit action", "Tạm dừng cơ sở"),
        "producer.reinstate": lazy_pgettext("audit action", "Cho cơ sở hoạt động lại"),
        "producer.hide_story": lazy_pgettext("audit action", "Ẩn câu chuyện cơ sở"),
        "producer.unhide_story": lazy_pgettext("audit action", "Hiện lại câu chuyện cơ sở"),
    },
    "product.": {
        "product.hide": lazy_pgettext("audit action", "Ẩn sản phẩm"),
        "product.unhide": lazy_pgettext("audit action", "Hiện lại sản phẩm"),
    },
    "experience.": {"experience.cancel_bookings": lazy_pgettext("audit action", "Huỷ đặt chỗ tham quan")},
    "certificate.": {
        "certificate.record": lazy_pgettext("audit action", "Ghi chứng nhận"),
        "certificate.revoke": lazy_pgettext("audit action", "Thu hồi chứng nhận"),
    },
    "evaluation.": {
        "evaluation.open": lazy_pgettext("audit action", "Mở hồ sơ đánh giá"),
        "evaluation.certify": lazy_pgettext("audit action", "Công nhận từ hồ sơ đánh giá"),
    },
    "scoresheet.": {"scoresheet.submit": lazy_pgettext("audit action", "Nộp phiếu chấm điểm")},
    "report.": {
        "report.confirmed": lazy_pgettext("audit action", "Xác nhận báo cáo tem giả"),
        "report.dismissed": lazy_pgettext("audit action", "Bác báo cáo tem giả"),
    },
    "stamp.": {
        "stamp.clear_warning": lazy_pgettext("audit action", "Gỡ cảnh báo tem"),
        "stamp.mark_display": lazy_pgettext("audit action", "Đánh dấu tem trưng bày"),
        "stamp.unmark_display": lazy_pgettext("audit action", "Bỏ đánh dấu tem trưng bày"),
    },
    "order.": {
        "order.payment_received": lazy_pgettext("audit action", "Ghi nhận đã thanh toán"),
        "order.cancel": lazy_pgettext("audit action", "Huỷ đơn hàng"),
    },
    "payment.": {
        "payment.refund": lazy_pgettext("audit action", "Hoàn tiền"),
        "payment.refund_provider": lazy_pgettext("audit action", "Hoàn tiền qua cổng thanh toán"),
    },
    "review.": {
        "review.hide": lazy_pgettext("audit action", "Ẩn đánh giá"),
        "review.unhide": lazy_pgettext("audit action", "Hiện lại đánh giá"),
    },
    "article.": {
        "article.approve": lazy_pgettext("audit action", "Duyệt bài viết"),
        "article.reject": lazy_pgettext("audit action", "Từ chối bài viết"),
        "article.publish": lazy_pgettext("audit action", "Đăng bài viết"),
        "article.schedule": lazy_pgettext("audit action", "Hẹn giờ đăng bài viết"),
        "article.unpublish": lazy_pgettext("audit action", "Gỡ bài viết"),
    },
    "user.": {"user.create_office": lazy_pgettext("audit action", "Tạo tài khoản văn phòng")},
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
ACTION_LABELS = {code: label for group in ACTION_GROUPS.values() for code, label in group.items()}
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
