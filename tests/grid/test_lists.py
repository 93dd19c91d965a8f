"""The lists of each role: read part by part through their indexes, they hold exactly the orders their
condition names, in their order, page after page; filters narrow them; an order opens by its number only for
who may see it."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.models import OrgUnit, User
from app.core.roles import Role
from app.core.types import utcnow
from app.extensions import db
from app.grid import queries
from app.grid.enums import ENDED
from app.grid.models import WorkOrder
from tests.conftest import make_user, page_text
from tests.grid.factories import STAGES, make_category, make_order


@pytest.fixture
def many_orders(app, world):
    """Orders at every stage, some overdue, with deadlines shuffled so that the lists' orders differ from
    the ids'."""
    rng = random.Random(7)
    stages = [stage for stage in STAGES for _ in range(3)]
    ids = [
        make_order(app, world, upto=stage, level=rng.choice(["two_hours", "one_day", "three_days"])) for stage in stages
    ]
    with app.app_context():
        now = utcnow()
        for order in db.session.scalars(select(WorkOrder)):
            if order.due_at is not None:
                order.due_at = now + timedelta(hours=rng.randint(-72, 72))
                order.sign_due_at = order.due_at - timedelta(hours=rng.randint(1, 30))
            if order.replied_at is not None:
                order.replied_at = now - timedelta(minutes=rng.randint(1, 5000))
        db.session.commit()
        db.session.remove()
    return ids


def plain_list(user, name, now):
    """The list as its one condition and order say, read without parts: what the page must show."""
    order_list = queries.LISTS[name]
    params = {
        "user_id": user.id,
        "unit_id": user.handling_unit_id or 0,
        "now": now,
        "soon": now + queries.due_soon_window(),
        **queries.prefix_binds("scope", user.org_unit.path),
    }
    statement = select(WorkOrder.id).where(order_list.condition()).order_by(*order_list.order_by())
    return list(db.session.execute(statement, params).scalars())


@pytest.mark.parametrize("name", [name for name, item in queries.LISTS.items() if item.parts is not None])
def test_a_list_read_part_by_part_holds_exactly_its_orders_in_order_page_after_page(app, world, many_orders, name):
    role = {"grid_worker": "grid_worker", "handler": "handler", "admin": "admin"}[queries.LISTS[name].role.value]
    with app.test_request_context():
        user = db.session.get(User, world.users[role])
        now = utcnow()
        expected = plain_list(user, name, now)
        assert expected, f"the data gives the list {name} nothing to show"
        seen = []
        for page_number in range(1, 20):
            page = queries.list_page(user, name, page_number, 4, now=now)
            seen += [item.id for item in page.items]
            if not page.has_next:
                break
        assert seen == expected


def test_a_grid_workers_list_is_every_open_order_of_their_grid_or_area_newest_first_page_after_page(
    app, world, many_orders, password_hash
):
    """Read through the partial index of the open orders by grid: the worker of grid A1 sees its open orders
    and no other grid's; a grid worker placed on the whole community sees both grids' open orders."""
    with app.test_request_context():
        orders = db.session.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
        for order in orders[::3]:
            order.grid_id = world.grid_a2
        area_worker = make_user(
            "13900000031", "钱网格", [Role.grid_worker], db.session.get(OrgUnit, world.community_a), password_hash
        )
        db.session.commit()
        now = utcnow()

        def expected(grids):
            return sorted((o.id for o in orders if o.grid_id in grids and o.status not in ENDED), reverse=True)

        for user, grids in (
            (db.session.get(User, world.users["grid_worker"]), {world.grid_a1}),
            (area_worker, {world.grid_a1, world.grid_a2}),
        ):
            seen = []
            for page_number in range(1, 20):
                page = queries.list_page(user, "grid", page_number, 4, now=now)
                seen += [item.id for item in page.items]
                if not page.has_next:
                    break
            assert seen == expected(grids) and len(seen) > 4
            assert any(o.status in ENDED and o.grid_id in grids for o in orders)  # the ended ones were left out


def test_filters_narrow_a_list_and_an_order_opens_by_its_number(app, client, login_as, world, many_orders):
    other_category = make_category(app, world, name="环境卫生")
    in_other = make_order(app, world)
    with app.app_context():
        order = db.session.get(WorkOrder, in_other)
        order.category_id = other_category
        number = order.number
        db.session.commit()
        db.session.remove()
    login_as("admin")
    everything = page_text(client.get("/grid/orders?list=queue"))
    filters = page_text(client.get("/grid/orders/filter?list=queue"))
    assert "环境卫生" in filters and "设施损坏" in filters
    narrowed = page_text(client.get("/grid/orders?list=queue&category=环境卫生"))
    assert number in everything and number in narrowed
    assert narrowed.count("WG") == 1 < everything.count("WG")
    # a category or grid that matches nothing shows nothing, never a 500
    assert "WG" not in page_text(client.get("/grid/orders?list=queue&category=nothing&grid=abc"))
    assert "WG" not in page_text(client.get(f"/grid/orders?list=queue&grid={world.grid_a2}"))

    found = client.get(f"/grid/find?number={number.lower()}")
    assert found.headers["Location"].endswith(f"/grid/orders/{in_other}")
    # the worker of the next grid may not see it: no hint it exists
    login_as("outsider")
    assert "/grid/orders/" not in client.get(f"/grid/find?number={number}").headers["Location"]
