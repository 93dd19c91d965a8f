"""From a dispute to mediation (issue 10, item 7): a work order of a dispute category becomes a mediation case in
one step, from the studio's intake opened pre-filled from the order; the two are linked both ways, and the grid
worker who reported it follows the case's status (not its details). Refusals store nothing."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.core.models import AuditEntry, Building, HandlingUnit, Notification, OrgUnit, User
from app.extensions import db
from app.grid import operations as ops
from app.grid.models import Category, OrderEvent, OrderStatus, WorkOrder
from app.mediation.models import Case, CaseEvent, CaseSource
from tests.conftest import page_text
from tests.grid.factories import make_order, photo
from tests.mediation.factories import case_dates

DESCRIPTION = "302与402因楼上漏水多次争吵，双方情绪激动"


def dispute_category(app, world, is_dispute=True, name="矛盾纠纷"):
    with app.app_context():
        category = ops.save_category(
            None,
            db.session.get(OrgUnit, world.community_a),
            {"name": name, "group_name": "平安", "default_level": "one_day", "is_dispute": is_dispute},
        )
        db.session.commit()
        category_id = category.id
        db.session.remove()
    return category_id


def report_dispute(app, world, upto="reported", category=None):
    """A dispute reported by the world's grid worker in 3幢 302, taken up to ``upto`` (reported, dispatched,
    signed)."""
    category = category or dispute_category(app, world)
    with app.app_context():
        order = ops.report_order(
            db.session.get(User, world.users["grid_worker"]),
            {
                "category": db.session.get(Category, category),
                "building": db.session.get(Building, world.building),
                "room": "302",
                "description": DESCRIPTION,
            },
            [photo()],
        )
        if upto in ("dispatched", "signed"):
            ops.dispatch(
                db.session.get(User, world.users["admin"]), order, db.session.get(HandlingUnit, world.property_company)
            )
        if upto == "signed":
            ops.sign(db.session.get(User, world.users["handler"]), order)
        db.session.commit()
        order_id = order.id
        db.session.remove()
    return order_id


def intake(order_id, **extra):
    """What the mediator sends: the pre-filled intake (as the page fills it) with the parties added."""
    data = {
        "from_order": str(order_id),
        "source": "grid_report",
        "category": "neighbour",
        "risk_level": "low",
        "summary": DESCRIPTION,
        "registered_on": case_dates().registered.isoformat(),
        "parties-0-role": "applicant",
        "parties-0-name": "张建华",
        "parties-0-phone": "13912345678",
        "parties-1-role": "respondent",
        "parties-1-name": "李秀兰",
        "parties-1-phone": "13987654321",
    }
    data.update(extra)
    return data


def stored(app, order_id):
    """(cases, the order's status, its case, its version, audit entries about it)."""
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        result = (
            db.session.scalar(select(func.count()).select_from(Case)),
            order.status,
            order.mediation_case_id,
            order.version,
            db.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("%mediation%"))
            ),
        )
        db.session.remove()
    return result


def test_a_dispute_becomes_a_mediation_case_linked_both_ways(app, client, login_as, world):
    order_id = report_dispute(app, world)
    new_url = f"/mediation/cases/new?from_order={order_id}"

    # staff see the button on the order; the mediator (who sees no grid order) finds it on the intake
    login_as("admin")
    assert new_url in client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    login_as("mediator")
    assert f"from_order={order_id}" in client.get("/mediation/cases/new").get_data(as_text=True)

    # the intake opens pre-filled from the order
    page = client.get(new_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert DESCRIPTION in html
    assert f'name="from_order" value="{order_id}"' in html
    assert f'<option selected value="{world.building}">' in html or f'value="{world.building}" selected' in html
    assert 'value="302"' in html
    assert f'value="{world.users["grid_worker"]}" selected' in html or (
        f'<option selected value="{world.users["grid_worker"]}"' in html
    )

    # the mediator adds the parties and submits: one transaction registers the case and links the order
    response = client.post(
        "/mediation/cases/new",
        data=intake(
            order_id,
            grid_id=str(world.grid_a1),
            building_id=str(world.building),
            room="302",
            reported_by_id=str(world.users["grid_worker"]),
        ),
    )
    assert response.status_code == 302, page_text(response)[:2000]
    case_id = int(response.headers["Location"].rsplit("/", 1)[-1])

    with app.app_context():
        case = db.session.get(Case, case_id)
        order = db.session.get(WorkOrder, order_id)
        assert (case.summary, case.grid_id, case.building_id, case.room) == (
            DESCRIPTION,
            world.grid_a1,
            world.building,
            "302",
        )
        assert case.source == CaseSource.grid_report
        assert case.referred_by_id == world.users["grid_worker"]
        assert [p.name for p in case.parties] == ["张建华", "李秀兰"]
        assert order.status == OrderStatus.to_mediation
        assert order.mediation_case_id == case.id
        order_event = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)).all()[-1]
        assert (order_event.kind, order_event.to_status) == ("to_mediation", OrderStatus.to_mediation)
        assert order_event.params == {"number": case.number}
        case_events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
        assert [e.kind for e in case_events] == ["registered", "from_work_order"]
        assert case_events[-1].params == {"number": order.number}
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-3:] == ["mediation.registered", "grid.to_mediation", "mediation.from_work_order"]
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grid.to_mediation"))
        assert (audit.target_id, audit.data["case_number"]) == (order_id, case.number)
        # the reporter is told the order's new status
        assert db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == world.users["grid_worker"], Notification.link == f"/grid/orders/{order_id}")
        )
        order_number, case_number = order.number, case.number
        db.session.remove()

    # the case says where it came from; the order shows its case, linked for those who may see it
    case_page = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert order_number in case_page
    login_as("admin")
    assert f'href="/grid/orders/{order_id}"' in client.get(f"/mediation/cases/{case_id}").get_data(as_text=True)
    order_page = client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert f'href="/mediation/cases/{case_id}"' in order_page and case_number in order_page
    assert new_url not in order_page  # no second conversion offered

    # the grid worker follows the status, on /grid/, on the order and on the status page, not the details
    login_as("grid_worker")
    assert case_number in page_text(client.get("/grid/"))
    order_page = client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert f'href="/mediation/cases/{case_id}/status"' in order_page
    assert f'href="/mediation/cases/{case_id}"' not in order_page
    assert client.get(f"/mediation/cases/{case_id}/status").status_code == 200
    assert client.get(f"/mediation/cases/{case_id}").status_code == 403  # no studio role at all
    assert "张建华" not in page_text(client.get(f"/mediation/cases/{case_id}/status"))


def test_a_dispatched_dispute_may_go_to_mediation_and_its_unit_is_told(app, client, login_as, world):
    order_id = report_dispute(app, world, upto="dispatched")
    login_as("colleague")  # any mediator of the community's studio
    response = client.post("/mediation/cases/new", data=intake(order_id))
    assert response.status_code == 302, page_text(response)[:2000]
    cases, status, case_id, _version, _audit = stored(app, order_id)
    assert (cases, status) == (1, OrderStatus.to_mediation) and case_id
    with app.app_context():
        # dispatched to the unit, then taken back from it
        assert (
            db.session.scalar(
                select(func.count()).select_from(Notification).where(Notification.user_id == world.users["handler"])
            )
            == 2
        )
        # no longer in the unit's lists or the grid's open orders
        assert db.session.get(WorkOrder, order_id).is_overdue(case_dates().today) is False
        number = db.session.get(WorkOrder, order_id).number
        db.session.remove()
    login_as("grid_worker")
    assert number in page_text(client.get("/grid/orders?list=mine"))
    assert number not in page_text(client.get("/grid/orders?list=grid"))


@pytest.mark.parametrize(
    "role,status", [("grid_worker", 403), ("handler", 403), ("coordinator", 403), ("outsider", 404)]
)
def test_who_may_not_turn_an_order_into_a_case(app, client, login_as, world, role, status):
    """Only community staff and the community studio's mediators; a mediator of another community (the outsider,
    with a forged order id) does not learn that the order exists."""
    order_id = report_dispute(app, world)
    before = stored(app, order_id)
    login_as(role)
    assert client.get(f"/mediation/cases/new?from_order={order_id}").status_code == status
    assert client.post("/mediation/cases/new", data=intake(order_id)).status_code == status
    assert stored(app, order_id) == before


def test_an_order_that_is_not_a_dispute_is_not_offered(app, client, login_as, world):
    order_id = make_order(app, world)  # 设施损坏: not a dispute
    before = stored(app, order_id)
    login_as("mediator")
    assert f"from_order={order_id}" not in client.get("/mediation/cases/new").get_data(as_text=True)
    assert client.get(f"/mediation/cases/new?from_order={order_id}").status_code == 404
    assert client.post("/mediation/cases/new", data=intake(order_id)).status_code == 404
    login_as("admin")
    assert "from_order" not in client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert client.post("/mediation/cases/new", data=intake(order_id)).status_code == 404
    assert stored(app, order_id) == before


def test_an_unknown_order_id_is_404(app, client, login_as, world):
    login_as("mediator")
    assert client.get("/mediation/cases/new?from_order=999999").status_code == 404
    assert client.post("/mediation/cases/new", data=intake(999999)).status_code == 404


def test_an_order_of_another_community_cannot_be_forged_in(app, client, login_as, world):
    """The case is registered in the order's community, whatever community the form names: a mediator of A
    cannot turn B's dispute into A's case, nor A's dispute into B's."""
    order_id = report_dispute(app, world)
    before = stored(app, order_id)
    login_as("outsider")  # mediator of B
    data = intake(order_id)
    assert client.post(f"/mediation/cases/new?community_id={world.community_b}", data=data).status_code == 404
    assert stored(app, order_id) == before
    login_as("mediator")  # of A, naming B's community: the order's community wins
    response = client.post(f"/mediation/cases/new?community_id={world.community_b}", data=data)
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.org_unit_id == world.community_a
        db.session.remove()


def test_an_order_already_passed_or_signed_for_is_refused_with_its_reason(app, client, login_as, world):
    category = dispute_category(app, world)
    order_id = report_dispute(app, world, category=category)
    login_as("mediator")
    first = client.post("/mediation/cases/new", data=intake(order_id))
    assert first.status_code == 302
    before = stored(app, order_id)

    # the link opened again: back to the case, with the reason
    again = client.get(f"/mediation/cases/new?from_order={order_id}")
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    # the form sent again (another key): refused, nothing stored
    refused = client.post("/mediation/cases/new", data=intake(order_id, submission_key="another-key-0123456789"))
    assert refused.status_code == 200
    assert "passed to mediation" in page_text(refused).lower() or "已转" in page_text(refused)
    assert stored(app, order_id) == before

    signed = report_dispute(app, world, upto="signed", category=category)
    before = stored(app, signed)
    assert client.get(f"/mediation/cases/new?from_order={signed}").status_code == 302
    assert client.post("/mediation/cases/new", data=intake(signed)).status_code == 200
    assert stored(app, signed) == before


def test_bad_input_keeps_what_was_typed_and_stores_nothing(app, client, login_as, world):
    order_id = report_dispute(app, world)
    before = stored(app, order_id)
    login_as("mediator")
    response = client.post(
        "/mediation/cases/new",
        data=intake(order_id, **{"parties-0-phone": "", "requests": "赔偿装修损失两千元", "parties-0-name": "张建华"}),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "赔偿装修损失两千元" in html and "张建华" in html and DESCRIPTION in html
    assert f'name="from_order" value="{order_id}"' in html
    assert stored(app, order_id) == before
    # adding a party keeps the order too
    more = client.post("/mediation/cases/new", data=intake(order_id, add_party="1"))
    assert f'name="from_order" value="{order_id}"' in more.get_data(as_text=True)
    assert stored(app, order_id) == before


def test_the_operation_refuses_a_case_of_another_community(app, world):
    order_id = report_dispute(app, world)
    with app.app_context():
        from app.mediation import operations as mediation_ops

        order = db.session.get(WorkOrder, order_id)
        mediator = db.session.get(User, world.users["mediator"])
        case = mediation_ops.register_case(
            mediator,
            db.session.get(OrgUnit, world.community_b),
            {"source": "grid_report", "category": "neighbour", "summary": "x"},
            [{"role": "applicant", "name": "张三", "phone": "13912345678"}],
        )
        with pytest.raises(ops.InvalidTransition):
            ops.refer_to_mediation(mediator, order, case)
        db.session.rollback()
        db.session.remove()


def test_the_database_ties_the_status_to_the_case(app, world):
    order_id = report_dispute(app, world)
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        order.status = OrderStatus.to_mediation
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()


def test_staff_mark_a_category_as_a_dispute(app, client, login_as, world):
    login_as("admin")
    data = {"name": "邻里矛盾", "group_name": "平安", "sort_order": "5", "default_level": "one_day"}
    assert client.post("/grid/categories/new", data=dict(data, default_unit_id="0", is_dispute="y")).status_code == 302
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.name == "邻里矛盾"))
        assert category.is_dispute
        db.session.remove()
