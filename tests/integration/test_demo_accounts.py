"""The README's demo accounts sign in through the real login form and land on their role's home."""

import re
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo

README = Path(__file__).resolve().parents[2] / "README.md"
ROLE_WORDS = {"shopper": Role.SHOPPER, "producer": Role.PRODUCER, "ocop office": Role.OFFICE}
HOMES = {Role.SHOPPER: "/account/", Role.PRODUCER: "/producer/", Role.OFFICE: "/office/"}


def readme_accounts() -> list[tuple[Role, str, str]]:
    """Return (role, email, password) for each row of the README's demo accounts table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Demo accounts", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in section.splitlines():
        match = re.match(r"\|\s*([^|`]+?)\s*(?:\([^)]*\))?\s*\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|", line)
        if match:
            rows.append((ROLE_WORDS[match[1].strip().lower()], match[2], match[3]))
    return rows


def test_readme_lists_exactly_the_seeded_accounts():
    rows = readme_accounts()
    assert len(rows) == 3
    assert {(role, email) for role, email, _ in rows} == {(role, email) for email, role, _ in DEMO_ACCOUNTS}
    assert {password for _, _, password in rows} == {DEMO_PASSWORD}


@pytest.mark.parametrize("email", [email for email, _, _ in DEMO_ACCOUNTS])
def test_demo_addresses_pass_the_real_email_validator(email):
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        pytest.fail(f"{email}: {error}")


@pytest.mark.parametrize("role, email, password", readme_accounts())
def test_each_readme_account_signs_in_and_lands_on_its_home(db, client, tmp_path, role, email, password):
    seed_demo(today=__import__("datetime").date(2026, 11, 29), image_dir=tmp_path / "images")
    db.session.commit()
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert response.headers["Location"] == HOMES[role]
    assert client.get(HOMES[role]).status_code == 200
    user = db.session.scalar(select(User).where(User.email == email))
    assert user.role is role


def test_login_keeps_a_safe_next_over_the_role_home(db, client, tmp_path):
    seed_demo(today=__import__("datetime").date(2026, 11, 29), image_dir=tmp_path / "images")
    db.session.commit()
    email = next(e for e, role, _ in DEMO_ACCOUNTS if role is Role.PRODUCER)
    response = client.post("/account/login?next=/cart/", data={"email": email, "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/cart/"


def test_bad_email_error_is_vietnamese_on_vietnamese_pages(client):
    page = client.post("/account/login", data={"email": "khach@ocop.test", "password": "x"}).get_data(as_text=True)
    assert "Invalid email address" not in page
    assert "Địa chỉ email không hợp lệ" in page


def test_bad_email_error_is_english_on_english_pages(client):
    client.get("/lang/en")
    page = client.post("/account/login", data={"email": "not-an-email", "password": "x"}).get_data(as_text=True)
    assert "Invalid email address" in page
    assert "Địa chỉ email không hợp lệ" not in page
