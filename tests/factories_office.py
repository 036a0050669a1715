"""Office factories: office users, council evaluations with members' scoresheets."""
from storefront.accounts.models import Role
from storefront.office import services
from storefront.office.models import CriteriaSetDefinition, Evaluation
from tests.factories import make_product, make_user


def make_office_user(**kw):
    return make_user(role=Role.OFFICE, **kw)


def criteria_set(code="148/2023") -> CriteriaSetDefinition:
    return next(c for c in services.ensure_criteria_sets() if c.code == code)


def make_evaluation(*, product=None, chair=None, code="148/2023", sheets=()) -> Evaluation:
    """Open an evaluation and submit one sheet per (points dict, fails_mandatory) pair, each by a new member."""
    chair = chair or make_office_user()
    evaluation = services.open_evaluation(product or make_product(), criteria_set=criteria_set(code), chair=chair,
                                          actor=chair)
    for points, fails in sheets:
        services.submit_scoresheet(evaluation, member=make_office_user(), points=points, fails_mandatory=fails)
    return evaluation
