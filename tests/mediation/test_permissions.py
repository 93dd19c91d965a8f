"""What a colleague may do: a second mediator of the same studio (community A) who is not on the case.

The colleague sees the studio's cases, with the parties' phone and ID numbers masked, and may make the first
decisions on a case nobody has accepted yet (accept, decline, refer out, as the studio's duty roster goes).
Once a mediator presides, the case is theirs: the colleague may change nothing on it. Each refusal is tried
next to the case's own mediator doing the very same thing with the same data, which succeeds, so a refusal
here is about the person and never about the state of the case or the data sent.
"""

import inspect
import io
import re
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest

from app.core.models import User
from app.extensions import db
from app.mediation.models import Case, CaseStatus
from tests.conftest import changed_tables, database_rows
from tests.mediation.factories import STAGES, case_dates, leak_parties, make_case, png_bytes

PRIVATE_NUMBERS = [number for party in leak_parties() for number in (party["phone"], party["id_number"])]
MASKED_NUMBERS = ["139****5678", "1101************2X"]

# the rules that let a colleague read a case; the first decisions, which they may make before acceptance
READ_RULES = {"can_view", "can_view_status"}
FIRST_DECISIONS = {"can_manage", "can_accept", "can_decline", "can_refer", "can_withdraw"}


def case_rules():
    """Every can_<verb> rule of a case: a new one is covered here the day it is written."""
    return sorted(name for name, member in inspect.getmembers(Case) if name.startswith("can_") and callable(member))


def answers_of(case, name, user):
    """What the rule answers ``user``: with the state, and without it where the rule takes check_state."""
    rule = getattr(case, name)
    answers = {rule(user)}
    if "check_state" in inspect.signature(rule).parameters:
        answers.add(rule(user, check_state=False))
    return answers


def load(world, case_id):
    case = db.session.get(Case, case_id)
    return case, db.session.get(User, world.users["colleague"]), db.session.get(User, world.users["mediator"])


# --- the rules, without HTTP -------------------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_a_colleague_reads_the_case_but_not_the_private_numbers(app, world, stage):
    case_id = make_case(app, world, upto=stage)
    with app.app_context():
        case, colleague, mediator = load(world, case_id)
        assert not case.is_case_mediator(colleague)
        assert case.can_view(colleague) and case.can_view_status(colleague)
        assert not case.can_see_private(colleague)
        assert case.can_see_private(mediator)  # the case's own mediator does


@pytest.mark.parametrize("stage", STAGES)
def test_a_colleague_may_change_nothing_once_the_case_is_accepted(app, world, stage):
    case_id = make_case(app, world, upto=stage)
    with app.app_context():
        case, colleague, mediator = load(world, case_id)
        registered = stage == "registered"
        assert not case.can_edit(colleague)
        assert case.can_manage(colleague) == registered
        assert case.can_edit(mediator) == (stage != "archived")  # the presiding mediator may
        allowed = {name for name in case_rules() if True in answers_of(case, name, colleague)}
        assert allowed == READ_RULES | (FIRST_DECISIONS if registered else set()), (
            "a rule lets a colleague who is not on the case act on it; if that is meant, say so in READ_RULES"
        )


def test_before_acceptance_the_first_decisions_are_any_studio_mediators(app, world):
    case_id = make_case(app, world, upto="registered")
    with app.app_context():
        case, colleague, _ = load(world, case_id)
        outsider = db.session.get(User, world.users["outsider"])  # a mediator of community B
        for name in sorted(FIRST_DECISIONS):
            assert answers_of(case, name, colleague) == {True}, name
            assert answers_of(case, name, outsider) == {False}, name


# --- over HTTP -----------------------------------------------------------------------------------------


def test_a_colleague_sees_the_case_pages_with_masked_numbers(app, client, login_as, world):
    case_id = make_case(app, world, upto="agreement")
    with app.app_context():
        session_id = db.session.get(Case, case_id).sessions[0].id
    pages = [
        f"/mediation/cases/{case_id}",
        "/mediation/",
        f"/mediation/cases/{case_id}/agreement/print",
        f"/mediation/cases/{case_id}/rights-notice/print",
        f"/mediation/cases/{case_id}/sessions/{session_id}",
    ]
    login_as("colleague")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        for number in PRIVATE_NUMBERS:
            assert number not in html, f"{url} shows {number} to a mediator who is not on the case"
    html = client.get(pages[0]).get_data(as_text=True)
    assert "张建华" in html and all(masked in html for masked in MASKED_NUMBERS)
    # the case's own mediator sees them in full on the same page
    login_as("mediator")
    html = client.get(pages[0]).get_data(as_text=True)
    assert all(number in html for number in PRIVATE_NUMBERS)


def session_form():
    return {
        "started_at": datetime.combine(case_dates().today - timedelta(days=1), time(9, 30)).strftime("%Y-%m-%dT%H:%M"),
        "place": "回龙社区调解室",
        "is_open": "y",
        "attendees": "张建华、李秀兰",
        "applicant_statement": "漏水未修",
        "respondent_statement": "愿意修复",
        "outcome": "约定下周再谈",
        "recorder": "王调解",
    }


def agreement_form(ids):
    when = case_dates()
    return {
        "form": "written",
        "concluded_on": when.today.isoformat(),
        "facts": "卫生间防水层老化导致漏水",
        "issues": "漏水责任与赔偿数额",
        "terms": "被申请人修复防水层并赔偿3000元",
        "performance_deadline": (when.today + timedelta(days=14)).isoformat(),
        "version": ids.agreement_version,
    }


# (what, stage at which the case's mediator may do it, path under the case, form data from the case's ids)
ACTIONS = [
    ("rights_notice", "accepted", "rights-notice", lambda w, ids: {"given_on": case_dates().today.isoformat()}),
    ("session", "rights", "sessions/new", lambda w, ids: session_form()),
    (
        "extend",
        "rights",
        "extend",
        lambda w, ids: {
            "until": (case_dates().today + timedelta(days=40)).isoformat(),
            "reason": "需等待维修报价",
            "both_consent": "y",
        },
    ),
    (
        "recusal",
        "session",
        "recusal",
        lambda w, ids: {
            "mediator_id": str(w.users["mediator"]),
            "replacement_id": str(w.users["colleague"]),
            "requested_by": "张建华",
            "reason": "调解员与被申请人是亲戚",
        },
    ),
    (
        "helper",
        "session",
        "helpers/new",
        lambda w, ids: {"kind": "legal_adviser", "user_id": "0", "name": "周律师", "organisation": "清溪律师事务所"},
    ),
    ("agreement", "session", "agreement", lambda w, ids: agreement_form(ids)),
    ("agreement_correction", "agreement", "agreement", lambda w, ids: agreement_form(ids)),
    (
        "confirmation",
        "agreement",
        "confirmation",
        lambda w, ids: {
            "applied_on": case_dates().confirmation_applied.isoformat(),
            "court": "清溪县人民法院",
            "result": "pending",
            "version": ids.agreement_version,
        },
    ),
    ("end", "session", "end", lambda w, ids: {"reason": "被申请人拒绝继续调解", "other_routes": "可向人民法院起诉"}),
    (
        "follow_up",
        "agreement",
        "follow-ups/{follow_up}",
        lambda w, ids: {
            "done_on": case_dates().visited.isoformat(),
            "method": "doorstep",
            "performance": "performed",
            "applicant_satisfaction": "satisfied",
            "respondent_satisfaction": "basically_satisfied",
        },
    ),
    (
        "attachment",
        "session",
        "attachments/new",
        lambda w, ids: {"kind": "photo", "title": "漏水照片", "file": (io.BytesIO(png_bytes()), "leak.png")},
    ),
    ("archive", "followed_up", "archive", lambda w, ids: {}),
    # after acceptance the first decisions are the case's own mediators' too
    ("refer", "accepted", "refer", lambda w, ids: {"referred_to": "舞阳派出所", "note": "涉及治安案件"}),
    ("withdraw", "session", "withdraw", lambda w, ids: {"reason": "双方已自行和解"}),
]


def case_ids(app, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        return SimpleNamespace(
            id=case.id,
            follow_up=case.follow_ups[0].id if case.follow_ups else None,
            agreement_version=str(case.agreement.version) if case.agreement else "",
        )


def error_flashes(client):
    """The error messages waiting for the next page (taken, as that page would)."""
    with client.session_transaction() as sess:
        return [message for category, message in sess.pop("_flashes", []) if category == "error"]


def refused(response, client, case_id):
    """403, or back to the case page with an error message."""
    if response.status_code == 403:
        return True
    return (
        response.status_code == 302
        and response.headers["Location"].endswith(f"/mediation/cases/{case_id}")
        and bool(error_flashes(client))
    )


@pytest.mark.parametrize(("what", "stage", "path", "data"), [pytest.param(*action, id=action[0]) for action in ACTIONS])
def test_a_colleague_is_refused_what_the_presiding_mediator_may_do(
    app, client, login_as, world, what, stage, path, data
):
    case_id = make_case(app, world, upto=stage)
    ids = case_ids(app, case_id)
    url = f"/mediation/cases/{case_id}/" + path.format(follow_up=ids.follow_up)
    login_as("colleague")
    with app.app_context():
        before = database_rows()
    response = client.post(url, data=data(world, ids))
    assert refused(response, client, case_id), f"a colleague's {what}: {response.status_code}"
    with app.app_context():
        assert not changed_tables(before, database_rows()), f"a colleague's refused {what} changed the database"
    # the same request of the presiding mediator goes through
    login_as("mediator")
    with app.app_context():
        before = database_rows()
    response = client.post(url, data=data(world, ids))
    assert response.status_code == 302 and not error_flashes(client), f"the mediator's {what} was refused"
    with app.app_context():
        assert changed_tables(before, database_rows()), f"the mediator's {what} changed nothing"


@pytest.mark.parametrize("what", ["accept", "decline", "refer", "withdraw"])
def test_a_colleague_makes_the_first_decisions_until_the_case_is_accepted(app, client, login_as, world, what):
    data = {
        "accept": {
            "presiding_mediator_id": str(world.users["colleague"]),
            "accepted_on": case_dates().today.isoformat(),
        },
        "decline": {"reason": "属于法院已受理的纠纷"},
        "refer": {"referred_to": "舞阳派出所"},
        "withdraw": {"reason": "双方已自行和解"},
    }[what]
    final = {
        "accept": CaseStatus.accepted,
        "decline": CaseStatus.declined,
        "refer": CaseStatus.referred,
        "withdraw": CaseStatus.withdrawn,
    }[what]
    accepted = make_case(app, world, upto="accepted")
    registered = make_case(app, world, upto="registered")
    login_as("colleague")
    # accepted: the case is its presiding mediator's
    with app.app_context():
        before = database_rows()
    response = client.post(f"/mediation/cases/{accepted}/{what}", data=data)
    assert refused(response, client, accepted), response.status_code
    with app.app_context():
        assert not changed_tables(before, database_rows())
    # registered: any mediator of the studio
    response = client.post(f"/mediation/cases/{registered}/{what}", data=data)
    assert response.status_code == 302 and not error_flashes(client)
    with app.app_context():
        assert db.session.get(Case, registered).status == final


def test_a_colleague_does_not_see_the_case_actions_once_it_is_accepted(app, client, login_as, world):
    case_id = make_case(app, world, upto="session")
    actions = {
        "sessions/new",
        "extend",
        "recusal",
        "helpers/new",
        "agreement",
        "end",
        "attachments/new",
        "archive",
        "withdraw",
        "refer",
        "accept",
        "decline",
    }

    def links_for(role):
        login_as(role)
        html = client.get(f"/mediation/cases/{case_id}").get_data(as_text=True)
        return set(re.findall(rf'/mediation/cases/{case_id}/([a-z-]+(?:/new)?)"', html)) & actions

    assert links_for("mediator")  # the presiding mediator has buttons
    assert links_for("colleague") == set()
