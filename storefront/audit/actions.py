"""Every action the audit log records, with the label the office reads: log_action refuses any other
code, so an action added without a label fails the first test that takes it."""

from flask_babel import lazy_pgettext

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
        "producer.gs1_prefix": lazy_pgettext("audit action", "Ghi mã doanh nghiệp GS1"),
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
ACTION_LABELS = {code: label for group in ACTION_GROUPS.values() for code, label in group.items()}
