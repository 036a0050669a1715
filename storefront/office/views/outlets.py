"""Points of sale the office registers (the provincial centre among them) and edits (any point)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from storefront.extensions import db
from storefront.office import bp
from storefront.office.views.common import apply_errors
from storefront.outlets import services as outlets
from storefront.outlets.forms import OutletForm
from storefront.outlets.models import Outlet


@bp.route("/outlets")
def outlets_index():
    return render_template("office/outlets.html", outlets=outlets.outlets_of(None))


@bp.route("/outlets/new", methods=["GET", "POST"])
def outlet_new():
    form = OutletForm().setup(outlets.stockable_products(None), office=True)
    if form.validate_on_submit():
        try:
            outlets.create_outlet(form.to_input(), producer=None)
        except outlets.OutletInvalid as error:
            db.session.rollback()
            apply_errors(form, {name: str(message) for name, message in error.errors.items()})
        else:
            db.session.commit()
            flash(_("Đã đăng ký điểm bán."), "success")
            return redirect(url_for("office.outlets_index"))
    return render_template("office/outlet_form.html", form=form, outlet=None)


@bp.route("/outlets/<int:outlet_id>/edit", methods=["GET", "POST"])
def outlet_edit(outlet_id):
    outlet = db.get_or_404(Outlet, outlet_id)
    # A producer's point keeps to that producer's products, even when the office edits it.
    form = OutletForm(obj=outlet).setup(outlets.stockable_products(outlet.producer), office=outlet.producer is None)
    if not form.is_submitted():
        form.fill_from(outlet)
    if form.validate_on_submit():
        try:
            outlets.update_outlet(outlet, form.to_input(), producer=None)
        except outlets.OutletInvalid as error:
            db.session.rollback()
            apply_errors(form, {name: str(message) for name, message in error.errors.items()})
        else:
            db.session.commit()
            flash(_("Đã lưu điểm bán."), "success")
            return redirect(url_for("office.outlets_index"))
    return render_template("office/outlet_form.html", form=form, outlet=outlet)
