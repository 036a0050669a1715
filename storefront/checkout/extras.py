"""Parts of an order that are not parcels (experience bookings), supplied by a package above checkout.

Checkout cannot import storefront.experiences (that package sits on checkout), so experiences
registers one source when its blueprint is imported, and checkout asks every registered source:

- ``lines()``: what the current shopper holds besides goods (request level: it reads the session);
- ``attach(order, lines, hold_minutes)``: the order was placed with those lines;
- ``settled(order)``: the order was paid (or its payment confirmed); returns how many of its lines
  stand confirmed (a visit whose places went meanwhile is refunded instead);
- ``closed(order)``: the order was cancelled, expired or refunded;
- ``hold_ends(order)`` / ``extend(order, until)``: how long the order's places are held, and a longer
  hold when a payment provider needs more time (as stock holds are extended).

An extra line is never shipped: it adds no delivery fee and takes no stock.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ExtraLine:
    """One non-parcel line: a visit with its key (the booking code), copied onto the order at its price."""

    key: str
    producer_id: int
    producer_name: str
    name: str
    total_vnd: int
    #: Who booked it (contact_name, phone, email), so the checkout need not ask again.
    contact: dict | None = None


class ExtraSource(Protocol):
    def lines(self) -> list[ExtraLine]: ...

    def attach(self, order, lines: list[ExtraLine], hold_minutes: int) -> None: ...

    def settled(self, order) -> int: ...

    def closed(self, order) -> None: ...

    def hold_ends(self, order): ...

    def extend(self, order, until) -> None: ...


_sources: list[ExtraSource] = []


def register(source: ExtraSource) -> None:
    if source not in _sources:
        _sources.append(source)


def current_lines() -> list[ExtraLine]:
    return [line for source in _sources for line in source.lines()]


def attach(order, lines: list[ExtraLine], hold_minutes: int) -> None:
    for source in _sources:
        source.attach(order, lines, hold_minutes)


def settled(order) -> int:
    """The order was paid: its lines are confirmed where they can be; return how many are."""
    return sum(source.settled(order) for source in _sources)


def closed(order) -> None:
    for source in _sources:
        source.closed(order)


def hold_ends(order):
    """When the order's non-parcel holds lapse (the earliest), or None when it has none."""
    ends = [end for source in _sources if (end := source.hold_ends(order)) is not None]
    return min(ends) if ends else None


def extend(order, until) -> None:
    for source in _sources:
        source.extend(order, until)
