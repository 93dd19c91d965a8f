"""Build the help group's records through the real operations: volunteers (approved or not) for users of the
world, more volunteers in the same community, and events at a given time."""

from datetime import date, timedelta

from app.core.models import OrgUnit, User
from app.core.types import clock_at, utcnow
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import Availability, EventKind, Sex, TeamKind, Volunteer


def details(phone, name="周秀兰", **changes):
    """What the five steps of the sign-up collect, for ops.join."""
    data = {
        "phone": phone,
        "name": name,
        "sex": Sex.female,
        "birth_month": date(1958, 3, 1),
        "building_id": None,
        "room": "302",
        "teams": [TeamKind.residents],
        "skills": ["陪伴聊天"],
        "availability": [Availability.weekday_morning],
        "consent": True,
        "id_number": "",
        "password": "linli-pass-2026",
    }
    data.update(changes)
    return data


def volunteer_for(user, community, approve=True, actor=None):
    """A Volunteer row for an existing user of the world (approved by ``actor`` unless told not to)."""
    volunteer = Volunteer(
        user=user,
        org_unit_id=community.id,
        sex=Sex.male,
        birth_month=date(1960, 5, 1),
        availability=Availability.to_bits([Availability.weekend_morning]),
        consent_at=utcnow(),
        consent_version=ops.CONSENT_VERSION,
        teams=ops.teams_for(community, [TeamKind.residents]),
    )
    db.session.add(volunteer)
    db.session.flush()
    if approve:
        ops.approve(actor or user, volunteer)
    return volunteer


def make_volunteers(app, world, count=0, approve=True):
    """The world's volunteer as an approved volunteer of community A, and ``count`` more (phones 1370000xxxx);
    returns {"volunteer": id, "extra": [user ids]} and adds them to world.volunteers."""
    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        coordinator = db.session.get(User, world.users["coordinator"])
        own = volunteer_for(db.session.get(User, world.users["volunteer"]), community, approve, coordinator)
        extra = []
        for number in range(count):
            volunteer = ops.join(community, details(f"137{number:08d}", name=f"志愿者{number}"))
            if approve:
                ops.approve(coordinator, volunteer)
            extra.append(volunteer.user_id)
        db.session.commit()
        world.volunteer_row = own.id
        world.extra_volunteers = extra
        db.session.remove()
    return world


def make_leader(app, world):
    """A second approved volunteer of community A who leads events (the world's volunteer is not the leader)."""
    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        volunteer = ops.join(community, details("13700099999", name="钱领队"))
        ops.approve(db.session.get(User, world.users["coordinator"]), volunteer)
        db.session.commit()
        world.users["leader"] = volunteer.user_id
        db.session.remove()
    return world


def make_event(app, world, capacity=5, starts_in=timedelta(days=2), hours=2, leader="leader", weeks=1):
    """An event of community A starting ``starts_in`` from now and lasting ``hours``; returns its id."""
    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        starts = (utcnow() + starts_in).replace(second=0, microsecond=0)
        coordinator = db.session.get(User, world.users["coordinator"])
        data = {
            "title": "暖心服务：上门探访",
            "kind": EventKind.warm_service,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=hours),
            "place": "回龙社区党群服务中心",
            "description": "陪伴聊天",
            "capacity": capacity,
            "leader": db.session.get(User, world.users[leader]),
            "beneficiary_count": 5,
            "repeat_weeks": weeks,
            "skills": [],
        }
        with clock_at(starts - timedelta(days=1)):
            events = ops.create_events(coordinator, community, data)
        db.session.commit()
        ids = [event.id for event in events]
        db.session.remove()
    return ids[0] if weeks == 1 else ids
