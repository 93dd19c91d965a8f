"""Every URL rule of the app against a table of expected responses per role.

A new route fails ``test_every_route_is_in_the_table`` until it gets a row here. Each row says which
roles get which status; roles not named get ``others`` (403 by default, or 404 for records they may
not know about), and anonymous visitors are sent to the login page (302) unless named.
"""

import pytest
from sqlalchemy import select

from app.core.models import Notification, User
from app.core.operations import notify
from app.extensions import db
from app.mediation.models import Case
from tests.conftest import ROLES
from tests.mediation.factories import make_case

LOGGED_IN = [r for r in ROLES if r != "anonymous"]


def rule(method="GET", ok=200, roles=LOGGED_IN, others=403, anonymous=302, data=None, **special):
    """Expected status per role for one endpoint."""
    expected = {role: (ok if role in roles else others) for role in LOGGED_IN}
    expected["anonymous"] = anonymous
    expected.update(special)
    return {"method": method, "expected": expected, "data": data or {}}


ADMIN = ["admin"]
STUDIO = ["admin", "mediator", "outsider"]


def case_rule(method="GET", ok=200):
    """A page of one case of community A: its studio's staff only; the outsider gets 404, the rest 403."""
    return rule(method, ok=ok, roles=["admin", "mediator"], outsider=404)
EVERYONE = dict(roles=LOGGED_IN, anonymous=200)


# Arguments for URL rules with variables, filled from the world fixture.
def url_args(world, ids):
    return {
        "case_id": ids["case"], "session_id": ids["session"], "follow_up_id": ids["follow_up"],
        "attachment_id": ids["attachment"],
        "parent_id": world.community_a, "unit_id": world.community_a, "grid_id": world.grid_a1,
        "building_id": world.building, "handling_unit_id": world.property_company,
        "user_id": world.users["volunteer"], "notification_id": ids["notification"],
    }


ACCESS = {
    "static": None,  # files, not pages
    "core.home": rule(**EVERYONE),
    "core.healthz": rule(**EVERYONE),
    "core.set_language": rule("POST", ok=302, roles=LOGGED_IN, anonymous=302, data={"lang": "zh_CN"}),
    "core.notifications": rule(),
    # the notification belongs to the mediator: nobody else learns it exists
    "core.open_notification": rule("POST", ok=302, roles=["mediator"], others=404),
    "core.read_all_notifications": rule("POST", ok=302),
    "auth.login": rule(ok=302, anonymous=200),
    "auth.logout": rule("POST", ok=302),
    "auth.account": rule(),
    "auth.change_password": rule(),
    "admin.index": rule(roles=ADMIN),
    "admin.units": rule(roles=ADMIN),
    "admin.new_unit": rule(roles=ADMIN),
    "admin.edit_unit": rule(roles=ADMIN),
    "admin.buildings": rule(roles=ADMIN),
    "admin.new_building": rule(roles=ADMIN),
    "admin.edit_building": rule(roles=ADMIN),
    "admin.handling_units": rule(roles=ADMIN),
    "admin.new_handling_unit": rule(roles=ADMIN),
    "admin.edit_handling_unit": rule(roles=ADMIN),
    "admin.users": rule(roles=ADMIN),
    "admin.new_user": rule(roles=ADMIN),
    "admin.edit_user": rule(roles=ADMIN),
    # an empty form comes back with its errors (200), changing nothing
    "admin.reset_password": rule("POST", roles=ADMIN),
    "admin.audit": rule(roles=ADMIN),
    "mediation.index": rule(roles=STUDIO),
    "mediation.new_case": rule(roles=STUDIO),
    "mediation.studio": rule(roles=STUDIO),
    "mediation.stats": rule(roles=STUDIO),
    "mediation.oral_agreements": rule(roles=STUDIO),
    "mediation.stats_xlsx": rule(roles=STUDIO),
    # the case belongs to community A: the outsider (a mediator of B) does not learn it exists
    "mediation.show": case_rule(),
    # the grid worker who reported the case sees its status, nobody else outside the studio
    "mediation.status": rule(roles=["admin", "mediator", "grid_worker"], others=404),
    "mediation.accept": case_rule(),
    "mediation.decline": case_rule(),
    "mediation.refer": case_rule(),
    "mediation.withdraw": case_rule(),
    "mediation.rights_notice": case_rule("POST"),  # the form comes back: the notice was given already
    "mediation.print_rights_notice": case_rule(),
    "mediation.extend": case_rule(),
    "mediation.new_session": case_rule(),
    "mediation.show_session": case_rule(),
    "mediation.add_helper": case_rule(),
    "mediation.recusal": case_rule(),
    "mediation.agreement": case_rule(),
    "mediation.print_agreement": case_rule(),
    "mediation.agreement_pdf": case_rule(),
    "mediation.confirmation": case_rule(),
    "mediation.end": case_rule(),
    "mediation.follow_up": case_rule(),
    "mediation.new_attachment": case_rule(),
    "mediation.attachment": case_rule(),
    "mediation.archive": case_rule("POST", ok=302),  # refused with a message: no follow-up yet
    "grid.index": rule(roles=["admin", "grid_worker", "handler", "outsider"]),
    "volunteers.index": rule(roles=["admin", "coordinator", "volunteer"]),
}

# Endpoints that end the session go last.
LAST = ["auth.logout"]


def test_every_route_is_in_the_table(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ACCESS))
    assert not missing, f"routes without a row in the access matrix: {missing}"
    stale = sorted(set(ACCESS) - endpoints)
    assert not stale, f"rows for routes that no longer exist: {stale}"


def url_for_rule(app, url_rule, args):
    with app.test_request_context():
        from flask import url_for

        values = {name: args[name] for name in url_rule.arguments}
        return url_for(url_rule.endpoint, **values)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, login_as, world, role):
    case_id = make_case(app, world, upto="agreement", referred_by_role="grid_worker")
    with app.app_context():
        mediator = db.session.get(User, world.users["mediator"])
        note = notify(mediator, "测试消息", "/notifications")
        db.session.commit()
        case = db.session.get(Case, case_id)
        ids = {"notification": note.id, "case": case.id, "session": case.sessions[0].id,
               "follow_up": case.follow_ups[0].id, "attachment": case.attachments[0].id}
    args = url_args(world, ids)
    login_as(role)
    rules = [r for r in app.url_map.iter_rules() if ACCESS.get(r.endpoint)]
    rules.sort(key=lambda r: r.endpoint in LAST)
    failures = []
    for url_rule in rules:
        spec = ACCESS[url_rule.endpoint]
        url = url_for_rule(app, url_rule, args)
        method = spec["method"]
        assert method in url_rule.methods, f"{url_rule.endpoint} does not accept {method}"
        response = client.open(url, method=method, data=spec["data"] if method == "POST" else None)
        want = spec["expected"][role]
        if response.status_code != want:
            failures.append(f"{method} {url} as {role}: {response.status_code}, expected {want}")
        if response.status_code == 302 and want == 302 and role == "anonymous" and url_rule.endpoint not in (
                "core.set_language",):
            assert response.headers["Location"].startswith("/login"), url
    assert not failures, "\n".join(failures)
    # nothing above changed what only the owner may change
    with app.app_context():
        if role not in ("mediator",):
            assert db.session.scalar(select(Notification.read_at).where(Notification.id == ids["notification"])) is None
