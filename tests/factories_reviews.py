"""Review factories: a buyer with a delivered order of a product, and reviews written through the service."""

from storefront.checkout.models import FulfilmentStatus, OrderStatus
from storefront.extensions import db
from storefront.reviews.services import write_review
from tests.factories import make_user
from tests.factories_producer import make_order


def deliver(order, *, order_status=OrderStatus.DELIVERED, fulfilment_status=FulfilmentStatus.DELIVERED):
    """Move an order and its fulfilments straight to the given states (the checkout tests walk the steps)."""
    order.status = order_status
    for fulfilment in order.fulfilments:
        fulfilment.status = fulfilment_status
    db.session.flush()
    return order


def make_buyer_of(product, *, user=None, **states):
    """Return a shopper whose order of `product` was delivered (or is in the given states)."""
    user = user or make_user(full_name="Nguyễn Thị Hoa")
    deliver(make_order(lines=[(product, 1)], user=user), **states)
    return user


def make_review(product, *, stars=5, body="Chè thơm, đóng gói cẩn thận.", user=None):
    """A review by a new verified buyer (through the service, so every rule applies)."""
    return write_review(make_buyer_of(product, user=user), product, stars=stars, body=body)
