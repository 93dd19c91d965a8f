"""Places hold under concurrency: 20 volunteers sign up at the same moment, each in its own thread, connection
and transaction, for an event with 5 places; exactly 5 get a place and 15 wait, numbered 1 to 15. Runs on the
test database: SQLite by default, PostgreSQL when DATABASE_URL names one."""

import threading

from sqlalchemy import select

from app.core.models import User
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import Participation, ParticipationStatus, ServiceEvent
from tests.volunteers.factories import make_event, make_leader, make_volunteers

SIGN_UPS = 20
PLACES = 5


def test_twenty_simultaneous_sign_ups_for_five_places(app, world):
    make_volunteers(app, world, count=SIGN_UPS - 1)
    make_leader(app, world)
    event_id = make_event(app, world, capacity=PLACES)
    user_ids = [world.users["volunteer"], *world.extra_volunteers]
    barrier = threading.Barrier(len(user_ids))
    errors = []

    def sign_up(user_id):
        with app.app_context():
            try:
                volunteer = db.session.get(User, user_id)
                event = db.session.get(ServiceEvent, event_id)
                db.session.commit()  # the connection goes back to the pool: the 20 start together, whatever its size
                barrier.wait(timeout=30)
                ops.sign_up(volunteer, event)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - every failure is reported by the assertion below
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_up, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        rows = db.session.scalars(select(Participation).where(Participation.event_id == event_id)).all()
        statuses = [row.status for row in rows]
        assert len(rows) == SIGN_UPS
        assert statuses.count(ParticipationStatus.signed_up) == PLACES
        assert statuses.count(ParticipationStatus.waiting) == SIGN_UPS - PLACES
        assert sorted(row.position for row in rows if row.position) == list(range(1, SIGN_UPS - PLACES + 1))
