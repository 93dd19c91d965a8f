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

import importlib
from types import SimpleNamespace

import pytest
from flask import url_for

from app.core.models import User
from app.core.operations import notify
from app.extensions import db
from app.mediation.models import Case
from tests.access_support import (
    ADMIN,
    CHANGED,
    LOGGED_IN,
    LOGIN,
    MISSING,
    POST_STAGES,
    answers,
    page,
    same_at_both_stages,
    user_form,
)
from tests.conftest import PASSWORD, ROLES, build_world, changed_tables, database_rows, empty_tables, put_back
from tests.mediation.factories import make_case

DATA = {
    "core.set_language": lambda w, s: {"lang": "zh_CN"},
    "admin.users": lambda w, s: {"q": "1390000"},
    "admin.audit": lambda w, s: {"actor": "13900000002"},
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
    # searches are posted and kept in the session (app.core.searches): the database does not change
    "admin.users": same_at_both_stages(page(roles=ADMIN).get, DATA["admin.users"], ok=302, roles=ADMIN, changes=False),
    "admin.new_user": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.new_user"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.edit_user": same_at_both_stages(
        page(roles=ADMIN).get, DATA["admin.edit_user"], ok=302, roles=ADMIN, changes=True
    ),
    "admin.reset_password": same_at_both_stages(None, DATA["admin.reset_password"], ok=302, roles=ADMIN, changes=True),
    "admin.audit": same_at_both_stages(page(roles=ADMIN).get, DATA["admin.audit"], ok=302, roles=ADMIN, changes=False),
}

# each feature brings its own rows (tests/<feature>/access.py), as it brings its pages (app.core.registry)
FEATURES = ("mediation", "grid", "volunteers")
# and may add records of its own to the world (``build(app, world)``) and ids to the URLs (``url_args(world, stage)``)
BUILDERS, URL_ARGS = [], []
for _feature in FEATURES:
    _module = importlib.import_module(f"tests.{_feature}.access")
    DATA.update(getattr(_module, "DATA", {}))
    ACCESS.update(_module.ROWS)
    if hasattr(_module, "build"):
        BUILDERS.append(_module.build)
    if hasattr(_module, "url_args"):
        URL_ARGS.append(_module.url_args)

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
    for builder in BUILDERS:
        builder(app, world)
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
    features = {}
    for extra in URL_ARGS:
        features.update(extra(world, stage))
    return features | {
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
