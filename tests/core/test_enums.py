"""Titled enums: titles in the class, one column type with a CHECK constraint on both databases, members on
read and on assignment; and the case states tied to their columns by the database itself."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.core.enums import TitledEnum
from app.core.i18n import as_locale, force_locale
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.extensions import db
from app.mediation.models import Case, CaseStatus, Sex
from tests.mediation.factories import make_case


class Colour(TitledEnum):
    red = "red", _l("Red")
    plain = "plain"


def test_members_carry_their_titles_and_compare_as_their_values(app):
    assert Role.admin == "admin" and str(Role.admin) == "admin" and f"{Role.admin}" == "admin"
    assert Colour.plain.title == "plain"
    assert Colour.choices() == [("red", Colour.red.title), ("plain", "plain")]
    assert Colour.coerce("red") is Colour.red and Colour.coerce(" ") is None and Colour.coerce(None) is None
    with app.test_request_context():
        with force_locale(as_locale("zh_CN")):
            assert str(CaseStatus.archived.title) == "已归档"
            assert CaseStatus.titles()[CaseStatus.archived] == "已归档"
        with force_locale(as_locale("en")):
            assert str(CaseStatus.archived.title) == "Archived"


def test_columns_read_back_as_members_and_strings_become_members_when_assigned(app, world):
    case_id = make_case(app, world, upto="registered")
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status is CaseStatus.registered
        case.parties[0].sex = "female"
        assert case.parties[0].sex is Sex.female  # at once, not only after a reload
        with pytest.raises(ValueError):
            case.parties[0].sex = " "  # refused where it is assigned, never stored
        db.session.rollback()


BAD_VALUES = [
    ("mediation_cases", "status", "'closed'"),
    ("mediation_cases", "category", "' '"),
    ("mediation_parties", "sex", "' '"),
    ("mediation_parties", "role", "'judge'"),
    ("mediation_follow_ups", "performance", "'maybe'"),
    ("mediation_case_events", "to_status", "'nowhere'"),
    ("user_roles", "role", "'king'"),
    ("org_units", "kind", "'planet'"),
]


@pytest.mark.parametrize(("table", "column", "value"), BAD_VALUES)
def test_the_database_refuses_a_value_outside_the_enum(app, world, table, column, value):
    make_case(app, world, upto="agreement")
    with app.app_context():
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(f"UPDATE {table} SET {column} = {value}"))  # noqa: S608 - fixed test values


STATE_BREAKS = [
    # a declined case without its reason, and a reason on a case that was never declined
    ("registered", "UPDATE mediation_cases SET status = 'declined'"),
    ("registered", "UPDATE mediation_cases SET decline_reason = 'x'"),
    ("registered", "UPDATE mediation_cases SET end_reason = 'x', other_routes = 'y'"),
    ("registered", "UPDATE mediation_cases SET archived_at = created_at"),
    ("agreement", "UPDATE mediation_cases SET status = 'archived'"),
    ("agreement", "UPDATE mediation_cases SET status = 'ended'"),
    ("agreement", "UPDATE mediation_cases SET accepted_on = NULL, presiding_mediator_id = NULL"),
    ("agreement", "UPDATE mediation_cases SET extended = TRUE"),
    ("agreement", "UPDATE mediation_follow_ups SET done_on = due_on"),
    ("agreement", "UPDATE mediation_agreements SET confirmation_result = 'pending'"),
]


@pytest.mark.parametrize(("stage", "statement"), STATE_BREAKS)
def test_the_database_ties_each_state_to_its_columns(app, world, stage, statement):
    make_case(app, world, upto=stage)
    with app.app_context():
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text(statement))
