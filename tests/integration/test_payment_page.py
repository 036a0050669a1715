"""/pages/payment tells shoppers the methods this shop has configured, as checkout offers them."""

import re


def _methods(client):
    page = client.get("/pages/payment").get_data(as_text=True)
    return re.findall(r'data-method="([a-z_]+)"', page), page


def test_the_payment_page_lists_only_configured_methods_in_checkout_order(app, client):
    for key in ("VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "MOMO_PARTNER_CODE", "STRIPE_SECRET_KEY"):
        app.config[key] = ""
    listed, page = _methods(client)
    assert "vnpay" not in listed and "momo" not in listed and "Stripe" not in page
    assert listed[0] == "cod"

    app.config.update(VNPAY_TMN_CODE="DEMOSHOP", VNPAY_HASH_SECRET="s" * 32)
    listed, page = _methods(client)
    assert "vnpay" in listed and listed.index("cod") < listed.index("vnpay")
    assert "VNPay" in page


def test_the_payment_page_reads_in_english_too(client):
    client.get("/lang/en")
    _listed, page = _methods(client)
    assert "Cash on delivery" in page or "cash on delivery" in page.lower()
