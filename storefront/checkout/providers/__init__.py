"""Payment providers: one module each, one line each in REGISTRY (in the order shoppers see them).

Adding a provider: write ``providers/<name>.py`` with a :class:`~.base.Provider` subclass,
give its config keys, its tests, and add one line below.
"""

from storefront.checkout.providers import bank_transfer, cod, momo, stripe_card, vnpay
from storefront.checkout.providers.base import Provider

#: code → provider, in the order Vietnamese shoppers expect: COD, VietQR, VNPay, MoMo, card.
REGISTRY: dict[str, Provider] = {
    cod.PROVIDER.code: cod.PROVIDER,
    bank_transfer.PROVIDER.code: bank_transfer.PROVIDER,
    vnpay.PROVIDER.code: vnpay.PROVIDER,
    momo.PROVIDER.code: momo.PROVIDER,
    stripe_card.PROVIDER.code: stripe_card.PROVIDER,
}


def get(code) -> Provider | None:
    """The provider with this code, or None (unknown codes come from URLs and old rows)."""
    return REGISTRY.get(str(code)) if code is not None else None


def by_slug(slug: str) -> Provider | None:
    """The provider whose callbacks come to /payments/<slug>/webhook."""
    return next((p for p in REGISTRY.values() if (p.slug or p.code) == slug), None)


def available(config) -> dict[str, Provider]:
    """The providers whose settings are configured, in display order."""
    return {code: provider for code, provider in REGISTRY.items() if provider.available(config)}
