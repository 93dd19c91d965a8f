"""The care roster: kept by coordinators only (volunteers never see it, a coordinator of another community gets
404); bad input comes back with the message and what was typed; "not visited for N days" on the list and the
coordinator's home card; a visit event made from an entry in one step carries the entry as its beneficiary, and
confirming its hours sets the entry's last visit."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.core.models import OrgUnit, User
from app.core.roles import Role
from app.core.types import as_local, clock_at, local_today
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import CareRosterEntry, ServiceEvent, VisitFrequency, event_beneficiaries
from tests.conftest import page_text

ENTRY = {
    "resident_name": "李奶奶",
    "building_id": "0",
    "room": "502",
    "phone": "13812345678",
    "needs": "独居，行动不便，需每周探访",
    "health_notes": "高血压",
    "contact_person": "李明",
    "contact_phone": "13987654321",
    "visit_frequency": "weekly",
    "last_visited_on": "",
}


def add_entry(app, world, name="李奶奶", frequency=VisitFrequency.weekly, days_ago=None):
    with app.app_context():
        entry = CareRosterEntry(
            org_unit_id=world.community_a,
            resident_name=name,
            phone="13812345678",
            needs="独居",
            health_notes="高血压",
            contact_person="李明",
            contact_phone="13987654321",
            visit_frequency=frequency,
            last_visited_on=None if days_ago is None else local_today() - timedelta(days=days_ago),
        )
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
        db.session.remove()
    return entry_id


def make_coordinator_of_b(app, world):
    with app.app_context():
        outsider = db.session.get(User, world.users["outsider"])
        outsider.set_roles(outsider.roles | {Role.coordinator})
        db.session.commit()
        db.session.remove()


def test_a_coordinator_adds_a_resident_and_sees_the_sensitive_fields(app, client, group, login_as):
    login_as("coordinator")
    response = client.post("/volunteers/roster/new", data=ENTRY)
    assert response.status_code == 302, page_text(response)
    assert "13812345678" not in response.headers["Location"]
    page = client.get(response.headers["Location"])
    text = page_text(page)
    assert "李奶奶" in text and "13812345678" in text and "高血压" in text and "李明" in text
    assert "no-store" in page.headers["Cache-Control"]
    assert "李奶奶" in page_text(client.get("/volunteers/roster"))


def test_volunteers_never_see_the_roster_and_another_community_gets_404(app, client, group, login_as):
    entry_id = add_entry(app, group)
    make_coordinator_of_b(app, group)
    for role in ("volunteer", "grid_worker", "mediator"):
        login_as(role)
        for path in ("/volunteers/roster", f"/volunteers/roster/{entry_id}", f"/volunteers/roster/{entry_id}/visit"):
            response = client.get(path)
            assert response.status_code == 403, (role, path)
            assert "13812345678" not in response.get_data(as_text=True)
    login_as("volunteer")
    assert "李奶奶" not in client.get("/volunteers/me").get_data(as_text=True)
    login_as("outsider")  # the coordinator of community B
    assert client.get(f"/volunteers/roster/{entry_id}").status_code == 404
    assert client.post(f"/volunteers/roster/{entry_id}/edit", data=dict(ENTRY, resident_name="改名")).status_code == 404
    assert "李奶奶" not in page_text(client.get("/volunteers/roster"))
    with app.app_context():
        assert db.session.get(CareRosterEntry, entry_id).resident_name == "李奶奶"


def test_bad_input_comes_back_with_the_message_and_what_was_typed(app, client, group, login_as):
    login_as("coordinator")
    client.post("/language", data={"lang": "en"})
    with app.app_context():
        future = (local_today() + timedelta(days=3)).isoformat()
    for changes, field in (
        ({"phone": "12345"}, "phone"),
        ({"needs": ""}, "needs"),
        ({"visit_frequency": "daily"}, "visit_frequency"),
        ({"last_visited_on": future}, "last_visited_on"),
        ({"building_id": "999999"}, "building_id"),
    ):
        response = client.post("/volunteers/roster/new", data=dict(ENTRY, **changes))
        assert response.status_code == 200, field
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html, field  # the message stands at the field that was wrong
        assert "独居，行动不便，需每周探访" in html or field == "needs"
    with app.app_context():
        assert db.session.scalar(select(func.count(CareRosterEntry.id))) == 0


def test_not_visited_for_n_days_from_the_visit_frequency(app, client, group, login_as):
    due_weekly = add_entry(app, group, "周奶奶", VisitFrequency.weekly, days_ago=8)
    add_entry(app, group, "吴爷爷", VisitFrequency.monthly, days_ago=8)  # a month has not passed
    add_entry(app, group, "郑奶奶", VisitFrequency.weekly, days_ago=2)
    never = add_entry(app, group, "王爷爷", VisitFrequency.fortnightly)
    login_as("coordinator")
    text = page_text(client.get("/volunteers/roster?due=1"))
    assert "周奶奶" in text and "王爷爷" in text
    assert "吴爷爷" not in text and "郑奶奶" not in text
    home = client.get("/").get_data(as_text=True)
    card = re.search(r'data-testid="roster-due">(.*?)</p>', home, re.S)
    assert card and re.search(r"\b2\b", card.group(1)), home
    with app.app_context():
        from app.volunteers.roster import is_due

        assert is_due(db.session.get(CareRosterEntry, due_weekly))
        assert is_due(db.session.get(CareRosterEntry, never))


def test_a_visit_from_the_roster_in_one_step_and_its_hours_set_the_last_visit(app, client, group, login_as):
    entry_id = add_entry(app, group, days_ago=20)
    login_as("coordinator")
    with app.app_context():
        day = local_today() + timedelta(days=1)
    form = client.get(f"/volunteers/roster/{entry_id}/visit")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert 'value="home_visit" selected' in html or 'selected value="home_visit"' in html
    assert "李奶奶" in html
    response = client.post(
        f"/volunteers/roster/{entry_id}/visit",
        data={
            "title": "探访李奶奶",
            "kind": "home_visit",
            "starts_at": f"{day.isoformat()}T09:00",
            "ends_at": f"{day.isoformat()}T10:00",
            "place": "3幢 502",
            "capacity": "2",
            "leader_id": str(group.users["leader"]),
            "beneficiary_count": "1",
            "repeat_weeks": "1",
        },
    )
    assert response.status_code == 302, page_text(response)
    event_id = int(re.search(r"/events/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        assert db.session.execute(
            select(event_beneficiaries.c.roster_entry_id).where(event_beneficiaries.c.event_id == event_id)
        ).scalars().all() == [entry_id]
        event = db.session.get(ServiceEvent, event_id)
        volunteer = db.session.get(User, group.users["volunteer"])
        leader = db.session.get(User, group.users["leader"])
        with clock_at(event.starts_at - timedelta(hours=1)):
            ops.sign_up(volunteer, event)
        with clock_at(event.ends_at + timedelta(minutes=5)):
            ops.mark_attendance(leader, event, event.participations[0], True)
            ops.confirm_hours(leader, event, {}, "good", "探访")
        db.session.commit()
        assert db.session.get(CareRosterEntry, entry_id).last_visited_on == as_local(event.starts_at).date() == day
        assert db.session.get(OrgUnit, group.community_a) is not None
