"""Office factories: office users, council evaluations with members' scoresheets, orders."""

import io
import itertools

import pytest
from pypdf import PdfWriter

from storefront.accounts.models import Role
from storefront.catalog.models import CriteriaSet, IssuingLevel
from storefront.checkout.models import Order, OrderLine, OrderStatus, PaymentMethod
from storefront.extensions import db
from storefront.office import register, scoring
from storefront.office.models import CriteriaSetDefinition, Evaluation
from tests.factories import days_ago, make_product, make_user

_orders = itertools.count(1)


def make_pdf_bytes(pages=1, **metadata) -> bytes:
    """A valid PDF of blank A4 pages, as a scanner's would be (pypdf writes it)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if metadata:
        writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_office_user(**kw):
    return make_user(role=Role.OFFICE, **kw)


def criteria_set(code="148/2023") -> CriteriaSetDefinition:
    return next(c for c in scoring.ensure_criteria_sets() if c.code == code)


def make_evaluation(*, product=None, chair=None, code="148/2023", sheets=()) -> Evaluation:
    """Open an evaluation and submit one sheet per (points dict, fails_mandatory) pair, each by a new member."""
    chair = chair or make_office_user()
    evaluation = scoring.open_evaluation(
        product or make_product(), criteria_set=criteria_set(code), chair=chair, actor=chair
    )
    for points, fails in sheets:
        scoring.submit_scoresheet(evaluation, member=make_office_user(), points=points, fails_mandatory=fails)
    return evaluation


def make_order(*, product, quantity=1, status=None, created_at=None):
    """A placed order for one product (enough for the office's sales figures and suspension rules)."""
    total = product.price_vnd * quantity
    order = Order(
        code=f"TN-O{next(_orders):05d}",
        contact_name="Nguyễn Văn An",
        phone="+84912345678",
        province_code=19,
        ward_code=product.producer.ward_code or 5503,
        street="Số 1",
        payment_method=PaymentMethod.COD,
        status=status or OrderStatus.CONFIRMED,
        subtotal_vnd=total,
        total_vnd=total,
        **({"created_at": created_at} if created_at else {}),
    )
    order.lines.append(
        OrderLine(
            product=product,
            producer_id=product.producer_id,
            product_name=product.name_vi,
            unit_price_vnd=product.price_vnd,
            quantity=quantity,
            line_total_vnd=total,
        )
    )
    db.session.add(order)
    db.session.flush()
    return order


@pytest.fixture
def request_context(app):
    """Services translate their messages and the locale selector reads the request, so give them one.

    Import it and mark the module: ``pytestmark = pytest.mark.usefixtures("request_context")``.
    """
    with app.test_request_context():
        yield


@pytest.fixture
def office(db, login):
    """An office user, signed in through the client."""
    user = make_office_user()
    db.session.commit()
    login(user)
    return user


def certificate_form(product, **overrides):
    data = {
        "product_id": str(product.id),
        "stars": "4",
        "score": "78",
        "criteria_set": "148/2023",
        "issuing_level": "province",
        "issuing_body": "UBND tỉnh Thái Nguyên",
        "decision_number": "1234/QĐ-UBND",
        "decision_date": days_ago(10).isoformat(),
        "valid_until": "",
    }
    data.update(overrides)
    return data


def record_with_scan(product, actor):
    return register.record_certificate(
        product,
        stars=4,
        score=78,
        criteria_set=CriteriaSet.QD_148_2023,
        issuing_level=IssuingLevel.PROVINCE,
        issuing_body="UBND tỉnh Thái Nguyên",
        decision_number="99/QĐ-UBND",
        decision_date=days_ago(5),
        document=io.BytesIO(make_pdf_bytes()),
        actor=actor,
    )


def import_form(csv_text, **overrides):
    """The council-decision import form's fields with *csv_text* as its file."""
    data = {
        "criteria_set": "148/2023",
        "issuing_level": "province",
        "issuing_body": "UBND tỉnh Thái Nguyên",
        "decision_number": "2100/QĐ-UBND",
        "decision_date": days_ago(3).isoformat(),
        "file": (io.BytesIO(csv_text.encode("utf-8")), "quyet-dinh.csv"),
    }
    data.update(overrides)
    return data
