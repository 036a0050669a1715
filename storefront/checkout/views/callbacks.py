"""Payment providers' server-to-server callbacks (Stripe webhook, VNPay IPN, MoMo IPN)."""

from flask import Response, abort, current_app, request
from sqlalchemy.exc import IntegrityError

from storefront.checkout import bp, providers
from storefront.checkout.payments.events import apply_event
from storefront.checkout.providers.base import InvalidCallback
from storefront.checkout.views.common import request_callback
from storefront.extensions import csrf, db
from storefront.request_input import accepts_json


@bp.route("/payments/<provider>/webhook", methods=["GET", "POST"])
@csrf.exempt
@accepts_json
def provider_callback(provider):
    """A provider's server-to-server callback (Stripe webhook, VNPay IPN, MoMo IPN).

    Signature first (a bad one: 400, nothing changes), then the neutral event is applied
    once per (provider, event id); the answer is in the form each provider expects.
    """
    handler = providers.by_slug(provider)
    if handler is None or request.method not in handler.callback_methods:
        abort(404)
    try:
        event = handler.parse_callback(current_app.config, request_callback())
    except InvalidCallback as exc:
        current_app.logger.warning("%s callback refused: %s", provider, exc)
        return _answer(handler.invalid_answer(str(exc)))
    try:
        outcome = apply_event(handler.code, event)
        db.session.commit()
    except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        db.session.rollback()
        outcome = "already processed"
    current_app.logger.info("%s event %s %s: %s", provider, event.event_id, event.event_type, outcome)
    return _answer(handler.answer(outcome, event))


def _answer(answer) -> Response:
    return Response(answer.body, status=answer.status, content_type=answer.content_type if answer.body else None)
