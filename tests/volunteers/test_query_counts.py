"""The help group's lists send the same number of SQL statements however many rows they show: a lazy load in a
loop (one more query per volunteer, per event, per participant) fails here."""

from sqlalchemy import select

from app.core.models import OrgUnit, User
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import ServiceEvent
from tests.volunteers.factories import details, make_event, make_leader, make_volunteers


def statements(count_queries, client, url):
    with count_queries() as sent:
        assert client.get(url).status_code == 200
    return len(sent)


def add_people(app, world, first, count):
    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        coordinator = db.session.get(User, world.users["coordinator"])
        users = []
        for number in range(first, first + count):
            volunteer = ops.join(community, details(f"135{number:08d}", name=f"队员{number}", skills=["维修", "理发"]))
            ops.approve(coordinator, volunteer)
            users.append(volunteer.user)
        for event in db.session.scalars(select(ServiceEvent)):
            for user in users:
                ops.sign_up(user, event)
        db.session.commit()


def test_the_lists_and_the_event_page_do_not_grow_with_their_rows(app, client, login_as, world, count_queries):
    make_volunteers(app, world)
    make_leader(app, world)
    event_id = make_event(app, world, capacity=3)
    make_event(app, world, capacity=30)
    add_people(app, world, 0, 2)
    login_as("coordinator")
    pages = ["/volunteers/people", "/volunteers/events", "/volunteers/", f"/volunteers/events/{event_id}"]
    few = {url: statements(count_queries, client, url) for url in pages}
    add_people(app, world, 100, 8)
    many = {url: statements(count_queries, client, url) for url in pages}
    assert many == few
    login_as("volunteer")
    few = statements(count_queries, client, "/volunteers/me")
    add_people(app, world, 200, 3)
    assert statements(count_queries, client, "/volunteers/me") == few
