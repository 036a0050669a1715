"""The checkout steps: contact and address, delivery and payment options, review, placing the order."""

import secrets

from flask import current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from storefront.addresses import format_address, wards
from storefront.cart.services import summarize
from storefront.cart.storage import clear_contents, load_contents
from storefront.checkout import bp, extras, providers
from storefront.checkout.errors import (
    AmountOutsideLimits,
    BadAddress,
    CardRetryClosed,
    CartNotReady,
    OrderTooLarge,
    PriceChanged,
    UnknownMethod,
)
from storefront.checkout.forms import EMAIL_FOR_VOUCHER, BookingContactForm, ContactForm, OptionsForm, PlaceOrderForm
from storefront.checkout.models import PaymentMethod
from storefront.checkout.payments.attempts import payment_attempt
from storefront.checkout.placing import (
    CheckoutDetails,
    order_by_idempotency_key,
    place_order,
    unavailable_product_names,
)
from storefront.checkout.quotes import DELIVERY_METHODS, quote
from storefront.checkout.views.common import (
    STATE_KEY,
    allow_order,
    awaits_redirect,
    payment_window_closed,
    provider_of,
    start_payment,
    total_error,
)
from storefront.extensions import db, limiter
from storefront.filters import vnd
from storefront.inventory.services import InsufficientStock
from storefront.text import display_phone


def _state() -> dict:
    return session.get(STATE_KEY, {})


def _cart_or_redirect():
    """Return the cart summary when it can be checked out, else a redirect to the cart.

    A cart of visits only (held experience bookings, storefront/checkout/extras.py) checks out too.
    """
    summary = summarize(load_contents())
    if not (summary.can_check_out or (extras.current_lines() and not summary.items)):
        flash(_("Giỏ hàng trống hoặc có sản phẩm cần sửa trước khi đặt hàng."), "warning")
        return None, redirect(url_for("cart.view"))
    return summary, None


@bp.route("/checkout", methods=["GET", "POST"])
def start():
    summary, bounce = _cart_or_redirect()
    if bounce:
        return bounce
    state = _state()
    if not summary.items:  # visits only: nothing is shipped, so no address (storefront/checkout/extras.py)
        form = BookingContactForm(data=state or _booker_defaults())
        if form.validate_on_submit():
            session[STATE_KEY] = _without_address(state) | {f: getattr(form, f).data for f in BOOKING_FIELDS}
            return redirect(url_for("checkout.options"))
        return render_template("checkout/start.html", form=form, summary=summary)
    form = ContactForm(data=state or _account_defaults())
    form.fill_choices(form.province_code.data)
    if request.method == "POST" and "choose_province" in request.form:
        form.ward_code.errors = []  # no-JS path: the province changed, show its wards
    elif form.validate_on_submit():
        if not any(code == form.ward_code.data for code, _name in wards(form.province_code.data)):
            form.ward_code.errors.append(_("Phường / xã không thuộc tỉnh đã chọn."))
        elif extras.current_lines() and not form.email.data:  # goods and a visit: the voucher goes by mail
            form.email.errors.append(str(EMAIL_FOR_VOUCHER))
        else:
            session[STATE_KEY] = {**state, **{f: getattr(form, f).data for f in BOOKING_FIELDS + ADDRESS_FIELDS}}
            return redirect(url_for("checkout.options"))
    return render_template("checkout/start.html", form=form, summary=summary)


BOOKING_FIELDS = ("contact_name", "phone", "email")
ADDRESS_FIELDS = ("province_code", "ward_code", "street")


def _without_address(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in ADDRESS_FIELDS + ("delivery_method",)}


def _contact_done(has_goods: bool) -> bool:
    """The contact step holds what this cart needs: an address when it has goods, a name for visits only."""
    state = _state()
    return bool(state.get("ward_code") if has_goods else state.get("contact_name"))


def _email_missing(has_visits: bool) -> bool:
    """A visit's voucher is mailed, so a cart with visits needs an e-mail (the contact step may have been
    done for goods alone, where it is optional, and the goods removed since): say so."""
    if has_visits and not _state().get("email"):
        flash(str(EMAIL_FOR_VOUCHER), "warning")
        return True
    return False


def _booker_defaults() -> dict:
    """What the guest typed on the booking page (the phone as they would type it), else the account's."""
    contact = next((line.contact for line in extras.current_lines() if line.contact), None)
    if contact is None:
        return _account_defaults()
    return {**contact, "phone": display_phone(contact["phone"])}


def _account_defaults() -> dict:
    if not current_user.is_authenticated:
        return {}
    return {"contact_name": current_user.full_name, "email": current_user.email, "phone": current_user.phone or ""}


@bp.route("/checkout/wards")
def ward_options():
    """Return the wards of a province as JSON for the province → ward select."""
    province = request.args.get("province", type=int)
    return jsonify([{"code": code, "name": name} for code, name in wards(province or 0)])


@bp.route("/checkout/options", methods=["GET", "POST"])
def options():
    summary, bounce = _cart_or_redirect()
    if bounce or not _contact_done(bool(summary.items)):
        return bounce or redirect(url_for("checkout.start"))
    if _email_missing(bool(extras.current_lines())):
        return redirect(url_for("checkout.start"))
    state = _state()
    methods = providers.available(current_app.config)
    form = OptionsForm(data={"delivery_method": "standard", "payment_method": "cod", **state})
    if summary.items:
        form.delivery_method.choices = [(code, str(label)) for code, label in DELIVERY_METHODS.items()]
    else:  # visits only: no shipping step
        del form.delivery_method
    visits = extras.current_lines()
    if visits:  # a visit is paid now; cash on delivery is for parcels
        methods = {code: option for code, option in methods.items() if code != PaymentMethod.COD}
        form.payment_method.data = form.payment_method.data if form.payment_method.data in methods else None
    form.payment_method.choices = [(code, str(option.label)) for code, option in methods.items()]
    priced = quote(load_contents(), state.get("province_code"), visits, cart=summary)
    if form.validate_on_submit():
        error = total_error(priced.total_vnd, form.payment_method.data)
        chosen = methods[form.payment_method.data]
        if chosen.email_required and not state.get("email"):
            form.payment_method.errors.append(str(chosen.email_required))
        elif error:
            form.payment_method.errors.append(error)
        else:
            session[STATE_KEY] = {
                **state,
                **({"delivery_method": form.delivery_method.data} if summary.items else {}),
                "payment_method": form.payment_method.data,
                "note": form.note.data or "",
            }
            return redirect(url_for("checkout.review"))
    return render_template(
        "checkout/options.html",
        form=form,
        methods=methods,
        priced=priced,
        limit_errors={code: total_error(priced.total_vnd, code) for code in methods},
    )


def _details(has_goods: bool, has_visits: bool) -> CheckoutDetails | None:
    state = _state()
    if not state.get("payment_method") or state["payment_method"] not in providers.available(current_app.config):
        return None
    if has_visits and state["payment_method"] == PaymentMethod.COD:  # a visit added after COD was chosen
        return None
    if not _contact_done(has_goods):  # goods added after a visits-only contact step: ask the address
        return None
    typed = {k: state[k] for k in CheckoutDetails.__dataclass_fields__ if k in state}
    return CheckoutDetails(**{**typed, "language": str(get_locale())})


@bp.route("/checkout/review")
def review():
    summary, bounce = _cart_or_redirect()
    if bounce:
        return bounce
    visits = extras.current_lines()
    if _email_missing(bool(visits)):
        return redirect(url_for("checkout.start"))
    details = _details(bool(summary.items), bool(visits))
    if details is None:
        return redirect(url_for("checkout.options"))
    priced = quote(load_contents(), details.province_code, visits, cart=summary)
    form = PlaceOrderForm(data={"idempotency_key": secrets.token_urlsafe(24), "reviewed_total_vnd": priced.total_vnd})
    return render_template(
        "checkout/review.html",
        form=form,
        details=details,
        priced=priced,
        total_error=total_error(priced.total_vnd, details.payment_method),
        address=format_address(details.street, details.ward_code, details.province_code),
        delivery_label=DELIVERY_METHODS.get(details.delivery_method),
        payment=providers.get(details.payment_method),
    )


def _checkout_limit():
    return current_app.config["RATELIMIT_CHECKOUT"]


@bp.route("/checkout/place", methods=["POST"])
@limiter.limit(_checkout_limit)
def place():
    form = PlaceOrderForm()
    done = order_by_idempotency_key(form.idempotency_key.data or "")
    if done is not None:  # the same review form submitted again: show the order it made
        allow_order(done)
        return redirect(url_for("checkout.order", code=done.code))
    visits = extras.current_lines()
    if _email_missing(bool(visits)):
        return redirect(url_for("checkout.start"))
    details = _details(bool(load_contents()), bool(visits))
    if not form.validate_on_submit() or details is None:
        flash(_("Phiên đặt hàng đã hết hạn, vui lòng xem lại đơn hàng."), "warning")
        return redirect(url_for("checkout.review"))
    user = current_user if current_user.is_authenticated else None
    try:
        order = place_order(
            load_contents(),
            details,
            user=user,
            idempotency_key=form.idempotency_key.data,
            reviewed_total_vnd=form.reviewed_total_vnd.data,
            extras=visits,
            key_checked=True,
        )
        clear_contents()
        # Read before the commit expires the order: a COD order's redirect then needs no reload.
        code, redirects = order.code, awaits_redirect(order)
        attempt = payment_attempt(order, provider_of(order)) if redirects else None
        # The one commit of an order: the order, its stock hold, the emptied cart (and, for a
        # gateway order, the payment attempt) stand or fall together.
        db.session.commit()
    except PriceChanged as error:
        db.session.rollback()
        flash(
            _(
                "Giá hoặc phí giao hàng đã thay đổi: tổng tiền bây giờ là %(now)s (bạn đã xem %(seen)s). "
                "Vui lòng xem lại trước khi đặt hàng.",
                now=vnd(error.total_vnd),
                seen=vnd(error.reviewed_vnd),
            ),
            "warning",
        )
        return redirect(url_for("checkout.review"))
    except (OrderTooLarge, AmountOutsideLimits) as error:
        db.session.rollback()
        flash(total_error(error.args[0], details.payment_method) or "", "error")
        return redirect(url_for("checkout.review"))
    except UnknownMethod:  # its argument is the method, not a total; e.g. a visit joined a COD cart meanwhile
        db.session.rollback()
        flash(_("Phương thức thanh toán này không còn được hỗ trợ."), "error")
        return redirect(url_for("checkout.options"))
    except InsufficientStock as error:
        db.session.rollback()
        flash(_insufficient_message(error), "error")
        return redirect(url_for("cart.view"))
    except (CartNotReady, BadAddress):
        db.session.rollback()
        flash(_("Giỏ hàng hoặc địa chỉ đã thay đổi, vui lòng kiểm tra lại."), "warning")
        return redirect(url_for("cart.view"))
    except IntegrityError:  # the same form submitted twice at once: the other request won (and emptied the cart)
        db.session.rollback()
        order = order_by_idempotency_key(form.idempotency_key.data)
        if order is None:
            raise
        code, redirects, attempt = order.code, awaits_redirect(order), None
    except CardRetryClosed:  # only an order placed before (a resubmitted form) can have a lapsed hold
        db.session.rollback()
        return payment_window_closed(order)
    allow_order(code)
    session.pop(STATE_KEY, None)
    if attempt:
        return start_payment(order, attempt)
    if redirects:  # the concurrent request that won opens the gateway; pay from the order page
        return redirect(url_for("checkout.order", code=code))
    flash(_("Đặt hàng thành công! Mã đơn hàng của bạn là %(code)s.", code=code), "success")
    return redirect(url_for("checkout.order", code=code))


def _insufficient_message(error: InsufficientStock) -> str:
    names = unavailable_product_names(error)
    return _("Rất tiếc, không đủ hàng: %(names)s đã hết hoặc không còn đủ số lượng bạn chọn.", names=", ".join(names))


@bp.route("/checkout/cancel", methods=["POST"])
def cancel():
    """Leave the checkout before placing the order (Decree 52 Art. 17–18); the cart stays."""
    session.pop(STATE_KEY, None)
    flash(_("Bạn đã huỷ đặt hàng. Giỏ hàng vẫn được giữ nguyên."), "info")
    return redirect(url_for("cart.view"))
