"""`flask office create-user` and `flask office ensure-criteria-sets`."""

from sqlalchemy import select

from storefront.accounts.models import Role, User
from storefront.audit.models import AuditLogEntry
from storefront.office.models import CriteriaSetDefinition
from tests.factories import make_user


def test_create_user_makes_an_office_account_with_the_prompted_password(runner, db):
    result = runner.invoke(
        args=["office", "create-user", "Can.Bo@ocop.vn", "--name", "Cán bộ OCOP"],
        input="mat khau dai 1\nmat khau dai 1\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.full_name) == ("can.bo@ocop.vn", Role.OFFICE, "Cán bộ OCOP")
    assert user.check_password("mat khau dai 1")
    entry = db.session.scalar(select(AuditLogEntry))
    assert (entry.action, entry.object_id, entry.actor_id) == ("user.create_office", user.id, None)


def test_create_user_can_generate_and_print_a_password(runner, db):
    result = runner.invoke(args=["office", "create-user", "a@ocop.vn", "--generate"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].strip()
    assert db.session.scalar(select(User)).check_password(password)


def test_create_user_refuses_a_taken_email_or_short_password(runner, db):
    make_user(email="a@ocop.vn")
    db.session.commit()
    taken = runner.invoke(args=["office", "create-user", "a@ocop.vn", "--password", "longenough1"])
    short = runner.invoke(args=["office", "create-user", "b@ocop.vn", "--password", "short"])
    assert taken.exit_code != 0 and "already" in taken.output
    assert short.exit_code != 0
    assert db.session.scalars(select(User.email)).all() == ["a@ocop.vn"]


def test_ensure_criteria_sets_is_idempotent(runner, db):
    for _i in range(2):
        result = runner.invoke(args=["office", "ensure-criteria-sets"])
        assert result.exit_code == 0, result.output
    assert "148/2023 (40/25/35)" in result.output
    assert len(db.session.scalars(select(CriteriaSetDefinition)).all()) == 2
