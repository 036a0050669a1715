"""A producer's own website: https only, no credentials, shown on its public page as an outbound link."""

from tests.factories import TAN_CUONG_WARD
from tests.factories_producer import make_producer_account

REFUSED = {
    "http://chehaodat.vn": "https://",
    "https://user:pass@chehaodat.vn": "mật khẩu",
    "javascript:alert(1)": "https://",
    "https://" + "a" * 300 + ".vn": "300",
    "chehaodat": "https://",
}


def profile(**changes) -> dict:
    return {"phone": "0912345678", "ward_code": str(TAN_CUONG_WARD), "street": "Xóm Nam Tiến", "save": "1", **changes}


def test_a_producer_adds_its_https_website_and_its_page_links_it_with_noopener(client, db, login):
    user, producer = make_producer_account()
    db.session.commit()
    login(user)
    for raw, message in REFUSED.items():
        response = client.post("/producer/profile", data=profile(website=raw))
        assert response.status_code == 200 and message in response.get_data(as_text=True), raw
        db.session.refresh(producer)
        assert producer.website == ""

    assert (
        client.post("/producer/profile", data=profile(website=" HTTPS://CheHaoDat.vn/gioi-thieu ")).status_code == 302
    )
    db.session.refresh(producer)
    assert producer.website == "https://chehaodat.vn/gioi-thieu"
    page = client.get(f"/producers/{producer.slug}").get_data(as_text=True)
    assert '<a href="https://chehaodat.vn/gioi-thieu" rel="noopener" target="_blank"' in page

    assert client.post("/producer/profile", data=profile(website="")).status_code == 302
    db.session.refresh(producer)
    assert producer.website == "" and 'data-testid="producer-website"' not in client.get(
        f"/producers/{producer.slug}"
    ).get_data(as_text=True)
