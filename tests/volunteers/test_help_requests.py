"""Help requests: a grid worker asks the help group from a work order (the form pre-filled from the order,
linked both ways); the coordinator sees volunteers ranked by the skills and the day; accepting makes a linked
service event and tells whoever asked; declining needs a reason. The close-but-not-allowed are refused and
nothing changes."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.core.models import Notification, OrgUnit, User
from app.core.roles import Role
from app.core.types import local_today
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import (
    Availability,
    HelpRequest,
    HelpRequestStatus,
    ServiceEvent,
    Volunteer,
)
from tests.conftest import page_text
from tests.grid.factories import make_order


def ask_from_order(client, order_id, **changes):
    data = {"description": "独居老人家门锁坏了", "place": "3幢 2单元301", "skills": ["维修"], "order": str(order_id)}
    data.update(changes)
    return client.post("/volunteers/help/new", data=data)


def request_id_of(response):
    return int(re.search(r"/help/(\d+)$", response.headers["Location"]).group(1))


def test_a_grid_worker_asks_from_a_work_order_linked_both_ways(app, client, group, login_as):
    order_id = make_order(app, group)
    login_as("grid_worker")
    order_page = client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert f"/volunteers/help/new?order={order_id}" in order_page
    form = client.get(f"/volunteers/help/new?order={order_id}")
    assert form.status_code == 200
    assert "楼道灯坏了，晚上漆黑一片" in form.get_data(as_text=True)  # the order's description, pre-filled
    response = ask_from_order(client, order_id)
    assert response.status_code == 302, page_text(response)
    request_id = request_id_of(response)
    with app.app_context():
        found = db.session.get(HelpRequest, request_id)
        assert found.grid_order_id == order_id and found.status == HelpRequestStatus.open
        assert found.org_unit_id == group.community_a and found.asked_by_id == group.users["grid_worker"]
        assert [s.name for s in found.skills] == ["维修"]
        # the coordinator of community A is told
        assert db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == group.users["coordinator"])
        )
    page = client.get(f"/volunteers/help/{request_id}").get_data(as_text=True)
    assert f"/grid/orders/{order_id}" in page  # the request links the order
    order_page = client.get(f"/grid/orders/{order_id}").get_data(as_text=True)
    assert f"/volunteers/help/{request_id}" in order_page  # the order shows the request and its status


def test_who_may_not_ask_is_refused_and_nothing_changes(app, client, group, login_as):
    order_id = make_order(app, group)
    login_as("volunteer")  # a volunteer may not ask the group
    assert client.get("/volunteers/help/new").status_code == 403
    assert ask_from_order(client, order_id).status_code == 403
    login_as("outsider")  # a grid worker of community B: A's order is not theirs
    assert client.get(f"/volunteers/help/new?order={order_id}").status_code == 404
    assert ask_from_order(client, order_id).status_code == 404
    login_as("handler")  # sees orders of their unit, but is no asker
    assert client.get(f"/volunteers/help/new?order={order_id}").status_code == 403
    login_as("grid_worker")
    assert client.get(f"/grid/orders/{order_id}").status_code == 200
    response = ask_from_order(client, order_id, description="")  # bad input: the message, what was typed kept
    assert response.status_code == 200
    assert 'id="description-error"' in response.get_data(as_text=True)
    assert "3幢 2单元301" in response.get_data(as_text=True)
    response = ask_from_order(client, order_id, wanted_on="2001-01-01")
    assert response.status_code == 200 and 'id="wanted_on-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(HelpRequest.id))) == 0


def test_suggestions_ranked_by_skills_then_availability(app, client, group, login_as):
    with app.app_context():
        community = db.session.get(OrgUnit, group.community_a)
        coordinator = db.session.get(User, group.users["coordinator"])
        wanted = local_today() + timedelta(days=(5 - local_today().weekday()) % 7 or 7)  # a Saturday
        both = ops.join(
            community,
            _details("13700011111", "甲维修", ["维修", "电脑手机"], [Availability.weekend_morning]),
        )
        skill_only = ops.join(community, _details("13700022222", "乙维修", ["维修"], [Availability.weekday_morning]))
        day_only = ops.join(community, _details("13700033333", "丙周末", ["理发"], [Availability.weekend_evening]))
        nothing = ops.join(community, _details("13700044444", "丁无关", ["理发"], [Availability.weekday_evening]))
        unapproved = ops.join(community, _details("13700055555", "戊待批", ["维修"], [Availability.weekend_morning]))
        for volunteer in (both, skill_only, day_only, nothing):
            ops.approve(coordinator, volunteer)
        db.session.commit()
        ids = [v.id for v in (both, skill_only, day_only)]
        excluded = [nothing.id, unapproved.id]
        db.session.remove()
    login_as("grid_worker")
    response = client.post(
        "/volunteers/help/new",
        data={"description": "修门锁、教用手机", "skills": ["维修", "电脑手机"], "wanted_on": wanted.isoformat()},
    )
    request_id = request_id_of(response)
    login_as("coordinator")
    with app.app_context():
        from app.volunteers.help_requests import suggestions

        ranked = [v.id for v, _m, _a in suggestions(db.session.get(HelpRequest, request_id))]
    assert ranked[:2] == ids[:2]  # two skills and the day, then one skill
    assert ids[2] in ranked[2:]  # the day only (with the world's volunteer, free on weekend mornings too)
    assert not set(excluded) & set(ranked)
    html = client.get(f"/volunteers/help/{request_id}").get_data(as_text=True)
    block = html[html.index('data-testid="suggestions"') :]
    assert block.index("甲维修") < block.index("乙维修") < block.index("丙周末")
    assert "丁无关" not in block and "戊待批" not in block
    assert "13700011111" not in html  # no volunteer's phone on the page


def _details(phone, name, skills, availability):
    from tests.volunteers.factories import details

    return details(phone, name=name, skills=skills, availability=availability)


def test_accept_makes_a_linked_event_and_tells_whoever_asked(app, client, group, login_as):
    order_id = make_order(app, group)
    login_as("grid_worker")
    request_id = request_id_of(ask_from_order(client, order_id))
    login_as("coordinator")
    form = client.get(f"/volunteers/help/{request_id}/accept").get_data(as_text=True)
    assert "独居老人家门锁坏了" in form and "3幢 2单元301" in form
    with app.app_context():
        day = local_today() + timedelta(days=2)
    response = client.post(
        f"/volunteers/help/{request_id}/accept",
        data={
            "title": "帮修门锁",
            "kind": "repairs",
            "starts_at": f"{day.isoformat()}T09:00",
            "ends_at": f"{day.isoformat()}T11:00",
            "place": "3幢 2单元301",
            "capacity": "2",
            "leader_id": str(group.users["leader"]),
            "beneficiary_count": "1",
            "repeat_weeks": "1",
            "skills": ["维修"],
        },
    )
    assert response.status_code == 302, page_text(response)
    event_id = int(re.search(r"/events/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        found = db.session.get(HelpRequest, request_id)
        assert found.status == HelpRequestStatus.accepted and found.event_id == event_id
        assert db.session.get(ServiceEvent, event_id).title == "帮修门锁"
        told = db.session.scalars(select(Notification).where(Notification.user_id == group.users["grid_worker"])).all()
        assert any(f"/volunteers/help/{request_id}" in (n.link or "") for n in told)
    # decided: a second acceptance or a decline is refused with the reason, nothing changes
    response = client.post(f"/volunteers/help/{request_id}/decline", data={"reason": "人手不够"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(HelpRequest, request_id).status == HelpRequestStatus.accepted
        assert db.session.scalar(select(func.count(ServiceEvent.id))) == 1
    login_as("grid_worker")
    assert f"/volunteers/events/{event_id}" in client.get(f"/volunteers/help/{request_id}").get_data(as_text=True)


def test_decline_needs_a_reason_and_only_the_groups_coordinators_decide(app, client, group, login_as):
    order_id = make_order(app, group)
    login_as("grid_worker")
    request_id = request_id_of(ask_from_order(client, order_id))
    assert client.post(f"/volunteers/help/{request_id}/decline", data={"reason": "x"}).status_code == 403
    with app.app_context():
        outsider = db.session.get(User, group.users["outsider"])
        outsider.set_roles(outsider.roles | {Role.coordinator})
        db.session.commit()
        db.session.remove()
    login_as("outsider")  # the coordinator of community B
    assert client.post(f"/volunteers/help/{request_id}/decline", data={"reason": "x"}).status_code == 404
    login_as("coordinator")
    response = client.post(f"/volunteers/help/{request_id}/decline", data={"reason": ""})
    assert response.status_code == 200 and 'id="reason-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(HelpRequest, request_id).status == HelpRequestStatus.open
    response = client.post(f"/volunteers/help/{request_id}/decline", data={"reason": "本周人手不够"})
    assert response.status_code == 302
    with app.app_context():
        found = db.session.get(HelpRequest, request_id)
        assert found.status == HelpRequestStatus.declined and found.decline_reason == "本周人手不够"
        assert db.session.scalar(select(func.count(Volunteer.id))) >= 1


def test_a_mediator_asks_from_a_case_of_their_studio(app, client, group, login_as):
    from tests.mediation.factories import make_case

    case_id = make_case(app, group, upto="registered")
    login_as("outsider")  # a mediator of community B: A's case is not theirs
    refused = client.post("/volunteers/help/new", data={"description": "陪同老人", "case": str(case_id)})
    assert refused.status_code == 404
    login_as("mediator")
    response = client.post("/volunteers/help/new", data={"description": "陪同老人去医院", "case": str(case_id)})
    assert response.status_code == 302, page_text(response)
    with app.app_context():
        found = db.session.get(HelpRequest, request_id_of(response))
        assert found.mediation_case_id == case_id and found.org_unit_id == group.community_a
        assert db.session.scalar(select(func.count(HelpRequest.id))) == 1
