"""Who may do what to a work order in which state (can_<verb>), the "close but not allowed" people, CSRF on
every form, the templates asking the rules rather than comparing statuses, and the database refusing a row
whose state lacks what it needs."""

import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.core.models import User
from app.extensions import db
from app.grid.models import WorkOrder
from tests.conftest import page_text
from tests.grid.factories import STAGES, make_order, order_state

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates" / "grid"
VERBS = ["dispatch", "settle", "sign", "return", "start", "reply", "verify", "close", "supervise"]

# (role, stage) -> what the role may do now (with the state)
EXPECTED = {
    "reported": {"admin": {"dispatch"}, "grid_worker": {"settle"}, "handler": set()},
    "dispatched": {"admin": set(), "grid_worker": set(), "handler": {"sign", "return"}},
    "signed": {"admin": set(), "grid_worker": set(), "handler": {"start", "reply"}},
    "in_progress": {"admin": set(), "grid_worker": set(), "handler": {"reply"}},
    "replied": {"admin": {"verify"}, "grid_worker": set(), "handler": set()},
    "reopened": {"admin": set(), "grid_worker": set(), "handler": {"reply"}},
    "verified": {"admin": {"close"}, "grid_worker": set(), "handler": set()},
    "closed": {"admin": set(), "grid_worker": set(), "handler": set()},
    "overdue": {"admin": {"supervise"}, "grid_worker": set(), "handler": {"start", "reply"}},
}


@pytest.mark.parametrize("stage", list(EXPECTED))
def test_what_each_role_may_do_at_each_stage(app, world, stage):
    order_id = make_order(app, world, upto=stage)
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        for role, expected in EXPECTED[stage].items():
            user = db.session.get(User, world.users[role])
            allowed = {verb for verb in VERBS if getattr(order, f"can_{verb}")(user)}
            assert allowed == expected, (role, stage)


@pytest.mark.parametrize("role", ["other_handler", "other_worker", "outsider", "mediator", "volunteer", "coordinator"])
def test_close_but_not_allowed(app, client, login_as, neighbours, role):
    """A handler of another unit and a grid worker of another grid of the same community (and everyone else
    who is not staff, the unit or the grid) may do nothing to the order, nor see it."""
    world = neighbours
    orders = {stage: make_order(app, world, upto=stage) for stage in ("reported", "dispatched", "signed", "replied")}
    with app.app_context():
        user = db.session.get(User, world.users[role])
        for order_id in orders.values():
            order = db.session.get(WorkOrder, order_id)
            assert not order.can_view(user)
            assert not any(getattr(order, f"can_{verb}")(user, check_state=False) for verb in VERBS)
    login_as(role)
    before = {stage: order_state(app, order_id) for stage, order_id in orders.items()}
    for order_id in orders.values():
        assert client.get(f"/grid/orders/{order_id}").status_code in (403, 404)
        for action in ("sign", "start", "close"):
            assert client.post(f"/grid/orders/{order_id}/{action}").status_code in (403, 404)
        for action, data in (("return", {"reason": "x"}), ("verify", {"satisfaction": "satisfied", "method": "phone"})):
            assert client.post(f"/grid/orders/{order_id}/{action}", data=data).status_code in (403, 404)
    assert {stage: order_state(app, order_id) for stage, order_id in orders.items()} == before
    # and their lists do not show it
    text_ = page_text(client.get("/grid/")) if role in ("other_handler", "other_worker", "outsider") else ""
    with app.app_context():
        assert all(db.session.get(WorkOrder, i).number not in text_ for i in orders.values())


def test_the_grid_worker_of_another_grid_cannot_report_there(app, client, login_as, neighbours):
    from tests.grid.factories import category_id, jpeg_bytes

    world = neighbours
    category = category_id(app, world)
    login_as("other_worker")  # grid A2; the building is in A1
    import io

    response = client.post(
        "/grid/report",
        data={
            "photos": (io.BytesIO(jpeg_bytes()), "x.jpg"),
            "category_id": str(category),
            "description": "伪造的网格",
            "building_id": str(world.building),
        },
    )
    assert response.status_code == 200 and "只能上报本网格内的事件" in page_text(response)
    with app.app_context():
        assert db.session.query(WorkOrder).count() == 0


def test_every_grid_form_needs_its_csrf_token(app, client, login_as, world):
    order_id = make_order(app, world)
    before = order_state(app, order_id)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("grid.") and "POST" in r.methods]
    assert len(rules) >= 12
    for role in ("admin", "grid_worker", "handler"):
        login_as(role)
        for rule in rules:
            ids = {"order_id": order_id, "category_id": 1, "key_id": 1}
            url = app.url_map.bind("localhost").build(rule.endpoint, ids)
            response = client.post(url, data={"reason": "x", "note": "x", "result": "x"}, csrf=False)
            # a form page comes back with what was typed and a request to send it again, to whoever may see it
            # (app.core.csrf)
            assert response.status_code in (200, 400, 403, 404), (role, url, response.status_code)
    assert order_state(app, order_id) == before


def test_no_grid_template_compares_a_status_or_kind_with_a_string():
    pattern = re.compile(r"""\.(status|kind|level|source|satisfaction)\s*(==|!=|in|not in)\s*[\('"]""")
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) or re.search(r"allows\(\s*['\"]", line)
    ]
    assert offenders == []


def test_the_order_page_shows_the_buttons_the_rules_allow(app, client, login_as, world):
    order_id = make_order(app, world, upto="dispatched")
    login_as("handler")
    html = client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert f"/grid/orders/{order_id}/sign" in html and f"/grid/orders/{order_id}/return" in html
    assert f"/grid/orders/{order_id}/reply" not in html and f"/grid/orders/{order_id}/start" not in html
    login_as("admin")
    html = client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert not any(f"/grid/orders/{order_id}/{verb}" in html for verb in ("dispatch", "sign", "verify", "close"))


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ("status = 'dispatched'", "with_unit_has_deadlines"),
        (
            "status = 'closed', result = 'x', satisfaction = 'satisfied', verification_method = 'phone'",
            "closed_has_time",
        ),
        ("closed_at = created_at_placeholder", "closed_has_time"),
        ("latitude = 30.1", "position_pair"),
        ("latitude = 95, longitude = 10", "position_range"),
        ("status = 'verified', result = 'x', replied_at = reported_at", "verified_has_check"),
        ("supervision_count = -1", "counts"),
    ],
)
def test_the_database_refuses_a_state_without_its_columns(app, world, change, constraint):
    order_id = make_order(app, world)
    change = change.replace("created_at_placeholder", "reported_at")
    with app.app_context():
        with pytest.raises(IntegrityError, match=constraint):
            db.session.execute(text(f"UPDATE grid_orders SET {change} WHERE id = :id"), {"id": order_id})  # noqa: S608
        db.session.rollback()


def test_stages_are_all_built(app, world):
    for stage in STAGES:
        assert make_order(app, world, upto=stage)
