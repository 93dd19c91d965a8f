"""The help group's rows of the access matrix (tests/test_access_matrix.py).

The world gets: the outsider (a mediator and grid worker of community B) as the coordinator of community B too,
the close-but-not-allowed organiser; the world's volunteer approved in community A and signed up for an event
that runs now, led by another volunteer (so the world's volunteer is the volunteer who is not the leader); an
application waiting; and a past event whose record the world's volunteer asked to correct."""

from datetime import timedelta

from app.core.models import OrgUnit, User
from app.core.roles import Role
from app.core.types import clock_at, utcnow
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import Participation, ServiceEvent
from tests.access_support import CHANGED, REFUSED_BY_STATE, Row, answers, page
from tests.volunteers.factories import details, volunteer_for

ORGANISERS = ["coordinator", "outsider"]  # the outsider organises community B
MEMBERS = ["admin", "coordinator", "volunteer", "outsider"]
EVENT_STAFF = ["admin", "coordinator"]  # the group's organisers of A (the leader is no role of the matrix)


def build(app, world):
    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        coordinator = db.session.get(User, world.users["coordinator"])
        outsider = db.session.get(User, world.users["outsider"])
        outsider.set_roles(outsider.roles | {Role.coordinator})
        own = volunteer_for(db.session.get(User, world.users["volunteer"]), community, actor=coordinator)
        leader = ops.join(community, details("13700099999", name="钱领队"))
        ops.approve(coordinator, leader)
        applicant = ops.join(community, details("13700099998", name="吴阿婆"))
        now = utcnow().replace(second=0, microsecond=0)
        base = {
            "title": "暖心服务：上门探访",
            "kind": "warm_service",
            "place": "回龙社区党群服务中心",
            "capacity": 5,
            "leader": leader.user,
            "skills": [],
        }
        past_start = now - timedelta(days=3)
        with clock_at(past_start - timedelta(days=1)):
            (running,) = ops.create_events(
                coordinator,
                community,
                dict(base, starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=2)),
            )
            (past,) = ops.create_events(
                coordinator, community, dict(base, starts_at=past_start, ends_at=past_start + timedelta(hours=2))
            )
            ops.sign_up(own.user, running)
            ops.sign_up(own.user, past)
        with clock_at(past_start + timedelta(hours=3)):
            ops.mark_attendance(leader.user, past, past.participations[0], True)
            ops.confirm_hours(leader.user, past, {}, "good", "探访")
            record = ops.request_correction(own.user, past, 3, "提前到了")
        db.session.commit()
        world.vol = {
            "event_id": running.id,
            "participation_id": db.session.scalar(
                db.select(Participation.id).where(Participation.event_id == running.id)
            ),
            "volunteer_id": applicant.id,
            "record_id": record.id,
        }
        assert db.session.get(ServiceEvent, running.id).status == "planned"
        db.session.remove()
    build_records_of_coordinators(app, world)


def build_records_of_coordinators(app, world):
    """A certificate of the world's volunteer, a care roster entry and an open help request (asked by the grid
    worker) of community A."""
    from app.volunteers import certificates
    from app.volunteers.help_requests import ask
    from app.volunteers.models import CareRosterEntry, Volunteer

    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        coordinator = db.session.get(User, world.users["coordinator"])
        own = db.session.scalar(db.select(Volunteer).where(Volunteer.user_id == world.users["volunteer"]))
        with app.test_request_context():
            issued = certificates.issue(coordinator, own)
            code = certificates.check_code(issued.number)
        entry = CareRosterEntry(org_unit_id=community.id, resident_name="李奶奶", needs="独居", phone="13812345678")
        db.session.add(entry)
        asked = ask(db.session.get(User, world.users["grid_worker"]), community, {"description": "帮修门锁"})
        db.session.commit()
        world.vol.update(
            certificate_id=issued.id, number=issued.number, code=code, entry_id=entry.id, request_id=asked.id
        )
        db.session.remove()


def url_args(world, stage):
    return dict(world.vol)


def step_one(world, stage):
    """A visitor who opened the sign-up without the poster's link chooses the community first."""
    return {"community_id": str(world.community_a)}


def new_event(world, stage):
    start = (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT09:00")
    end = (utcnow() + timedelta(days=5)).strftime("%Y-%m-%dT11:00")
    return {
        "title": "便民维修",
        "kind": "repairs",
        "starts_at": start,
        "ends_at": end,
        "place": "社区广场",
        "capacity": "3",
        "leader_id": str(world.users["coordinator"]),
        "beneficiary_count": "10",
        "repeat_weeks": "1",
    }


def profile(world, stage):
    return {
        "name": "孙志愿",
        "building_id": "0",
        "room": "101",
        "teams": ["residents"],
        "availability": ["weekend_morning"],
    }


DATA = {
    "volunteers.join_step": step_one,
    "volunteers.approve": lambda w, s: {},
    "volunteers.reject": lambda w, s: {"reason": "不在本社区居住"},
    "volunteers.login_link": lambda w, s: {},
    "volunteers.token_login": lambda w, s: {},
    "volunteers.profile": profile,
    "volunteers.new_event": new_event,
    "volunteers.sign_up": lambda w, s: {},
    "volunteers.cancel": lambda w, s: {},
    "volunteers.check_in": lambda w, s: {},
    "volunteers.attendance": lambda w, s: {"attended": "1"},
    "volunteers.confirm_hours": lambda w, s: {"quality": "good"},
    "volunteers.correction": lambda w, s: {"hours": "2", "reason": "我去了"},
    "volunteers.decide_correction": lambda w, s: {"decision": "accept", "note": ""},
    "volunteers.issue_certificate": lambda w, s: {"content": "上门探访"},
    "volunteers.roster_new": lambda w, s: ROSTER_ENTRY,
    "volunteers.roster_edit": lambda w, s: ROSTER_ENTRY,
    "volunteers.roster_visit": new_event,
    "volunteers.help_new": lambda w, s: {"description": "独居老人家门锁坏了", "place": "3幢"},
    "volunteers.help_accept": new_event,
    "volunteers.help_decline": lambda w, s: {"reason": "本周人手不够"},
}

ROSTER_ENTRY = {"resident_name": "王爷爷", "building_id": "0", "needs": "独居", "visit_frequency": "weekly"}
ASKERS = ["admin", "mediator", "grid_worker", "coordinator", "outsider", "colleague"]


def both_stages(get, data, **kwargs):
    return Row(get=get, post={stage: answers(**kwargs) for stage in ("registered", "agreement")}, data=data)


ROWS = {
    # a volunteer sees their own page; organisers (the outsider of B too) their group's hub
    "volunteers.index": page(roles=MEMBERS),
    # the public sign-up: a visitor answers step one (kept in the session only); a logged-in user is sent on
    "volunteers.join": Row(get=answers(ok=302, anonymous=200)),
    "volunteers.join_step": both_stages(
        None, DATA["volunteers.join_step"], ok=302, changes=False, anonymous=(302, False)
    ),
    # the organisers' pages, each for their own area
    "volunteers.poster": page(roles=["admin", *ORGANISERS]),
    "volunteers.people": page(roles=["admin", *ORGANISERS]),
    # the applicant of A: the coordinator of B does not learn it exists
    "volunteers.person": page(roles=EVENT_STAFF, outsider=404),
    "volunteers.approve": both_stages(
        None, DATA["volunteers.approve"], ok=302, roles=EVENT_STAFF, outsider=404, changes=True
    ),
    "volunteers.reject": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.reject"],
        ok=302,
        roles=EVENT_STAFF,
        outsider=404,
        changes=True,
    ),
    "volunteers.login_link": both_stages(
        None, DATA["volunteers.login_link"], ok=200, roles=EVENT_STAFF, outsider=404, changes=True
    ),
    # a link that is no (longer a) link: everybody is told so, nothing changes
    "volunteers.token_login": both_stages(
        answers(ok=410, anonymous=410), DATA["volunteers.token_login"], ok=410, changes=False, anonymous=(410, False)
    ),
    "volunteers.me": page(roles=MEMBERS),
    "volunteers.profile": both_stages(
        page(roles=["volunteer"]).get, DATA["volunteers.profile"], ok=302, roles=["volunteer"], changes=True
    ),
    "volunteers.events": page(roles=MEMBERS),
    # planning is for a community's coordinators: an admin of the street has no community to plan in
    "volunteers.new_event": both_stages(
        page(roles=ORGANISERS).get,
        DATA["volunteers.new_event"],
        ok=302,
        roles=["coordinator"],
        outsider=REFUSED_BY_STATE,  # the leader is not one of B's people
        changes=True,
    ),
    # the running event of A: its community's volunteers and organisers; the coordinator of B gets 404
    "volunteers.event": page(roles=["admin", "coordinator", "volunteer"], outsider=404),
    # the world's volunteer is signed up already: told so on the event's page, nothing changes
    "volunteers.sign_up": both_stages(
        None, DATA["volunteers.sign_up"], ok=(302, False), roles=["volunteer"], outsider=404
    ),
    "volunteers.cancel": both_stages(None, DATA["volunteers.cancel"], ok=CHANGED, roles=["volunteer"], outsider=404),
    # the leader's code: not for the volunteer who is not the leader
    "volunteers.checkin_code": page(roles=EVENT_STAFF, outsider=404),
    "volunteers.check_in": both_stages(
        page(roles=["volunteer"], outsider=404).get,
        DATA["volunteers.check_in"],
        ok=REFUSED_BY_STATE,  # a code that is no code: the page says so
        roles=["volunteer"],
        outsider=404,
    ),
    "volunteers.attendance": both_stages(
        None, DATA["volunteers.attendance"], ok=CHANGED, roles=EVENT_STAFF, outsider=404
    ),
    # nobody is marked present yet: the form comes back with the reason
    "volunteers.confirm_hours": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.confirm_hours"],
        ok=REFUSED_BY_STATE,
        roles=EVENT_STAFF,
        outsider=404,
    ),
    # the world's volunteer did not attend the running event yet: refused with the reason
    "volunteers.correction": both_stages(
        page(roles=["volunteer"]).get,
        DATA["volunteers.correction"],
        ok=REFUSED_BY_STATE,
        roles=["volunteer"],
    ),
    "volunteers.corrections": page(roles=["admin", "coordinator", "outsider"]),
    "volunteers.decide_correction": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.decide_correction"],
        ok=302,
        roles=EVENT_STAFF,
        outsider=404,
        changes=True,
    ),
    # certificates: issued by the group's organisers (the applicant is not approved: refused with the reason);
    # the print page and PDF for its volunteer and organisers; the verification page is public
    "volunteers.issue_certificate": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.issue_certificate"],
        ok=REFUSED_BY_STATE,
        roles=EVENT_STAFF,
        outsider=404,
    ),
    "volunteers.certificate_page": page(roles=["admin", "coordinator", "volunteer"], outsider=404),
    "volunteers.certificate_pdf": page(roles=["admin", "coordinator", "volunteer"], outsider=404),
    "volunteers.verify_certificate": page(anonymous=200),
    # the care roster: the group's organisers only, never a volunteer; B's coordinator gets 404 for A's entry
    "volunteers.roster": page(roles=["admin", *ORGANISERS]),
    "volunteers.roster_new": both_stages(
        page(roles=ORGANISERS).get, DATA["volunteers.roster_new"], ok=CHANGED, roles=ORGANISERS
    ),
    "volunteers.roster_entry": page(roles=EVENT_STAFF, outsider=404),
    "volunteers.roster_edit": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.roster_edit"],
        ok=CHANGED,
        roles=EVENT_STAFF,
        outsider=404,
    ),
    "volunteers.roster_visit": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.roster_visit"],
        ok=CHANGED,
        roles=EVENT_STAFF,
        outsider=404,
    ),
    # help requests: mediators, grid workers and coordinators ask; the street's admin has no community to ask in
    "volunteers.help_requests": page(roles=ASKERS),
    "volunteers.help_new": both_stages(
        page(roles=ASKERS).get, DATA["volunteers.help_new"], ok=CHANGED, roles=ASKERS, admin=REFUSED_BY_STATE
    ),
    # the request of A's grid worker: A's organisers and whoever asked
    "volunteers.help_request": page(
        roles=["admin", "coordinator", "grid_worker"], mediator=404, colleague=404, outsider=404
    ),
    "volunteers.help_accept": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.help_accept"],
        ok=CHANGED,
        roles=EVENT_STAFF,
        outsider=404,
    ),
    "volunteers.help_decline": both_stages(
        page(roles=EVENT_STAFF, outsider=404).get,
        DATA["volunteers.help_decline"],
        ok=CHANGED,
        roles=EVENT_STAFF,
        outsider=404,
    ),
    # the figures of the organiser's area
    "volunteers.figures": page(roles=["admin", *ORGANISERS]),
    "volunteers.figures_xlsx": page(roles=["admin", *ORGANISERS]),
}
