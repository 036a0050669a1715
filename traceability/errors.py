"""What a traceability rule refuses: one DomainError subclass per refusal, shown to the user by the caller."""

from storefront.errors import DomainError


class TraceabilityError(DomainError):
    """A traceability rule refused an action."""


class InvalidLotCode(TraceabilityError):
    pass


class DuplicateLot(TraceabilityError):
    def __init__(self, lot_code: str):
        super().__init__(lot_code)
        self.lot_code = lot_code


class BatchIncomplete(TraceabilityError):
    """Publishing refused: the Circular 02/2024 minimum is not all there."""

    def __init__(self, missing: list[str]):
        super().__init__(f"{len(missing)} required field(s) missing")
        self.missing = missing


class BatchRecalled(TraceabilityError):
    pass


class InvalidStampRequest(TraceabilityError):
    pass


class InvalidTraceEvent(TraceabilityError):
    pass


class NotInProgramme(TraceabilityError):
    """The producer is not (or no longer) approved, or the product is hidden by the office."""


class NotRegistered(TraceabilityError):
    """The scanned code matches no published batch or stamp: possibly a fake."""
