"""The producer's own points of sale: list, register, edit (never another producer's)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from storefront.accounts.decorators import producer_required
from storefront.extensions import db
from storefront.outlets import services as outlets
from storefront.outlets.forms import OutletForm
from storefront.outlets.models import Outlet
from storefront.producer import bp
from storefront.producer.views.common import current_producer, form_errors_from


def get_own_outlet_or_404(outlet_id: int) -> Outlet:
    outlet = db.get_or_404(Outlet, outlet_id)
    if outlet.producer_id != current_producer().id:
        abort(404)  # another producer's (or the office's) point, as for products
    return outlet


@bp.route("/outlets")
@producer_required
def outlets_index():
    return render_template("producer/outlets.html", outlets=outlets.outlets_of(current_producer()))


@bp.route("/outlets/new", methods=["GET", "POST"])
@producer_required
def outlet_new():
    producer = current_producer()
    form = OutletForm().setup(outlets.stockable_products(producer), office=False)
    if form.validate_on_submit():
        try:
            outlets.create_outlet(form.to_input(), producer=producer)
        except outlets.OutletInvalid as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            db.session.commit()
            flash(_("Đã đăng ký điểm bán."), "success")
            return redirect(url_for("producer.outlets_index"))
    return render_template("producer/outlet_form.html", form=form, outlet=None)


@bp.route("/outlets/<int:outlet_id>/edit", methods=["GET", "POST"])
@producer_required
def outlet_edit(outlet_id):
    outlet = get_own_outlet_or_404(outlet_id)
    producer = current_producer()
    form = OutletForm(obj=outlet).setup(outlets.stockable_products(producer), office=False)
    if not form.is_submitted():
        form.fill_from(outlet)
    if form.validate_on_submit():
        try:
            outlets.update_outlet(outlet, form.to_input(), producer=producer)
        except outlets.OutletInvalid as error:
            db.session.rollback()
            form_errors_from(form, error)
        else:
            db.session.commit()
            flash(_("Đã lưu điểm bán."), "success")
            return redirect(url_for("producer.outlets_index"))
    return render_template("producer/outlet_form.html", form=form, outlet=outlet)
