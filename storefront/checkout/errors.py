"""Checkout and order errors: one base, subclasses carrying what the caller shows."""

from storefront.errors import DomainError


class CheckoutError(DomainError):
    """Base of the checkout and order errors."""


class CartNotReady(CheckoutError):
    """The cart is empty or holds products that cannot be bought as they are."""


class BadAddress(CheckoutError):
    """The ward is not in the chosen province."""


class OrderNotReady(CheckoutError):
    """The order is not in a state that allows this step (e.g. packing an unpaid order)."""


class PaymentTooLate(CheckoutError):
    """Money arrived for an order whose stock hold lapsed and whose units are sold out; the office refunds."""


class PriceChanged(CheckoutError):
    """The total differs from the one the buyer confirmed on the review page (Decree 52)."""

    def __init__(self, reviewed_vnd: int, total_vnd: int):
        super().__init__(f"reviewed {reviewed_vnd} VND, now {total_vnd} VND")
        self.reviewed_vnd = reviewed_vnd
        self.total_vnd = total_vnd


class OrderTooLarge(CheckoutError):
    """The total is above MAX_ORDER_TOTAL_VND."""


class AmountOutsideLimits(CheckoutError):
    """The total is outside what the chosen payment provider takes in one payment."""

    def __init__(self, total_vnd: int, provider):
        super().__init__(total_vnd)
        self.total_vnd = total_vnd
        self.provider = provider


#: Old name (card was the only method with a limit).
CardLimitExceeded = AmountOutsideLimits


class UnknownMethod(CheckoutError):
    """No payment provider has this code."""


class CannotCancel(CheckoutError):
    """The buyer may no longer cancel: the order is paid by card, shipping or closed."""


class CardRetryClosed(CheckoutError):
    """The stock hold of a card order lapsed, so no new card payment can start."""


class RefundNotPossible(CheckoutError):
    """The payment has no money left to refund, the amount is wrong, or its provider cannot refund."""
