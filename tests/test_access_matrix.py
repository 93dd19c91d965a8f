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
from tests.conftest import ROLES

LOGGED_IN = [r for r in ROLES if r != "anonymous"]


def rule(method="GET", ok=200, roles=LOGGED_IN, others=403, anonymous=302, data=None, **special):
    """Expected status per role for one endpoint."""
    expected = {role: (ok if role in roles else others) for role in LOGGED_IN}
    expected["anonymous"] = anonymous
    expected.update(special)
    return {"method": method, "expected": expected, "data": data or {}}


ADMIN = ["admin"]
EVERYONE = dict(roles=LOGGED_IN, anonymous=200)


# Arguments for URL rules with variables, filled from the world fixture.
def url_args(world, ids):
    return {
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
    "mediation.index": rule(roles=["admin", "mediator", "outsider"]),
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
    with app.app_context():
        mediator = db.session.get(User, world.users["mediator"])
        note = notify(mediator, "测试消息", "/notifications")
        db.session.commit()
        ids = {"notification": note.id}
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
