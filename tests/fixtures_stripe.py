"""Pytest fixtures aiming the app's card payments at loopback Stripe peers (import them into a test module)."""

import pytest

from tests.stripe_peers import CheckoutSessionStub, start_localstripe

WEBHOOK_SECRET = "whsec_test_checkout"


@pytest.fixture(scope="module")
def localstripe_url():
    """The real localstripe, one per test module."""
    base_url, stop = start_localstripe()
    yield base_url
    stop()


@pytest.fixture
def stub(localstripe_url):
    """The FAKE Checkout Sessions API, forwarding everything else to localstripe."""
    with CheckoutSessionStub(upstream=localstripe_url, webhook_secret=WEBHOOK_SECRET) as stub:
        yield stub


@pytest.fixture
def app_config(stub):
    """Stripe keys set and the library aimed at the stub, so the card option is offered."""
    return {
        "STRIPE_SECRET_KEY": "sk_test_ocop",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stub.base_url,
    }
