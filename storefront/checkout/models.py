"""Orders, their lines and per-producer fulfilments, payments and processed webhooks."""

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.columns import UTCDateTime, str_enum, utcnow
from storefront.errors import DomainError
from storefront.extensions import db


class OrderStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CONFIRMED = "confirmed"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    EXPIRED = "expired"


class IllegalTransition(DomainError):
    """An order, fulfilment or payment was asked to move where its state table forbids."""

    def __init__(self, current, target):
        super().__init__(f"cannot move from {current.value} to {target.value}")
        self.current = current
        self.target = target


ORDER_TRANSITIONS = {
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.CONFIRMED, OrderStatus.CANCELLED, OrderStatus.EXPIRED},
    OrderStatus.PAID: {OrderStatus.PACKED, OrderStatus.CANCELLED, OrderStatus.REFUNDED},
    OrderStatus.CONFIRMED: {OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.CANCELLED},
    OrderStatus.PACKED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: {OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.REFUNDED: set(),
    # A payment that arrives after the hold lapsed revives the order when stock still allows.
    OrderStatus.EXPIRED: {OrderStatus.PAID},
}


class PaymentMethod(enum.StrEnum):
    """Codes of the built-in payment providers (``storefront.checkout.providers``).

    The columns hold a provider's code as plain text, so a provider added to the registry
    needs no change here; these members are names for the codes other modules test against.
    A value read back from the database is a ``str``: compare with ``==``, never ``is``.
    """

    COD = "cod"
    BANK_TRANSFER = "bank_transfer"
    CARD = "card"


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short code shown to customers (e.g. TN-7F3K9Q); also the payment idempotency key.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus), default=OrderStatus.PENDING_PAYMENT)
    #: Key from the checkout form; a double submit finds the same order.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    contact_name: Mapped[str] = mapped_column(String(120))
    #: E.164.
    phone: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The delivery address; NULL for an order of visits only (nothing is shipped).
    province_code: Mapped[int | None] = mapped_column(SmallInteger)
    ward_code: Mapped[int | None]
    street: Mapped[str | None] = mapped_column(String(200))
    #: "none" for an order of visits only.
    delivery_method: Mapped[str] = mapped_column(String(30), default="standard")
    delivery_fee_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    subtotal_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    total_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Code of the payment provider (see storefront.checkout.providers), e.g. "cod", "vnpay".
    payment_method: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    #: The language the shopper ordered in ("vi", "en"): every mail about the order is written in it.
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")
    #: What the buyer (or office) gave as the reason when cancelling.
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    fulfilments: Mapped[list["Fulfilment"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Fulfilment.id"
    )
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Payment.id"
    )

    __table_args__ = (
        CheckConstraint("delivery_fee_vnd >= 0", name="fee_not_negative"),
        CheckConstraint("subtotal_vnd >= 0", name="subtotal_not_negative"),
        CheckConstraint("total_vnd = subtotal_vnd + delivery_fee_vnd", name="total_adds_up"),
        Index("ix_orders_status_created", "status", "created_at"),
    )

    def move_to(self, target: OrderStatus) -> None:
        """Change status along the transition table or raise IllegalTransition."""
        if target not in ORDER_TRANSITIONS[self.status]:
            raise IllegalTransition(self.status, target)
        self.status = target


class FulfilmentStatus(enum.Enum):
    PENDING = "pending"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


FULFILMENT_TRANSITIONS = {
    FulfilmentStatus.PENDING: {FulfilmentStatus.PACKED, FulfilmentStatus.CANCELLED},
    FulfilmentStatus.PACKED: {FulfilmentStatus.SHIPPED, FulfilmentStatus.CANCELLED},
    FulfilmentStatus.SHIPPED: {FulfilmentStatus.DELIVERED},
    FulfilmentStatus.DELIVERED: set(),
    FulfilmentStatus.CANCELLED: set(),
}


class Fulfilment(db.Model):
    """The part of an order one producer packs and ships."""

    __tablename__ = "fulfilments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id", ondelete="SET NULL"), index=True)
    status: Mapped[FulfilmentStatus] = mapped_column(str_enum(FulfilmentStatus), default=FulfilmentStatus.PENDING)
    carrier: Mapped[str] = mapped_column(String(80), default="")
    tracking_number: Mapped[str] = mapped_column(String(80), default="")
    packed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="fulfilments")
    producer = relationship("Producer")
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="fulfilment", order_by="OrderLine.id")

    def move_to(self, target: FulfilmentStatus) -> None:
        """Change status along the transition table or raise IllegalTransition."""
        if target not in FULFILMENT_TRANSITIONS[self.status]:
            raise IllegalTransition(self.status, target)
        self.status = target


class OrderLine(db.Model):
    """What was sold, copied at purchase so later catalogue edits do not rewrite history."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    fulfilment_id: Mapped[int | None] = mapped_column(ForeignKey("fulfilments.id", ondelete="SET NULL"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producers.id", ondelete="SET NULL"))
    product_name: Mapped[str] = mapped_column(String(200))
    producer_name: Mapped[str] = mapped_column(String(200), default="")
    lot_code: Mapped[str | None] = mapped_column(String(20))
    unit_price_vnd: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
    line_total_vnd: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="lines")
    fulfilment: Mapped[Fulfilment | None] = relationship(back_populates="lines")
    product = relationship("Product")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_vnd >= 0", name="unit_price_not_negative"),
        CheckConstraint("line_total_vnd = unit_price_vnd * quantity", name="line_total_adds_up"),
    )


class PaymentStatus(enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    #: Money arrived that cannot buy the order (wrong amount, or too late and sold out):
    #: the office refunds it.
    NEEDS_REFUND = "needs_refund"


class Payment(db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    #: Code of the payment provider (see storefront.checkout.providers).
    method: Mapped[str] = mapped_column(String(20))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus), default=PaymentStatus.PENDING)
    #: Why the payment needs the office (wrong amount, paid after the hold lapsed with no stock left).
    attention_reason: Mapped[str] = mapped_column(String(300), default="")
    #: Card sessions created for this payment; part of the Stripe idempotency key so a retry
    #: after the first session lapsed gets a new session.
    attempts: Mapped[int] = mapped_column(default=1)
    #: Provider's id of the current attempt, e.g. the Stripe Checkout Session id or the VNPay vnp_TxnRef.
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: What the provider needs later to refund or query (its transaction number, pay date...).
    provider_data: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Money given back through the provider so far; equal to amount_vnd when fully refunded.
    refunded_vnd: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: Who marked a transfer or COD payment received (office or producer user).
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")
    refunds: Mapped[list["PaymentRefund"]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", order_by="PaymentRefund.id"
    )

    __table_args__ = (
        CheckConstraint("amount_vnd >= 0", name="amount_not_negative"),
        CheckConstraint("refunded_vnd >= 0 AND refunded_vnd <= amount_vnd", name="refund_within_amount"),
    )

    @property
    def refundable_vnd(self) -> int:
        return self.amount_vnd - (self.refunded_vnd or 0)


class PaymentRefund(db.Model):
    """Money given back through the provider (full or partial), one row per refund request."""

    __tablename__ = "payment_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    #: Sent to the provider as its idempotency key / request id: a retry refunds once.
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: The provider's id of the refund (Stripe re_..., VNPay/MoMo transaction number).
    provider_ref: Mapped[str] = mapped_column(String(255), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds")

    __table_args__ = (CheckConstraint("amount_vnd > 0", name="refund_positive"),)


class ProcessedWebhookEvent(db.Model):
    """A provider event already handled; the unique id makes redelivery a no-op."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), default="stripe")
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(80))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    #: Idempotent by (provider, event id): two providers may use the same id.
    __table_args__ = (UniqueConstraint("provider", "event_id"),)
