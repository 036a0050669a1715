"""Which OCOP badge a product may show on a day: its valid certificate, one about to run out, lapsed or revoked."""

from dataclasses import dataclass
from datetime import date

from storefront.catalog.models import Certificate, Product
from storefront.clock import today_vn


def valid_certificate(product: Product, day: date | None = None) -> Certificate | None:
    """Return the best certificate valid on a day (default today in Vietnam), or None."""
    day = day or today_vn()
    valid = [c for c in product.certificates if c.is_valid_on(day)]
    return max(valid, key=lambda c: (c.stars, c.decision_date), default=None)


def latest_certificate(product: Product) -> Certificate | None:
    return max(product.certificates, key=lambda c: c.decision_date, default=None)


#: Producers are warned this many days before a certificate's 36 months run out.
CERTIFICATE_WARNING_DAYS = 90


@dataclass(frozen=True)
class CertificateStanding:
    """What a product may say about its OCOP rating on a day.

    state: "valid", "expiring" (valid, ends within CERTIFICATE_WARNING_DAYS), "lapsed" (the
    latest 3–5★ certificate ran out: stars may no longer be shown), "revoked" or "none".
    """

    state: str
    certificate: Certificate | None = None
    days_left: int | None = None


def certificate_standing(product: Product, day: date | None = None) -> CertificateStanding:
    """Return whether a product's stars are valid, about to run out, lapsed or revoked on a day."""
    day = day or today_vn()
    valid = valid_certificate(product, day)
    if valid is not None:
        # The longest-running valid certificate decides: a renewal already recorded clears the warning.
        last = max((c for c in product.certificates if c.is_valid_on(day)), key=lambda c: c.valid_until)
        days_left = (last.valid_until - day).days
        state = "expiring" if days_left <= CERTIFICATE_WARNING_DAYS else "valid"
        return CertificateStanding(state, last if state == "expiring" else valid, days_left)
    latest = latest_certificate(product)
    if latest is None:
        return CertificateStanding("none")
    if latest.is_revoked:
        return CertificateStanding("revoked", latest)
    if latest.stars >= 3 and latest.valid_until < day:
        return CertificateStanding("lapsed", latest)
    return CertificateStanding("none", latest)


def lapsed_certificate(product: Product, day: date | None = None) -> Certificate | None:
    """Return the certificate whose lapse a product's card and page must state, or None."""
    standing = certificate_standing(product, day)
    return standing.certificate if standing.state == "lapsed" else None
