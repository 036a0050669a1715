"""What every office action shares: the error base, a required reason, mail to the producer."""

from storefront.catalog.models import Producer
from storefront.errors import DomainError
from storefront.outbox.services import queue_mail


class OfficeError(DomainError):
    pass


class ReasonRequired(OfficeError):
    pass


class FieldErrors(OfficeError):
    """Field name → message for every rule the input breaks; views show them beside the fields."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason


def _producer_address(producer: Producer) -> str:
    return producer.email or (producer.owner.email if producer.owner else "")


def mail_producer(producer: Producer, subject: str, body: str) -> None:
    queue_mail(_producer_address(producer), subject, body)
