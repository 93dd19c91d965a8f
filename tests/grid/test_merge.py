"""Duplicates (并单): a new order suggests open orders of its category at the same building or close by; staff
merge a duplicate into the order that reports the same problem, which keeps every reporter and their photos;
the rules of who and when."""

import pytest
from sqlalchemy import select

from app.core.models import Building, Notification, User
from app.extensions import db
from app.grid import operations as ops
from app.grid import queries
from app.grid.models import Category, OrderStatus, WorkOrder
from tests.conftest import page_text
from tests.grid.factories import category_id, make_order, order_state, photo


def report(app, world, reporter="grid_worker", building=None, position=None, category=None, description="楼道灯坏了"):
    """An order reported by ``reporter`` with a photo, at ``building`` (the world's 3幢 by default)."""
    the_category = category or category_id(app, world)
    with app.app_context():
        order = ops.report_order(
            db.session.get(User, world.users[reporter]),
            {
                "category": db.session.get(Category, the_category),
                "building": db.session.get(Building, building or world.building),
                "description": description,
                "latitude": position[0] if position else None,
                "longitude": position[1] if position else None,
            },
            [photo("dup.jpg")],
        )
        db.session.commit()
        order_id = order.id
        db.session.remove()
    return order_id


@pytest.fixture
def other_building(app, world):
    with app.app_context():
        building = Building(grid_id=world.grid_a1, name="9幢")
        db.session.add(building)
        db.session.commit()
        building_id = building.id
        db.session.remove()
    return building_id


def a2_building(app, world):
    with app.app_context():
        found = db.session.scalar(select(Building.id).where(Building.grid_id == world.grid_a2))
        db.session.remove()
    return found


def suggestions(app, order_id):
    with app.app_context():
        found = [o.id for o in queries.possible_duplicates(db.session.get(WorkOrder, order_id))]
        db.session.remove()
    return found


def test_open_orders_of_the_same_category_at_the_same_building_or_close_by_are_suggested(app, world, other_building):
    first = report(app, world, position=(39.90000, 116.40000))
    # 9幢, about 55 m north: close by
    near = report(app, world, building=other_building, position=(39.90050, 116.40000))
    # 9幢, about 330 m north: too far, and another building
    far = report(app, world, building=other_building, position=(39.90300, 116.40000))
    # same building, no position: the building is enough
    same_building = report(app, world)
    # another category at the same place: not a duplicate
    with app.app_context():
        from app.core.models import HandlingUnit, OrgUnit

        other_category = ops.save_category(
            None,
            db.session.get(OrgUnit, world.community_a),
            {
                "name": "环境卫生",
                "default_level": "one_day",
                "default_unit": db.session.get(HandlingUnit, world.property_company),
            },
        ).id
        db.session.commit()
        db.session.remove()
    other_kind = report(app, world, category=other_category, position=(39.90000, 116.40000))
    closed = make_order(app, world, upto="closed")

    found = suggestions(app, first)
    assert near in found and same_building in found
    assert far not in found and other_kind not in found and closed not in found and first not in found
    # the far one is at 9幢 too: the building is enough, the closest first
    assert suggestions(app, far) == [near]
    assert suggestions(app, near) == [first, far]


def test_staff_merge_a_duplicate_and_the_order_keeps_every_reporter_and_photo(
    app, client, login_as, world, neighbours, other_building
):
    target = report(app, world, description="3幢楼道灯坏了")
    # reported by the worker of the next grid, at 7幢 of grid A2 (staff merge by number across the community)
    duplicate = report(
        app, world, reporter="other_worker", building=a2_building(app, world), description="3幢灯不亮，黑漆漆"
    )
    login_as("admin")
    with app.app_context():
        target_number = db.session.get(WorkOrder, target).number
        db.session.remove()
    response = client.post(f"/grid/orders/{duplicate}/merge", data={"target": target_number.lower()})
    assert response.status_code == 302

    with app.app_context():
        dup = db.session.get(WorkOrder, duplicate)
        assert dup.status == OrderStatus.merged and dup.merged_into_id == target
        main = db.session.get(WorkOrder, target)
        assert [m.id for m in main.merged_orders] == [duplicate]
        assert [e.kind for e in main.events][-1] == "merged_in"
        # the duplicate's reporter is told, and follows the order it joined
        told = db.session.scalars(select(Notification).where(Notification.user_id == world.users["other_worker"])).all()
        assert any(target_number in n.text for n in told)
        dup_photo = dup.photos[0].id
        db.session.remove()

    page = page_text(client.get(f"/grid/orders/{target}"))
    assert "3幢灯不亮，黑漆漆" in page and "郑网格" in page
    # the duplicate's photo is served through the order it joined
    assert client.get(f"/grid/orders/{target}/photos/{dup_photo}").status_code == 200

    # the other worker (grid A2) reported the duplicate: they may now follow the target
    login_as("other_worker")
    assert client.get(f"/grid/orders/{target}").status_code == 200
    # the merged order says where it went, and can no longer change
    assert target_number in page_text(client.get(f"/grid/orders/{duplicate}"))
    login_as("admin")
    refused = client.post(
        f"/grid/orders/{duplicate}/dispatch", data={"handling_unit_id": str(world.property_company), "level": "one_day"}
    )
    assert refused.status_code in (200, 302)
    assert order_state(app, duplicate)[0] == OrderStatus.merged


def test_when_the_order_is_replied_every_reporter_is_told(app, world, neighbours):
    target = report(app, world)
    duplicate = report(app, world, reporter="other_worker", building=a2_building(app, world))
    with app.app_context():
        admin = db.session.get(User, world.users["admin"])
        ops.merge(admin, db.session.get(WorkOrder, duplicate), db.session.get(WorkOrder, target))
        from app.core.models import HandlingUnit

        order = db.session.get(WorkOrder, target)
        ops.dispatch(admin, order, db.session.get(HandlingUnit, world.property_company))
        handler = db.session.get(User, world.users["handler"])
        ops.sign(handler, order)
        ops.reply(handler, order, "换了灯泡", photo("after.jpg"))
        db.session.commit()
        for who in ("grid_worker", "other_worker"):
            texts = [
                n.text for n in db.session.scalars(select(Notification).where(Notification.user_id == world.users[who]))
            ]
            assert any(order.number in text for text in texts), who
        db.session.remove()


@pytest.mark.parametrize(
    "case",
    ["itself", "unknown", "closed target", "merged target", "other community", "signed duplicate"],
)
def test_a_merge_that_cannot_be_is_refused_with_its_reason_and_nothing_changes(
    app, client, login_as, world, neighbours, case
):
    duplicate = report(app, world)
    target = report(app, world)
    with app.app_context():
        number = db.session.get(WorkOrder, target).number
        db.session.remove()
    if case == "itself":
        with app.app_context():
            number = db.session.get(WorkOrder, duplicate).number
            db.session.remove()
    elif case == "unknown":
        number = "WG1999-999999"
    elif case == "closed target":
        closed = make_order(app, world, upto="closed")
        with app.app_context():
            number = db.session.get(WorkOrder, closed).number
            db.session.remove()
    elif case == "merged target":
        third = report(app, world)
        with app.app_context():
            ops.merge(
                db.session.get(User, world.users["admin"]),
                db.session.get(WorkOrder, target),
                db.session.get(WorkOrder, third),
            )
            db.session.commit()
            db.session.remove()
    elif case == "other community":
        with app.app_context():
            db.session.get(WorkOrder, target).org_unit_id = world.community_b
            db.session.commit()
            db.session.remove()
    elif case == "signed duplicate":
        duplicate = make_order(app, world, upto="signed")
    before = order_state(app, duplicate)
    login_as("admin")
    response = client.post(f"/grid/orders/{duplicate}/merge", data={"target": number})
    text = page_text(response) if response.status_code == 200 else page_text(client.get(response.headers["Location"]))
    assert response.status_code in (200, 302)
    assert order_state(app, duplicate) == before
    expected = {
        "itself": "不能合并到自身",
        "unknown": "没有这个编号的工单",
        "closed target": "合并到未办结的工单",
        "merged target": "合并到未办结的工单",
        "other community": "没有这个编号的工单",
        "signed duplicate": "才能合并",
    }[case]
    assert expected in text, text[:1500]


def test_only_staff_of_the_community_may_merge(app, client, login_as, world, neighbours, password_hash):
    duplicate = report(app, world)
    target = report(app, world)
    with app.app_context():
        from app.core.models import OrgUnit
        from tests.conftest import make_user

        number = db.session.get(WorkOrder, target).number
        # staff of the next community: an admin, but not of this order's community
        other = make_user("13900000031", "冯东湖", ["admin"], db.session.get(OrgUnit, world.community_b), password_hash)
        db.session.commit()
        world.users["admin_b"] = other.id
        db.session.remove()
    for who in ("grid_worker", "handler", "mediator", "colleague", "outsider", "admin_b"):
        login_as(who)
        status = client.post(f"/grid/orders/{duplicate}/merge", data={"target": number}).status_code
        assert status in (403, 404), who
    assert order_state(app, duplicate)[0] == OrderStatus.reported
