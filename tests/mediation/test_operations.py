"""Workflow rules tested without HTTP."""

from datetime import date, timedelta

import pytest

from app.core.models import User
from app.core.operations import DomainError
from app.core.templating import date_filter
from app.extensions import db
from app.mediation import operations as ops
from app.mediation import queries
from app.mediation.models import TRANSITIONS, Case, CaseStatus
from app.mediation.operations import AGREEMENT_REQUIRED
from tests.conftest import make_user
from tests.mediation.factories import case_dates, make_case


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.rollback()


def load(world, case_id):
    return db.session.get(Case, case_id), db.session.get(User, world.users["mediator"])


def test_every_status_has_its_transitions():
    assert set(TRANSITIONS) == set(CaseStatus)
    assert TRANSITIONS[CaseStatus.archived] == set()
    assert CaseStatus.archived not in TRANSITIONS[CaseStatus.agreement_reached]  # follow-up first


def test_accept_needs_a_mediator_and_sets_the_one_month_limit(app, world, ctx):
    when = case_dates()
    case, mediator = load(world, make_case(app, world, upto="registered"))
    volunteer = db.session.get(User, world.users["volunteer"])
    with pytest.raises(DomainError):
        ops.accept_case(mediator, case, volunteer, when.accepted)
    with pytest.raises(DomainError):
        ops.accept_case(mediator, case, mediator, when.registered - timedelta(days=1))  # before registration
    ops.accept_case(mediator, case, mediator, when.accepted)
    assert case.due_on == when.accepted + timedelta(days=30) and case.status == "accepted"


def test_judicial_confirmation_within_30_days(app, world, ctx, password_hash):
    when = case_dates()
    case, mediator = load(world, make_case(app, world, upto="agreement"))
    agreement = case.agreement  # concluded 19 days ago: the 30 days end in 11 days
    last_day = when.agreement + timedelta(days=30)
    with pytest.raises(DomainError) as error:
        ops.record_confirmation(
            mediator, agreement, {"applied_on": last_day + timedelta(days=1), "court": "清溪县人民法院"}
        )
    assert date_filter(last_day) in str(error.value.message)  # the date as the reader writes it
    applied = {"applied_on": when.confirmation_applied, "court": "清溪县人民法院", "result": "confirmed"}
    with pytest.raises(DomainError):
        ops.record_confirmation(mediator, agreement, applied)  # a result needs its date
    ops.record_confirmation(mediator, agreement, dict(applied, result_on=when.today - timedelta(days=1)))
    assert agreement.confirmation_result == "confirmed"
    assert case.events[-1].kind == "judicial_confirmation"


def test_follow_up_scheduled_with_the_studio_delay(app, world, ctx):
    case, _ = load(world, make_case(app, world, upto="agreement"))
    assert [f.due_on for f in case.follow_ups] == [case_dates().agreement + timedelta(days=30)]
    assert case.follow_ups[0].assigned_to_id == world.users["mediator"]


def test_follow_up_not_performed_can_schedule_the_next_visit(app, world, ctx):
    when = case_dates()
    next_visit = when.today + timedelta(days=16)
    case, mediator = load(world, make_case(app, world, upto="agreement"))
    ops.record_follow_up(
        mediator,
        case.follow_ups[0],
        {
            "done_on": when.visited,
            "method": "phone",
            "performance": "partly",
            "applicant_satisfaction": "unsatisfied",
            "respondent_satisfaction": "satisfied",
            "flare_up": True,
            "lawsuit": False,
            "next_visit_on": next_visit,
        },
    )
    assert case.status == "followed_up"
    assert [f.due_on for f in case.follow_ups if f.done_on is None] == [next_visit]
    with pytest.raises(ops.InvalidTransition):
        ops.record_follow_up(mediator, case.follow_ups[0], {"done_on": when.visited + timedelta(days=1)})


def test_conflict_check_warns_about_former_parties(app, world, ctx):
    # the mediator was once a party (same phone)
    make_case(
        app,
        world,
        upto="registered",
        parties=[
            {"role": "applicant", "name": "王调解", "phone": "13900000002", "address": "回龙苑1幢"},
            {"role": "respondent", "name": "某邻居", "address": "回龙苑1幢"},
        ],
    )
    case, mediator = load(world, make_case(app, world, upto="registered"))
    warnings = queries.conflict_warnings(case, mediator)
    assert any(f"回龙调〔{case_dates().registered.year}〕第001号" in w for w in warnings)
    other = db.session.get(User, world.users["outsider"])
    assert queries.conflict_warnings(case, other) == []


def test_recusal_replaces_the_presiding_mediator(app, world, ctx, password_hash):
    case, mediator = load(world, make_case(app, world, upto="accepted"))
    second = make_user("13900000088", "钱调解", ["mediator"], case.org_unit, password_hash)
    db.session.flush()
    with pytest.raises(DomainError):
        ops.record_recusal(mediator, case, mediator, mediator, "张建华", "认为不公正")
    ops.record_recusal(mediator, case, mediator, second, "张建华", "调解员与被申请人是亲戚")
    assert case.presiding_mediator_id == second.id
    assert case.recusals[0].requested_by == "张建华"
    assert case.follow_ups == [] and case.events[-1].kind == "recusal"


def test_co_mediators_and_specialists(app, world, ctx, password_hash):
    case, mediator = load(world, make_case(app, world, upto="accepted"))
    with pytest.raises(DomainError):
        ops.add_helper(mediator, case, "co_mediator", None, "张三")  # a co-mediator must be a user
    ops.add_helper(mediator, case, "legal_adviser", None, "周律师", "清溪律师事务所")
    second = make_user("13900000089", "孙调解", ["mediator"], case.org_unit, password_hash)
    db.session.flush()
    ops.add_helper(mediator, case, "co_mediator", second)
    assert case.is_case_mediator(second)
    assert [h.name for h in case.helpers] == ["周律师", "孙调解"]


def test_nobody_joins_a_closed_case(app, world, ctx):
    case, mediator = load(world, make_case(app, world, upto="registered"))
    ops.decline_case(mediator, case, "法院已受理")
    with pytest.raises(ops.InvalidTransition):
        ops.add_helper(mediator, case, "legal_adviser", None, "周律师")
    assert case.helpers == []


def test_archived_case_is_read_only(app, world, ctx):
    case, mediator = load(world, make_case(app, world, upto="archived"))
    assert case.is_read_only and not case.can_edit(mediator)
    with pytest.raises(ops.InvalidTransition):
        ops.give_rights_notice(mediator, case)
    with pytest.raises(ops.InvalidTransition):
        ops.withdraw_case(mediator, case, "x")


def test_related_cases_by_name_phone_and_address(app, world, ctx):
    first = make_case(app, world, upto="registered")
    case, _ = load(
        world,
        make_case(
            app,
            world,
            upto="registered",
            parties=[
                {"role": "applicant", "name": "新人", "phone": "13987654321"},
                {"role": "respondent", "name": "某人"},
            ],
        ),
    )
    assert [c.id for c in queries.related_cases(case)] == [first]
    assert queries.related_cases(names=["无关的人"]) == []
    # both cases are about the same flat
    assert [c.id for c in queries.related_cases(addresses=["回龙苑3幢302室"])] == [case.id, first]


def test_number_format_of_the_studio(app, world, ctx):
    case, mediator = load(world, make_case(app, world, upto="registered"))
    studio = case.studio
    with pytest.raises(DomainError):
        ops.update_studio(
            mediator,
            case.org_unit,
            {
                "name": "x",
                "committee_name": "y",
                "number_prefix": "回调",
                "number_format": "{prefix}{nope}",
                "follow_up_days": 30,
                "retention_years": 10,
            },
        )
    ops.update_studio(
        mediator,
        case.org_unit,
        {
            "name": "丹丹调解工作室",
            "committee_name": "回龙社区人民调解委员会",
            "number_prefix": "回调",
            "number_format": "{prefix}[{year}]{seq:04d}",
            "follow_up_days": 14,
            "retention_years": 30,
        },
    )
    assert studio.format_number(2026, 12) == "回调[2026]0012"


def test_an_agreement_states_facts_issues_and_terms(app, world, ctx):
    case, mediator = load(world, make_case(app, world, upto="session"))
    for missing in AGREEMENT_REQUIRED:
        data = {
            "form": "oral",
            "concluded_on": case.accepted_on,
            "facts": "事实",
            "issues": "争议",
            "terms": "协议内容",
            "oral_note": "口头协议记录",
        }
        data[missing] = ""
        with pytest.raises(DomainError) as error:
            ops.record_agreement(mediator, case, data)
        assert error.value.field == missing
    assert case.agreement is None and case.status == CaseStatus.in_mediation


def test_a_case_archived_on_29_february_is_kept_until_28_february():
    assert ops.add_years(date(2028, 2, 29), 10) == date(2038, 2, 28)
    assert ops.add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert ops.add_years(date(2026, 11, 29), 10) == date(2036, 11, 29)
