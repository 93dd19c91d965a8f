"""A call or a visit registered by staff (来电登记): the order joins the dispatch queue with the caller's name and
number, kept in full for staff and masked for everyone else, and never in a URL."""

from sqlalchemy import select

from app.extensions import db
from app.grid.models import OrderSource, OrderStatus, WorkOrder
from tests.conftest import page_text
from tests.grid.factories import make_category


def call_data(world, category, **changes):
    data = {
        "caller_name": "王大妈",
        "caller_phone": "139 1234 5678",
        "category_id": str(category),
        "description": "5楼有人在楼道堆放杂物，挡住了消防通道",
        "building_id": str(world.building),
        "room": "2单元",
        "level": "",
        "submission_key": "call-key-0123456789",
    }
    data.update(changes)
    return data


def test_staff_register_a_call_and_the_number_is_masked_for_everyone_but_staff(app, client, login_as, world):
    category = make_category(app, world)
    login_as("admin")
    assert "来电登记" in page_text(client.get("/grid/"))
    response = client.post("/grid/calls/new", data=call_data(world, category))
    assert response.status_code == 302
    assert "13912345678" not in response.headers["Location"]
    with app.app_context():
        order = db.session.scalar(select(WorkOrder))
        assert (order.source, order.status) == (OrderSource.phone_call, OrderStatus.reported)
        assert (order.caller_name, order.caller_phone) == ("王大妈", "13912345678")
        order_id = order.id
        db.session.remove()
    assert "13912345678" in page_text(client.get(f"/grid/orders/{order_id}"))
    # in the dispatch queue like any report
    assert page_text(client.get("/grid/orders?list=queue")).count("WG") >= 1

    # the grid worker of the grid sees the order, not the full number
    login_as("grid_worker")
    page = page_text(client.get(f"/grid/orders/{order_id}"))
    assert "139****5678" in page and "13912345678" not in page
    # the number is not in any cacheable page
    response = client.get(f"/grid/orders/{order_id}")
    assert "no-store" in response.headers.get("Cache-Control", "") or "private" in response.headers.get(
        "Cache-Control", ""
    )


def test_a_bad_call_is_refused_on_the_page_and_keeps_what_was_typed(app, client, login_as, world):
    category = make_category(app, world)
    login_as("admin")
    for changes, error in (
        ({"caller_phone": "139123456789"}, "手机号或固定电话"),
        ({"caller_name": ""}, "必填"),
        ({"building_id": "999999"}, "楼"),
        ({"category_id": "0"}, "类别"),
        ({"description": "很长" * 5001}, "字以内"),
    ):
        response = client.post("/grid/calls/new", data=call_data(world, category, submission_key="k" * 20, **changes))
        assert response.status_code == 200, changes
        page = page_text(response)
        assert error in page, (changes, page[:800])
        if "caller_name" not in changes:
            assert "王大妈" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(WorkOrder.id)) is None
        db.session.remove()


def test_only_staff_register_calls(app, client, login_as, world):
    category = make_category(app, world)
    for who in ("grid_worker", "handler", "mediator", "volunteer"):
        login_as(who)
        assert client.post("/grid/calls/new", data=call_data(world, category)).status_code == 403, who
    with app.app_context():
        assert db.session.scalar(select(WorkOrder.id)) is None
        db.session.remove()
