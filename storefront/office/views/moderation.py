"""Moderation: products and stories hidden or shown, stamp copy warnings, counterfeit reports."""

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from storefront.audit.services import clear_copy_warning
from storefront.catalog.models import Product
from storefront.experiences import hosting
from storefront.extensions import db
from storefront.office import (
    bp,
    counterfeit,
    moderation,
)
from storefront.office.forms import (
    ConfirmForm,
    HideProductForm,
    ReportForm,
)
from storefront.office.views.common import (
    act,
    me,
)
from storefront.request_input import request_page
from traceability.models import Stamp


@bp.route("/products")
def products():
    pagination = moderation.products_page(request.args.get("q", "")[:100], page=request_page(), per_page=50)
    return render_template(
        "office/products.html",
        pagination=pagination,
        reason_form=HideProductForm(),
        confirm=ConfirmForm(),
        bookings_ahead=hosting.bookings_ahead([p.id for p in pagination.items]),
    )


@bp.post("/products/<int:product_id>/hide")
def product_hide(product_id):
    cancel_bookings = HideProductForm().cancel_bookings.data
    return act(
        Product,
        product_id,
        partial(moderation.hide_product, cancel_bookings=cancel_bookings),
        needs_reason=True,
        message=_("Đã ẩn sản phẩm."),
        back=lambda item: url_for("office.products"),
    )


@bp.post("/products/<int:product_id>/unhide")
def product_unhide(product_id):
    return act(
        Product,
        product_id,
        moderation.unhide_product,
        needs_reason=False,
        message=_("Sản phẩm hiển thị trở lại."),
        back=lambda item: url_for("office.products"),
    )


@bp.post("/stamps/<int:stamp_id>/clear-warning")
def stamp_clear_warning(stamp_id):
    return act(
        Stamp,
        stamp_id,
        clear_copy_warning,
        needs_reason=True,
        message=_("Đã gỡ cảnh báo sao chép của tem; lý do được ghi vào nhật ký."),
        back=lambda item: url_for("office.index"),
    )


@bp.route("/reports")
def reports():
    return render_template(
        "office/reports.html",
        reports=counterfeit.counterfeit_reports(),
        unknown_codes=counterfeit.unknown_codes(),
        form=ReportForm(),
    )


@bp.post("/reports/<int:report_id>")
def report_handle(report_id):
    report = counterfeit.find_counterfeit_report(report_id) or abort(404)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Cần chọn kết luận và ghi cách xử lý."), "error")
        return redirect(url_for("office.reports"))
    try:
        counterfeit.handle_counterfeit_report(
            report, status=form.status.data, resolution=form.resolution.data, actor=me()
        )
    except counterfeit.ReportAlreadyHandled:
        flash(_("Báo cáo này đã được xử lý."), "info")
        return redirect(url_for("office.reports"))
    db.session.commit()
    flash(_("Đã xử lý báo cáo."), "success")
    return redirect(url_for("office.reports"))
