"""The digital scoresheet: criteria sets as data, bounded parts, averaging, 'không đạt', the chair's decision."""

from datetime import date

import pytest
from sqlalchemy import select

from storefront.catalog.models import Certificate, IssuingLevel
from storefront.office import register, scoring
from storefront.office.models import CriteriaSetDefinition, EvaluationStatus
from tests.factories import days_ago, make_product
from tests.factories_office import make_evaluation, make_office_user, request_context  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_context")


def sheet(a, b, c, fails=False):
    return ({"A": a, "B": b, "C": c}, fails)


def test_criteria_sets_are_seeded_once_with_their_part_weights(db):
    scoring.ensure_criteria_sets()
    scoring.ensure_criteria_sets()
    sets = {c.code: c for c in db.session.scalars(select(CriteriaSetDefinition))}
    assert len(sets) == 2
    assert [(p.code, p.max_points) for p in sets["148/2023"].parts] == [("A", 40), ("B", 25), ("C", 35)]
    assert [p.max_points for p in sets["1048/2019"].parts] == [35, 25, 40]
    assert sets["148/2023"].max_total == 100


def test_a_criteria_set_edited_by_the_office_is_left_alone(db):
    scoring.ensure_criteria_sets()
    edited = db.session.scalar(select(CriteriaSetDefinition).where(CriteriaSetDefinition.code == "148/2023"))
    edited.name = "Bộ tiêu chí sửa đổi"
    scoring.ensure_criteria_sets()
    assert edited.name == "Bộ tiêu chí sửa đổi"


@pytest.mark.parametrize(
    ("points", "part"),
    [
        ({"A": 41, "B": 10, "C": 10}, "A"),
        ({"A": 10, "B": 26, "C": 10}, "B"),
        ({"A": 10, "B": 10, "C": -1}, "C"),
        ({"A": 10, "B": 10}, "C"),
    ],
)
def test_each_part_is_bounded_by_its_maximum(db, points, part):
    evaluation = make_evaluation()
    with pytest.raises(scoring.ScoresheetInvalid) as refused:
        scoring.submit_scoresheet(evaluation, member=make_office_user(), points=points)
    assert list(refused.value.errors) == [part]
    assert evaluation.sheets == []


def test_the_1048_set_bounds_part_c_at_40(db):
    evaluation = make_evaluation(code="1048/2019", sheets=[sheet(35, 25, 40)])
    assert scoring.evaluation_result(evaluation).score == 100


def test_several_members_sheets_are_averaged_into_the_star_band(db):
    evaluation = make_evaluation(sheets=[sheet(30, 20, 25), sheet(32, 20, 27), sheet(28, 18, 23)])  # 75, 79, 69
    result = scoring.evaluation_result(evaluation)
    assert (result.sheet_count, result.score, result.stars) == (3, 74, 4)
    assert result.is_certified


def test_an_average_is_rounded_half_up_before_banding(db):
    evaluation = make_evaluation(sheets=[sheet(30, 20, 20), sheet(30, 20, 19)])  # 70 and 69 → 69.5
    result = scoring.evaluation_result(evaluation)
    assert result.average_display == "69,5"
    assert (result.score, result.stars) == (70, 4)


def test_a_failed_mandatory_requirement_makes_the_result_khong_dat_whatever_the_score(db):
    evaluation = make_evaluation(sheets=[sheet(40, 25, 35), sheet(40, 25, 35, fails=True)])
    result = scoring.evaluation_result(evaluation)
    assert result.stars == 5 and result.fails_mandatory
    assert not result.is_certified


def test_a_member_resubmitting_replaces_their_sheet(db):
    evaluation = make_evaluation()
    member = make_office_user()
    scoring.submit_scoresheet(evaluation, member=member, points={"A": 10, "B": 10, "C": 10})
    scoring.submit_scoresheet(evaluation, member=member, points={"A": 30, "B": 20, "C": 30})
    assert len(evaluation.sheets) == 1 and evaluation.sheets[0].total == 80


def certify(evaluation, actor, **kw):
    values = dict(
        decision_number="812/QĐ-UBND",
        decision_date=days_ago(2),
        issuing_level=IssuingLevel.PROVINCE,
        issuing_body="UBND tỉnh Thái Nguyên",
        actor=actor,
    )
    values.update(kw)
    return scoring.certify_evaluation(evaluation, **values)


def test_the_chair_turns_a_certifiable_result_into_a_certificate(db):
    chair = make_office_user()
    evaluation = make_evaluation(chair=chair, sheets=[sheet(30, 20, 25), sheet(32, 20, 27)])  # 75, 79 → 77
    certificate = certify(evaluation, chair)
    assert (certificate.stars, certificate.score, certificate.decision_number) == (4, 77, "812/QĐ-UBND")
    assert certificate.criteria_set.value == "148/2023"
    assert evaluation.status is EvaluationStatus.DECIDED and evaluation.certificate is certificate


def test_only_the_chair_may_certify(db):
    evaluation = make_evaluation(sheets=[sheet(30, 20, 25)])
    with pytest.raises(scoring.NotChair):
        certify(evaluation, make_office_user())
    assert db.session.scalars(select(Certificate)).all() == []


@pytest.mark.parametrize(
    "sheets",
    [[sheet(40, 25, 35, fails=True)], [sheet(20, 10, 15)], []],
    ids=["khong-dat", "two-stars", "no-sheets"],
)
def test_results_that_are_not_3_to_5_stars_or_fail_a_requirement_give_no_certificate(db, sheets):
    chair = make_office_user()
    evaluation = make_evaluation(chair=chair, sheets=sheets)
    with pytest.raises(scoring.NotCertifiable):
        certify(evaluation, chair)
    assert db.session.scalars(select(Certificate)).all() == []


def test_a_five_star_result_needs_a_central_decision(db):
    chair = make_office_user()
    evaluation = make_evaluation(chair=chair, sheets=[sheet(38, 25, 33)])  # 96
    with pytest.raises(register.CertificateInvalid) as refused:
        certify(evaluation, chair, decision_date=date(2025, 10, 1), today=date(2026, 1, 1))
    assert "issuing_level" in refused.value.errors
    certificate = certify(evaluation, chair, issuing_level=IssuingLevel.CENTRAL, issuing_body="Bộ NN&MT")
    assert certificate.stars == 5


def test_a_decided_evaluation_takes_no_more_sheets(db):
    chair = make_office_user()
    evaluation = make_evaluation(chair=chair, sheets=[sheet(30, 20, 25)])
    certify(evaluation, chair)
    with pytest.raises(scoring.EvaluationClosed):
        scoring.submit_scoresheet(evaluation, member=chair, points={"A": 1, "B": 1, "C": 1})


def test_members_score_through_the_page_and_see_the_band(client, db, login):
    chair, member = make_office_user(), make_office_user()
    evaluation = make_evaluation(chair=chair, product=make_product(name_vi="Miến dong Tài Hoan"))
    db.session.commit()
    login(member)

    refused = client.post(f"/office/evaluations/{evaluation.id}", data={"part_A": "45", "part_B": "20", "part_C": "30"})
    assert refused.status_code == 200 and "0 đến 40" in refused.get_data(as_text=True)
    client.post(f"/office/evaluations/{evaluation.id}", data={"part_A": "36", "part_B": "22", "part_C": "33"})

    page = client.get(f"/office/evaluations/{evaluation.id}").get_data(as_text=True)
    assert "91,0" in page and "5 sao" in page
    db.session.refresh(evaluation)
    assert [s.total for s in evaluation.sheets] == [91]


@pytest.mark.parametrize(("signed_in", "status", "certificates"), [("chair", 302, 1), ("member", 403, 0)])
def test_only_the_chair_certifies_through_the_page(client, db, login, signed_in, status, certificates):
    chair, member = make_office_user(), make_office_user()
    evaluation = make_evaluation(chair=chair, sheets=[sheet(30, 20, 25)])
    db.session.commit()
    login(chair if signed_in == "chair" else member)
    response = client.post(
        f"/office/evaluations/{evaluation.id}/certify",
        data={
            "issuing_level": "province",
            "issuing_body": "UBND tỉnh Thái Nguyên",
            "decision_number": "99/QĐ-UBND",
            "decision_date": days_ago(1).isoformat(),
        },
    )
    assert response.status_code == status
    recorded = db.session.scalars(select(Certificate)).all()
    assert len(recorded) == certificates
    if recorded:
        assert (recorded[0].stars, recorded[0].score, recorded[0].product_id) == (4, 75, evaluation.product_id)


def test_opening_an_evaluation_through_the_page_seeds_the_criteria_sets(client, db, login):
    office = make_office_user()
    product = make_product()
    db.session.commit()
    login(office)
    assert client.get("/office/evaluations/new").status_code == 200
    criteria = db.session.scalar(select(CriteriaSetDefinition).where(CriteriaSetDefinition.code == "148/2023"))
    response = client.post(
        "/office/evaluations/new",
        data={"product_id": str(product.id), "criteria_set_id": str(criteria.id), "chair_id": str(office.id)},
    )
    assert response.status_code == 302
    assert "Phiếu chấm của tôi" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_evaluation_list_does_not_query_per_row(client, db, login, count_queries):
    viewer = make_office_user()
    make_evaluation(sheets=[sheet(30, 20, 25), sheet(20, 20, 20)])
    db.session.commit()
    login(viewer)
    client.get("/office/evaluations")  # a worker's first page also renders its footer, once (filters.site_footer)
    with count_queries() as few:
        client.get("/office/evaluations")
    for _i in range(4):
        make_evaluation(sheets=[sheet(30, 20, 25), sheet(20, 20, 20)])
    db.session.commit()
    with count_queries() as more:
        page = client.get("/office/evaluations").get_data(as_text=True)
    assert more() == few()
    assert page.count("67,5") == 5
