"""Pytest fixtures aiming the app's VNPay and MoMo payments at the loopback stand-ins (import into a test module)."""

import pytest

from tests.gateway_standins import MoMoStandIn, VNPayStandIn

VNPAY_TMN = "OCOPTN01"
VNPAY_SECRET = "VNPAYTESTSECRETOCOPTHAINGUYEN0001"
MOMO_PARTNER, MOMO_ACCESS, MOMO_SECRET = "MOMOOCOP2026", "AK0cop2026TN", "SK0cop2026ThaiNguyenSecretKey"


@pytest.fixture
def vnpay():
    with VNPayStandIn(VNPAY_TMN, VNPAY_SECRET) as standin:
        yield standin


@pytest.fixture
def momo():
    with MoMoStandIn(MOMO_PARTNER, MOMO_ACCESS, MOMO_SECRET) as standin:
        yield standin


@pytest.fixture
def app_config(vnpay, momo):
    """VNPay and MoMo configured and aimed at the stand-ins, so both methods are offered."""
    return {
        "VNPAY_TMN_CODE": VNPAY_TMN,
        "VNPAY_HASH_SECRET": VNPAY_SECRET,
        "VNPAY_PAY_URL": vnpay.pay_url,
        "VNPAY_API_URL": vnpay.api_url,
        "MOMO_PARTNER_CODE": MOMO_PARTNER,
        "MOMO_ACCESS_KEY": MOMO_ACCESS,
        "MOMO_SECRET_KEY": MOMO_SECRET,
        "MOMO_ENDPOINT": momo.base_url,
    }
