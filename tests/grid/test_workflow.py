"""The closed loop of a work order through HTTP, as the people who do it: the grid worker reports from a
phone, staff dispatch, the unit returns it, signs for it and replies, staff verify (unsatisfied reopens it)
and close it; settling on the spot; supervision of an overdue order; the deadlines of the response levels."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry, Notification
from app.extensions import db
from app.grid.models import OrderEvent, OrderStatus, SupervisionNotice, WorkOrder
from tests.conftest import page_text, translated
from tests.grid.factories import jpeg_bytes, make_category, make_order


def report_data(world, category_id, **changes):
    data = {
        "photos": [(io.BytesIO(jpeg_bytes()), "a.jpg"), (io.BytesIO(jpeg_bytes(colour=(0, 90, 200))), "b.jpg")],
        "category_id": str(category_id),
        "description": "3幢2单元楼道灯坏了，老人晚上上下楼很危险",
        "building_id": str(world.building),
        "room": "2单元",
        "level": "",
        "submission_key": "report-key-0123456789",
    }
    data.update(changes)
    return data


def order_id_from(response):
    match = re.search(r"/grid/orders/(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def post_ok(client, url, data=None):
    response = client.post(url, data=data or {})
    assert response.status_code == 302, page_text(response)[:2000]
    return response


def status_of(app, order_id):
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        result = order.status, order.handling_unit_id, order.reopen_count
        db.session.remove()
    return result


def after_photo():
    return (io.BytesIO(jpeg_bytes(colour=(10, 200, 10))), "after.jpg")


def test_the_whole_loop_through_http(app, client, login_as, world):
    category = make_category(app, world)
    login_as("grid_worker")
    page = client.get("/grid/report")
    assert page.status_code == 200 and 'name="submission_key"' in page.get_data(as_text=True)
    order_id = order_id_from(post_ok(client, "/grid/report", report_data(world, category)))
    assert status_of(app, order_id)[0] == OrderStatus.reported
    assert "WG" in page_text(client.get("/grid/"))

    login_as("admin")
    assert translated(app, "Dispatch queue") in page_text(client.get("/grid/"))
    dispatch = {"handling_unit_id": str(world.property_company), "level": "one_day"}
    post_ok(client, f"/grid/orders/{order_id}/dispatch", dispatch)
    assert status_of(app, order_id)[:2] == (OrderStatus.dispatched, world.property_company)

    login_as("handler")
    assert translated(app, "Waiting to be signed for") in page_text(client.get("/grid/"))
    post_ok(client, f"/grid/orders/{order_id}/return", {"reason": "路灯归供电所管"})
    assert status_of(app, order_id)[:2] == (OrderStatus.reported, None)
    assert client.get(f"/grid/orders/{order_id}").status_code == 404  # no longer the unit's

    login_as("admin")
    assert "路灯归供电所管" in page_text(client.get("/grid/orders?list=queue"))
    post_ok(client, f"/grid/orders/{order_id}/dispatch", dispatch)

    login_as("handler")
    post_ok(client, f"/grid/orders/{order_id}/sign")
    assert status_of(app, order_id)[0] == OrderStatus.signed
    post_ok(client, f"/grid/orders/{order_id}/reply", {"result": "已更换灯泡", "photo": after_photo()})
    assert status_of(app, order_id)[0] == OrderStatus.replied

    login_as("admin")
    verify = {"satisfaction": "unsatisfied", "method": "phone", "note": "还是一闪一闪"}
    post_ok(client, f"/grid/orders/{order_id}/verify", verify)
    assert status_of(app, order_id) == (OrderStatus.reopened, world.property_company, 1)

    login_as("handler")
    post_ok(client, f"/grid/orders/{order_id}/reply", {"result": "更换了整套灯具", "photo": after_photo()})

    login_as("admin")
    post_ok(client, f"/grid/orders/{order_id}/verify", dict(verify, satisfaction="satisfied", note=""))
    assert status_of(app, order_id)[0] == OrderStatus.verified
    post_ok(client, f"/grid/orders/{order_id}/close")
    assert status_of(app, order_id)[0] == OrderStatus.closed

    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        kinds = [event.kind for event in order.events]
        assert kinds == [
            "reported",
            "dispatched",
            "returned",
            "dispatched",
            "signed",
            "replied",
            "reopened",
            "replied",
            "verified",
            "closed",
        ]
        assert [(e.from_status, e.to_status) for e in order.events][2] == (OrderStatus.dispatched, OrderStatus.reported)
        audited = db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "grid_orders", AuditEntry.target_id == order_id)
            .order_by(AuditEntry.id)
        ).all()
        assert audited == [f"grid.{kind}" for kind in kinds]
        assert len([p for p in order.photos if p.kind == "after"]) == 2 and order.satisfaction == "satisfied"
        assert order.closed_at and order.replied_at and order.verified_at and order.signed_at
        # the reporter heard of the replies and the closing; the unit of the dispatches and the reopening
        # (notifications are kept as messages and parameters, read in the reader's language: see their text)
        reporter_notes = [
            note.text
            for note in db.session.scalars(
                select(Notification).where(Notification.user_id == world.users["grid_worker"]).order_by(Notification.id)
            )
        ]
        handler_notes = db.session.scalar(select(func.count()).where(Notification.user_id == world.users["handler"]))
        assert len(reporter_notes) == 3 and order.number in reporter_notes[-1]
        assert handler_notes == 3
    # the timeline reads in the reader's language
    login_as("grid_worker")
    text = page_text(client.get(f"/grid/orders/{order_id}"))
    assert translated(app, "Closed") in text and "路灯归供电所管" in text


def test_settled_on_the_spot(app, client, login_as, world):
    order_id = make_order(app, world)
    login_as("grid_worker")
    show = client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert f"/grid/orders/{order_id}/settle" in show
    # proof is needed
    response = client.post(f"/grid/orders/{order_id}/settle", data={"result": "当场修好"})
    assert response.status_code == 200 and translated(app, "Add a photo of the result.") in page_text(response)
    assert status_of(app, order_id)[0] == OrderStatus.reported
    post_ok(client, f"/grid/orders/{order_id}/settle", {"result": "当场修好", "photo": after_photo()})
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert order.status == OrderStatus.closed and order.settled_on_spot and order.closed_at is not None
        assert order.events[-1].kind == "settled"
    # closed: nothing more to do, and the page says so
    login_as("admin")
    response = client.post(f"/grid/orders/{order_id}/dispatch", data={"handling_unit_id": str(world.property_company)})
    assert response.status_code == 302
    assert translated(app, "This work order is closed and can no longer be changed.") in page_text(
        client.get(response.headers["Location"])
    )


def test_supervision_of_an_overdue_order(app, client, login_as, world):
    late = make_order(app, world, upto="overdue")
    on_time = make_order(app, world, upto="signed")
    login_as("admin")
    board = page_text(client.get("/grid/orders?list=overdue"))
    with app.app_context():
        late_number = db.session.get(WorkOrder, late).number
        on_time_number = db.session.get(WorkOrder, on_time).number
    assert late_number in board and on_time_number not in board and translated(app, "overdue") in board
    assert f"/grid/orders/{late}/supervise" in client.get(f"/grid/orders/{late}").get_data(as_text=True)
    post_ok(client, f"/grid/orders/{late}/supervise", {"note": "请今天下班前修好"})
    post_ok(client, f"/grid/orders/{late}/supervise", {"note": "第二次督办"})
    # an order that is on time is not supervised
    response = client.post(f"/grid/orders/{on_time}/supervise", data={"note": "催一下"})
    assert response.status_code == 200
    assert translated(app, "Only an overdue order that a unit is handling can be supervised.") in page_text(response)
    with app.app_context():
        order = db.session.get(WorkOrder, late)
        assert order.supervision_count == 2 and [e.kind for e in order.events][-2:] == ["supervised", "supervised"]
        assert db.session.scalar(select(func.count(SupervisionNotice.id))) == 2
        assert db.session.get(WorkOrder, on_time).supervision_count == 0
        handler_notes = [
            note.text
            for note in db.session.scalars(select(Notification).where(Notification.user_id == world.users["handler"]))
        ]
        assert any("第二次督办" in note for note in handler_notes)
    login_as("handler")
    assert "第二次督办" in page_text(client.get(f"/grid/orders/{late}"))


@pytest.mark.parametrize(
    ("level", "hours", "sign_hours"),
    [("two_hours", 2, 0.5), ("one_day", 24, 2), ("three_days", 72, 4), ("seven_days", 168, 8)],
)
def test_deadlines_from_the_level_when_dispatched(app, client, login_as, world, level, hours, sign_hours):
    order_id = make_order(app, world)
    login_as("admin")
    post_ok(
        client, f"/grid/orders/{order_id}/dispatch", {"handling_unit_id": str(world.property_company), "level": level}
    )
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert order.level == level
        assert order.due_at - order.dispatched_at == timedelta(hours=hours)
        assert order.sign_due_at - order.dispatched_at == timedelta(hours=sign_hours)
        assert order.sign_due_at < order.due_at


def test_deadlines_are_settings(app, world):
    order_id = make_order(app, world)
    old = dict(app.config["GRID_DEADLINE_MINUTES"])
    app.config["GRID_DEADLINE_MINUTES"] = dict(old, one_day=600)
    try:
        from app.core.models import HandlingUnit, User
        from app.grid import operations as ops

        with app.app_context():
            order = db.session.get(WorkOrder, order_id)
            ops.dispatch(
                db.session.get(User, world.users["admin"]), order, db.session.get(HandlingUnit, world.property_company)
            )
            assert order.due_at - order.dispatched_at == timedelta(minutes=600)
            db.session.rollback()
    finally:
        app.config["GRID_DEADLINE_MINUTES"] = old


def test_each_role_sees_its_lists(app, client, login_as, world):
    make_order(app, world, upto="dispatched")
    expected = {
        "grid_worker": ["My reports", "Open orders of my grid"],
        "handler": ["Waiting to be signed for", "In progress", "Due soon or overdue"],
        "admin": ["Dispatch queue", "Overdue board", "To verify and close"],
    }
    for role, titles in expected.items():
        login_as(role)
        text = page_text(client.get("/grid/"))
        for title in titles:
            assert translated(app, title) in text, (role, title)
    login_as("grid_worker")
    assert client.get("/grid/orders?list=queue").status_code == 404  # not a list of theirs


def test_the_timeline_is_kept_as_messages(app, world):
    order_id = make_order(app, world, upto="dispatched")
    with app.app_context():
        event = db.session.scalar(
            select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.kind == "dispatched")
        )
        assert event.summary == "Dispatched to %(unit)s, %(level)s" and event.params["unit"] == "安居物业"
