"""Every URL rule of the app against a table of expected responses, one test per (endpoint, role).

A new route fails ``test_every_route_is_in_the_table`` until it gets a row here. A row says what a GET
answers each role (on a case that reached its agreement), and, for every rule that accepts POST, what a
POST with data that would be valid for it answers each role at two stages of a case: just registered, and
with its agreement recorded. Roles not named get ``others`` (403 by default, or 404 for records they may not
know about); anonymous visitors are sent to the login page unless named.

Each POST also says whether it changes the database: a refused POST (403, 404, to the login page, or back to
the case with a message) must leave every row of every table as it was, and the case's version too.

The world and its two cases are built once through the real operations; every test starts from a copy of
their rows, put back in a few milliseconds, so that the hundreds of (endpoint, role) pairs stay fast.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from flask import url_for

from app.core.models import User
from app.core.operations import notify
from app.extensions import db
from app.mediation.models import Case
from tests.conftest import PASSWORD, ROLES, build_world, changed_tables, database_rows
from tests.mediation.factories import case_dates, make_case, png_bytes

LOGGED_IN = [r for r in ROLES if r != "anonymous"]
ADMIN = ["admin"]
STUDIO = ["admin", "mediator", "outsider", "colleague"]  # mediators and admins, each in their own area
CASE_STAFF = ["admin", "mediator"]  # the case's own mediator and the street's admin
FIRST_DECIDERS = ["admin", "mediator", "colleague"]  # any mediator of the studio, before acceptance
POST_STAGES = ("registered", "agreement")
LOGIN = "login"  # a redirect to the login page
MISSING = 10**6  # the id of a record that does not exist (a registered case has no visit yet)


@dataclass(frozen=True)
class Outcome:
    status: int | str  # an HTTP status, or LOGIN
    changes: bool | None  # whether the database changes; None: not checked

    @property
    def refused(self):
        return self.status in (403, 404, LOGIN)


def outcome(value, changes=None):
    """An Outcome from a status or a (status, changes) pair; a refusal changes nothing."""
    if isinstance(value, tuple):
        return Outcome(*value)
    return Outcome(value, False if value in (403, 404, LOGIN) else changes)


def answers(ok=200, roles=LOGGED_IN, others=403, anonymous=LOGIN, changes=None, **special):
    """Expected Outcome per role: ``ok`` for ``roles``, ``others`` for the other logged-in roles, ``anonymous``
    for visitors. ``changes`` is what ``ok`` does to the database; refusals change nothing. ``anonymous`` and
    ``special`` (a role's own answer) are a status or a (status, changes) pair."""
    table = {role: outcome(ok, changes) if role in roles else outcome(others) for role in LOGGED_IN}
    table["anonymous"] = outcome(anonymous, changes)
    table.update({role: outcome(value) for role, value in special.items()})
    return table


@dataclass
class Row:
    get: dict | None = None  # role -> Outcome of a GET on the agreement-stage case
    post: dict = field(default_factory=dict)  # stage -> role -> Outcome
    data: object = None  # (world, stage) -> form data of the POST


def page(**kwargs):
    return Row(get=answers(**kwargs))


def case_page(roles=("admin", "mediator", "colleague")):
    """A page of a case of community A: its studio's staff (the outsider, a mediator of B, gets 404)."""
    return Row(get=answers(roles=list(roles), outsider=404))


def case_action(data, registered, agreement, get=True):
    """A form that changes a case of community A, as (stage -> ok roles -> (status, changes))."""
    post = {}
    for stage, outcomes in (("registered", registered), ("agreement", agreement)):
        special = {role: outcomes.get(role, 403) for role in ("admin", "mediator", "colleague")}
        post[stage] = answers(roles=[], outsider=404, **special)
    return Row(get=answers(roles=CASE_STAFF, outsider=404) if get else None, post=post, data=data)


def same_at_both_stages(get, data, **kwargs):
    """A form that is not about a case: the same answers whatever the stage of the world's cases."""
    return Row(get=get, post={stage: answers(**kwargs) for stage in POST_STAGES}, data=data)


CHANGED = (302, True)
REFUSED_BY_STATE = (200, False)  # the form comes back with the reason, nothing is saved


# --- form data ---------------------------------------------------------------------------------------


def form_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def intake(world, stage):
    when = case_dates()
    return {
        "source": "party_application",
        "category": "neighbour",
        "risk_level": "low",
        "summary": "楼道堆物引发争吵",
        "registered_on": when.today.isoformat(),
        "grid_id": "0",
        "building_id": "0",
        "parties-0-role": "applicant",
        "parties-0-name": "赵大妈",
        "parties-0-phone": "13711112222",
        "parties-1-role": "respondent",
        "parties-1-name": "钱大爷",
    }


def user_form(world, name="孙志愿"):
    return {
        "name": name,
        "roles": "volunteer",
        "org_unit_id": str(world.grid_a2),
        "handling_unit_id": "0",
        "home_building_id": "0",
        "active": "y",
    }


def agreement_form(world, stage):
    when = case_dates()
    return {
        "form": "written",
        "concluded_on": when.agreement.isoformat(),
        "facts": "卫生间防水层老化导致漏水",
        "issues": "漏水责任与赔偿数额",
        "responsibilities": "被申请人承担主要责任",
        "terms": "被申请人修复防水层",
        "performance_method": "现金支付",
        "performance_place": "回龙社区调解室",
        "performance_deadline": when.performance_deadline.isoformat(),
        "version": world.cases[stage].agreement_version,
    }


DATA = {
    "core.set_language": lambda w, s: {"lang": "zh_CN"},
    "core.open_notification": lambda w, s: {},
    "core.read_all_notifications": lambda w, s: {},
    "auth.login": lambda w, s: {"phone": w.phones["mediator"], "password": PASSWORD},
    "auth.logout": lambda w, s: {},
    "auth.account": lambda w, s: {"name": "改过的名字", "locale": "zh_CN"},
    "auth.change_password": lambda w, s: {
        "current_password": PASSWORD,
        "new_password": "changed-pass-456",
        "confirm": "changed-pass-456",
    },
    "admin.new_unit": lambda w, s: {"kind": "grid", "name": "回龙第三网格", "code": "T-HL-3"},
    "admin.edit_unit": lambda w, s: {"kind": "community", "name": "回龙新社区", "code": "T-HL"},
    "admin.new_building": lambda w, s: {"name": "5幢", "entrances": "2", "households": "24"},
    "admin.edit_building": lambda w, s: {"name": "3幢", "entrances": "3", "households": "50"},
    "admin.new_handling_unit": lambda w, s: {
        "name": "清溪物业",
        "kind": "property_company",
        "org_unit_id": str(w.community_a),
        "active": "y",
    },
    "admin.edit_handling_unit": lambda w, s: {
        "name": "安居物业公司",
        "kind": "property_company",
        "org_unit_id": str(w.community_a),
        "active": "y",
    },
    "admin.new_user": lambda w, s: dict(user_form(w, "新志愿者"), phone="13900000099", password="linli-pass-2026"),
    "admin.edit_user": lambda w, s: user_form(w, "孙志愿者"),
    "admin.reset_password": lambda w, s: {"new_password": "linli-reset-2026", "confirm": "linli-reset-2026"},
    "mediation.new_case": intake,
    "mediation.studio": lambda w, s: {
        "name": "调解工作室",
        "committee_name": "人民调解委员会",
        "number_prefix": "调",
        "number_format": "{prefix}〔{year}〕第{seq:03d}号",
        "follow_up_days": "14",
        "retention_years": "10",
    },
    "mediation.accept": lambda w, s: {
        "presiding_mediator_id": str(w.users["mediator"]),
        "accepted_on": case_dates().today.isoformat(),
    },
    "mediation.decline": lambda w, s: {"reason": "属于法院已受理的纠纷"},
    "mediation.refer": lambda w, s: {"referred_to": "舞阳派出所", "note": "涉及治安案件"},
    "mediation.withdraw": lambda w, s: {"reason": "双方已自行和解"},
    "mediation.rights_notice": lambda w, s: {"given_on": case_dates().today.isoformat()},
    "mediation.extend": lambda w, s: {
        "until": (case_dates().today + timedelta(days=40)).isoformat(),
        "reason": "需等待维修报价",
        "both_consent": "y",
    },
    "mediation.new_session": lambda w, s: {
        "started_at": form_time(datetime.combine(case_dates().today - timedelta(days=1), time(9, 30))),
        "place": "回龙社区调解室",
        "is_open": "y",
        "attendees": "张建华、李秀兰",
        "applicant_statement": "漏水未修",
        "respondent_statement": "愿意修复",
        "outcome": "约定下周再谈",
        "recorder": "王调解",
    },
    "mediation.add_helper": lambda w, s: {
        "kind": "legal_adviser",
        "user_id": "0",
        "name": "周律师",
        "organisation": "清溪律师事务所",
    },
    "mediation.recusal": lambda w, s: {
        "mediator_id": str(w.users["mediator"]),
        "replacement_id": str(w.users["colleague"]),
        "requested_by": "张建华",
        "reason": "调解员与被申请人是亲戚",
    },
    "mediation.agreement": agreement_form,
    "mediation.confirmation": lambda w, s: {
        "applied_on": case_dates().confirmation_applied.isoformat(),
        "court": "清溪县人民法院",
        "result": "pending",
        "version": w.cases[s].agreement_version,
    },
    "mediation.end": lambda w, s: {"reason": "被申请人拒绝继续调解", "other_routes": "可向人民法院起诉"},
    "mediation.follow_up": lambda w, s: {
        "done_on": case_dates().visited.isoformat(),
        "method": "doorstep",
        "performance": "performed",
        "applicant_satisfaction": "satisfied",
        "respondent_satisfaction": "basically_satisfied",
        "note": "已修复",
    },
    "mediation.new_attachment": lambda w, s: {
        "kind": "photo",
        "title": "漏水照片",
        "file": (io.BytesIO(png_bytes()), "leak.png"),
    },
    "mediation.archive": lambda w, s: {},
}

EVERYONE = dict(roles=LOGGED_IN, anonymous=200)

ACCESS = {
    "static": None,  # files, not pages
    "core.home": page(**EVERYONE),
    "core.healthz": page(**EVERYONE),
    # the language is kept in the session, and for a user who is logged in also on their account
    "core.set_language": same_at_both_stages(None, DATA["core.set_language"], ok=302, anonymous=302, changes=None),
    "core.notifications": page(),
    # the notification belongs to the mediator: nobody else learns it exists
    "core.open_notification": same_at_both_stages(
        None, DATA["core.open_notification"], ok=302, roles=["mediator"], others=404, changes=True
    ),
    "core.read_all_notifications": same_at_both_stages(None, DATA["core.read_all_notifications"], ok=302, changes=None),
    # a visitor logs in (the login is recorded); a user who is logged in already is sent home
    "auth.login": same_at_both_stages(
        answers(ok=302, anonymous=200), DATA["auth.login"], ok=302, changes=False, anonymous=CHANGED
    ),
    "auth.logout": same_at_both_stages(None, DATA["auth.logout"], ok=302, changes=None),
    "auth.account": same_at_both_stages(page().get, DATA["auth.account"], ok=302, changes=True),
    "auth.change_password": same_at_both_stages(page().get, DATA["auth.change_password"], ok=302, changes=True),
    "admin.index": page(roles=ADMIN),
    "admin.units": page(roles=ADMIN),
    "admin.new_unit": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.new_unit"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.edit_unit": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.edit_unit"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.buildings": page(roles=ADMIN),
    "admin.new_building": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.new_building"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.edit_building": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.edit_building"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.handling_units": page(roles=ADMIN),
    "admin.new_handling_unit": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.new_handling_unit"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.edit_handling_unit": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.edit_handling_unit"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.users": page(roles=ADMIN),
    "admin.new_user": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.new_user"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.edit_user": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.edit_user"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.reset_password": same_at_both_stages(None, DATA["admin.reset_password"], ok=302, roles=ADMIN, changes=True),
    "admin.audit": page(roles=ADMIN),
    "mediation.index": page(roles=STUDIO),
    # each registers a case in their own community (the outsider in B)
    "mediation.new_case": same_at_both_stages(
        page(roles=STUDIO).get, DATA["mediation.new_case"], ok=302, roles=STUDIO, changes=True
    ),
    "mediation.studio": same_at_both_stages(
        page(roles=STUDIO).get, DATA["mediation.studio"], ok=302, roles=STUDIO, changes=True
    ),
    "mediation.stats": page(roles=STUDIO),
    "mediation.oral_agreements": page(roles=STUDIO),
    "mediation.stats_xlsx": page(roles=STUDIO),
    # the case belongs to community A: the outsider (a mediator of B) does not learn it exists; a colleague
    # (another mediator of A, not on the case) sees it with masked numbers
    "mediation.show": case_page(),
    # the grid worker who reported the case sees its status, nobody else outside the studio
    "mediation.status": page(roles=["admin", "mediator", "colleague", "grid_worker"], others=404),
    # first decisions: any mediator of the studio while the case is registered, then only its own
    "mediation.accept": case_action(
        DATA["mediation.accept"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.decline": case_action(
        DATA["mediation.decline"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.refer": case_action(
        DATA["mediation.refer"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.withdraw": case_action(
        DATA["mediation.withdraw"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    # everything else: the case's own mediators and admins; the state may still refuse it
    "mediation.rights_notice": case_action(
        DATA["mediation.rights_notice"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        get=False,
    ),
    "mediation.print_rights_notice": case_page(),
    "mediation.extend": case_action(
        DATA["mediation.extend"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.new_session": case_action(
        DATA["mediation.new_session"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.show_session": case_page(),
    "mediation.add_helper": case_action(
        DATA["mediation.add_helper"], {"admin": CHANGED, "mediator": CHANGED}, {"admin": CHANGED, "mediator": CHANGED}
    ),
    "mediation.recusal": case_action(
        DATA["mediation.recusal"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    # recorded only after a session; corrected until the follow-up visit
    "mediation.agreement": case_action(
        DATA["mediation.agreement"],
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": CHANGED, "mediator": CHANGED},
    ),
    "mediation.print_agreement": case_page(),
    "mediation.agreement_pdf": case_page(),
    # without an agreement there is nothing to confirm (403 before the form)
    "mediation.confirmation": case_action(
        DATA["mediation.confirmation"], {"admin": 403, "mediator": 403}, {"admin": CHANGED, "mediator": CHANGED}
    ),
    "mediation.end": case_action(
        DATA["mediation.end"],  # only while the case is in mediation
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    # a registered case has no visit to record (404)
    "mediation.follow_up": case_action(
        DATA["mediation.follow_up"], {"admin": 404, "mediator": 404}, {"admin": CHANGED, "mediator": CHANGED}
    ),
    "mediation.new_attachment": case_action(
        DATA["mediation.new_attachment"],
        {"admin": CHANGED, "mediator": CHANGED},
        {"admin": CHANGED, "mediator": CHANGED},
    ),
    "mediation.attachment": case_page(),
    # refused with a message on the case page: not decided yet, no follow-up yet
    "mediation.archive": case_action(
        DATA["mediation.archive"],
        {"admin": (302, False), "mediator": (302, False)},
        {"admin": (302, False), "mediator": (302, False)},
        get=False,
    ),
    "grid.index": page(roles=["admin", "grid_worker", "handler", "outsider"]),
    "volunteers.index": page(roles=["admin", "coordinator", "volunteer"]),
}

PAIRS = [
    pytest.param(endpoint, role, id=f"{endpoint}-{role}") for endpoint, row in ACCESS.items() if row for role in ROLES
]


def test_every_route_is_in_the_table(app):
    rules = list(app.url_map.iter_rules())
    endpoints = {r.endpoint for r in rules}
    missing = sorted(endpoints - set(ACCESS))
    assert not missing, f"routes without a row in the access matrix: {missing}"
    stale = sorted(set(ACCESS) - endpoints)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for url_rule in rules:
        row = ACCESS[url_rule.endpoint]
        if row is None:
            continue
        assert ("GET" in url_rule.methods) == (row.get is not None), f"{url_rule.endpoint}: GET row"
        # every write endpoint is tried with a POST, at both stages
        assert ("POST" in url_rule.methods) == bool(row.post), f"{url_rule.endpoint}: POST row"
        assert not row.post or (set(row.post) == set(POST_STAGES) and row.data is not None), url_rule.endpoint
    for endpoint, row in ACCESS.items():
        tables = ([row.get] if row and row.get else []) + (list(row.post.values()) if row else [])
        assert all(set(outcomes) == set(ROLES) for outcomes in tables), f"{endpoint}: a role without an answer"


# --- the world, built once and put back before each test ---------------------------------------------


def empty_tables():
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def put_back(rows):
    """Empty every table and insert the saved rows again, with their ids."""
    db.session.remove()
    empty_tables()
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), [row._asdict() for row in rows[table.name]])


def build(app, password_hash):
    """The conftest world, a case at each of POST_STAGES (reported by the grid worker) and a notification
    for the mediator; returns their ids."""
    with app.app_context():
        world = build_world(password_hash)
        db.session.remove()
    world.cases = {}
    for stage in POST_STAGES:
        case_id = make_case(app, world, upto=stage, referred_by_role="grid_worker")
        with app.app_context():
            case = db.session.get(Case, case_id)
            world.cases[stage] = SimpleNamespace(
                id=case.id,
                session=case.sessions[0].id if case.sessions else MISSING,
                follow_up=case.follow_ups[0].id if case.follow_ups else MISSING,
                attachment=case.attachments[0].id if case.attachments else MISSING,
                agreement_version=str(case.agreement.version) if case.agreement else "",
            )
    with app.app_context():
        note = notify(db.session.get(User, world.users["mediator"]), "测试消息", "/notifications")
        db.session.commit()
        world.notification = note.id
        db.session.remove()
    return world


@pytest.fixture(scope="module")
def saved():
    """The world's ids and rows, once per run of this module (the schema is the same throughout)."""
    return {}


@pytest.fixture
def world(app, password_hash, saved):
    """Overrides the conftest world: the same people and places, plus the cases of POST_STAGES."""
    with app.app_context():
        if not saved:
            db.session.remove()
            empty_tables()
            saved["world"] = build(app, password_hash)
            saved["rows"] = database_rows()
        else:
            put_back(saved["rows"])
    return saved["world"]


def url_args(world, stage):
    case = world.cases[stage]
    return {
        "case_id": case.id,
        "session_id": case.session,
        "follow_up_id": case.follow_up,
        "attachment_id": case.attachment,
        "parent_id": world.community_a,
        "unit_id": world.community_a,
        "grid_id": world.grid_a1,
        "building_id": world.building,
        "handling_unit_id": world.property_company,
        "user_id": world.users["volunteer"],
        "notification_id": world.notification,
    }


def url_of(app, endpoint, args):
    (url_rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    with app.test_request_context():
        return url_for(endpoint, **{name: args[name] for name in url_rule.arguments})


def check_status(response, want, what):
    if want == LOGIN:
        location = response.headers.get("Location", "")
        assert response.status_code == 302 and location.startswith("/login"), (
            f"{what}: {response.status_code} {location}, expected the login page"
        )
    else:
        assert response.status_code == want, f"{what}: {response.status_code}, expected {want}"


def case_version(rows, case_id):
    return next(row.version for row in rows["mediation_cases"] if row.id == case_id)


@pytest.mark.parametrize(("endpoint", "role"), PAIRS)
def test_access(app, client, login_as, world, saved, endpoint, role):
    row = ACCESS[endpoint]
    if row.get:
        login_as(role)
        response = client.get(url_of(app, endpoint, url_args(world, "agreement")))
        check_status(response, row.get[role].status, f"GET {endpoint} as {role}")
    for number, stage in enumerate(row.post):
        if row.get or number:  # start from the saved rows again
            with app.app_context():
                put_back(saved["rows"])
        login_as(role)
        with app.app_context():
            before = database_rows()
        want = row.post[stage][role]
        url = url_of(app, endpoint, url_args(world, stage))
        response = client.post(url, data=row.data(world, stage))
        what = f"POST {url} ({endpoint}, case {stage}) as {role}"
        check_status(response, want.status, what)
        with app.app_context():
            after = database_rows()
        changed = changed_tables(before, after)
        case_id = world.cases[stage].id
        if want.refused or want.changes is False:
            assert not changed, f"{what} changed the tables (rows before, after): {changed}"
            assert case_version(after, case_id) == case_version(before, case_id)
        elif want.changes:
            assert changed, f"{what} changed nothing"
