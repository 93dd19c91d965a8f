"""The help group's rules, without HTTP: sign-up and approval, places and the waiting list, check-in codes,
hours, corrections, stars and one-time login links."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.core.models import Notification, OrgUnit, User
from app.core.operations import DomainError
from app.core.types import utcnow
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import (
    CorrectionStatus,
    EventStatus,
    LoginToken,
    Participation,
    ParticipationStatus,
    ServiceEvent,
    ServiceRecord,
    Volunteer,
    VolunteerStatus,
)
from tests.conftest import changed_tables, database_rows
from tests.volunteers.factories import details, make_event


def community(world):
    return db.session.get(OrgUnit, world.community_a)


def user(world, role):
    return db.session.get(User, world.users[role])


# --- sign-up and approval -------------------------------------------------------------------------


def test_join_makes_an_account_waiting_for_approval(app, world):
    with app.app_context():
        volunteer = ops.join(community(world), details("13612345678", id_number="11010519491231002X"))
        db.session.commit()
        account = db.session.scalar(select(User).where(User.phone == "13612345678"))
        assert account.check_password("linli-pass-2026")
        assert {str(r) for r in account.roles} == {"volunteer"}
        assert volunteer.status == VolunteerStatus.applied and volunteer.number is None
        assert volunteer.consent_version == ops.CONSENT_VERSION and volunteer.consent_at is not None
        assert [t.kind.value for t in volunteer.teams] == ["residents"]
        assert [s.name for s in volunteer.skills] == ["陪伴聊天"]
        # the coordinator of the community is told
        note = db.session.scalar(select(Notification).where(Notification.user_id == world.users["coordinator"]))
        assert "周秀兰" in note.text


def test_a_second_sign_up_with_the_same_number_changes_nothing(app, world):
    with app.app_context():
        before = database_rows()
        with pytest.raises(DomainError) as refused:
            ops.join(community(world), details(world.phones["mediator"]))
        db.session.rollback()
        assert refused.value.field == "phone"
        assert changed_tables(before, database_rows()) == {}


def test_approval_gives_a_unique_number_and_rejection_needs_a_reason(app, world):
    with app.app_context():
        first = ops.join(community(world), details("13612345671"))
        second = ops.join(community(world), details("13612345672"))
        coordinator = user(world, "coordinator")
        ops.approve(coordinator, first)
        with pytest.raises(DomainError):
            ops.reject(coordinator, second, "  ")
        ops.reject(coordinator, second, "不在本社区居住")
        db.session.commit()
        year = utcnow().year
        assert first.number == f"LS{year}-{first.id:04d}"
        assert second.status == VolunteerStatus.rejected and second.number is None
        with pytest.raises(DomainError):
            ops.approve(coordinator, second)


def test_the_database_refuses_an_approved_volunteer_without_a_number(app, world):
    with app.app_context():
        volunteer = ops.join(community(world), details("13612345673"))
        db.session.commit()
        with pytest.raises(IntegrityError):
            db.session.execute(
                Volunteer.__table__.update().where(Volunteer.id == volunteer.id).values(status="approved")
            )
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE volunteers SET sex = 'x' WHERE id = :id"), {"id": volunteer.id})
        db.session.rollback()


# --- places and the waiting list ------------------------------------------------------------------


def test_a_full_event_puts_people_on_a_waiting_list_and_promotes_them_in_order(app, group):
    event_id = make_event(app, group, capacity=1)
    with app.app_context():
        event = db.session.get(ServiceEvent, event_id)
        first, second, third = (
            db.session.get(User, uid) for uid in [group.users["volunteer"], *group.extra_volunteers]
        )
        assert ops.sign_up(first, event).status == ParticipationStatus.signed_up
        waiting = ops.sign_up(second, event)
        later = ops.sign_up(third, event)
        assert (waiting.status, waiting.position) == (ParticipationStatus.waiting, 1)
        assert (later.status, later.position) == (ParticipationStatus.waiting, 2)
        with pytest.raises(DomainError):
            ops.sign_up(first, event)  # already signed up
        db.session.commit()
        ops.cancel_sign_up(first, event)
        db.session.commit()
        assert waiting.status == ParticipationStatus.signed_up and waiting.position is None
        assert later.status == ParticipationStatus.waiting
        note = db.session.scalar(
            select(Notification).where(Notification.user_id == second.id).order_by(Notification.id.desc())
        )
        assert "暖心服务" in note.text and note.link == f"/volunteers/events/{event_id}"
        # who cancelled may come back: at the end of the waiting list
        again = ops.sign_up(first, event)
        assert (again.status, again.position) == (ParticipationStatus.waiting, 3)


def test_only_approved_volunteers_sign_up(app, world):
    from tests.volunteers.factories import make_leader, make_volunteers

    make_volunteers(app, world, approve=False)
    make_leader(app, world)
    event_id = make_event(app, world)
    with app.app_context():
        with pytest.raises(DomainError):
            ops.sign_up(user(world, "volunteer"), db.session.get(ServiceEvent, event_id))


def test_weekly_events_are_made_in_one_step_with_a_series(app, group):
    ids = make_event(app, group, weeks=4)
    with app.app_context():
        events = [db.session.get(ServiceEvent, i) for i in ids]
        assert len({e.series_id for e in events}) == 1 and events[0].series_id
        gaps = {(b.starts_at - a.starts_at) for a, b in zip(events, events[1:], strict=False)}
        assert gaps == {timedelta(weeks=1)}


# --- check-in codes and hours --------------------------------------------------------------------


@pytest.fixture
def running(app, group):
    """An event that started 30 minutes ago, the world's volunteer signed up."""
    event_id = make_event(app, group, starts_in=timedelta(minutes=-30), hours=2)
    with app.app_context():
        event = db.session.get(ServiceEvent, event_id)
        db.session.add(
            Participation(event_id=event.id, volunteer_id=group.volunteer_row, status=ParticipationStatus.signed_up)
        )
        db.session.commit()
    return event_id


def test_a_check_in_code_of_another_event_or_expired_is_refused(app, group, running):
    other_id = make_event(app, group, starts_in=timedelta(minutes=-10))
    with app.app_context():
        event = db.session.get(ServiceEvent, running)
        other = db.session.get(ServiceEvent, other_id)
        ops.check_code(event, ops.checkin_code(event))  # the current code passes
        with pytest.raises(DomainError, match="其他活动的签到码"):
            ops.check_code(event, ops.checkin_code(other))
        old = ops.checkin_code(event, utcnow() - timedelta(minutes=3))
        with pytest.raises(DomainError, match="签到码已过期"):
            ops.check_code(event, old)
        forged = ops.checkin_code(event)[:-1] + "0"
        with pytest.raises(DomainError, match="签到码无效"):
            ops.check_code(event, forged if forged != ops.checkin_code(event) else forged[:-1] + "1")
        with pytest.raises(DomainError, match="活动时间前后"):
            later = utcnow() + timedelta(hours=5)
            ops.check_code(event, ops.checkin_code(event, later), later)


def test_scans_check_in_and_out_and_the_hours_are_rounded(app, group, running):
    with app.app_context():
        event = db.session.get(ServiceEvent, running)
        volunteer = user(group, "volunteer")
        start = event.starts_at + timedelta(minutes=5)
        assert ops.scan(volunteer, event, ops.checkin_code(event, start), start) == "checked_in"
        end = start + timedelta(minutes=100)
        assert ops.scan(volunteer, event, ops.checkin_code(event, end), end) == "checked_out"
        participation = event.participations[0]
        assert ops.suggested_hours(event, participation) == Decimal("1.50")  # 100 minutes, down to the half hour
        leader = user(group, "leader")
        ops.confirm_hours(leader, event, {}, "good", "探访")
        db.session.commit()
        record = db.session.scalar(select(ServiceRecord))
        assert (record.hours, record.leader_id, record.recorder_id) == (Decimal("1.50"), leader.id, leader.id)
        assert event.status == EventStatus.completed


@pytest.mark.parametrize(
    ("minutes", "rule", "hours"),
    [
        (89, (30, "down"), "1.00"),
        (90, (30, "down"), "1.50"),
        (104, (30, "nearest"), "1.50"),
        (106, (30, "nearest"), "2.00"),
        (61, (15, "up"), "1.25"),
        (0, (30, "down"), "0.00"),
    ],
)
def test_rounding_of_hours(app, minutes, rule, hours):
    with app.app_context():
        assert ops.round_hours(minutes * 60, rule) == Decimal(hours)


def test_a_volunteer_not_signed_up_cannot_check_in(app, group, running):
    with app.app_context():
        event = db.session.get(ServiceEvent, running)
        stranger = db.session.get(User, group.extra_volunteers[0])
        before = database_rows()
        with pytest.raises(DomainError, match="没有报名本活动"):
            ops.scan(stranger, event, ops.checkin_code(event))
        db.session.rollback()
        assert changed_tables(before, database_rows()) == {}


def test_correction_only_by_who_attended_and_decided_by_the_coordinator(app, group, running):
    with app.app_context():
        event = db.session.get(ServiceEvent, running)
        leader = user(group, "leader")
        ops.mark_attendance(leader, event, event.participations[0], True)
        ops.confirm_hours(leader, event, {event.participations[0].id: Decimal("1.5")}, "good", "")
        db.session.commit()
        before = database_rows()
        absent = db.session.get(User, group.extra_volunteers[0])
        with pytest.raises(DomainError, match="有出勤记录的志愿者"):
            ops.request_correction(absent, event, Decimal(2), "我也去了")
        db.session.rollback()
        assert changed_tables(before, database_rows()) == {}
        record = ops.request_correction(user(group, "volunteer"), event, Decimal(2), "提前到了半小时")
        with pytest.raises(DomainError):
            ops.request_correction(user(group, "volunteer"), event, Decimal(2), "again")
        ops.decide_correction(user(group, "coordinator"), record, accept=True)
        db.session.commit()
        assert (record.hours, record.correction_status) == (Decimal("2.00"), CorrectionStatus.accepted)


# --- stars -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "stars", "next_star", "progress"),
    [
        (0, 0, 100, 0),
        (99, 0, 100, 99),
        (100, 1, 300, 0),
        (299, 1, 300, 99),
        (300, 2, 600, 0),
        (999.5, 3, 1000, 99),
        (1499, 4, 1500, 99),
        (1500, 5, None, 100),
        (4000, 5, None, 100),
    ],
)
def test_star_thresholds(app, hours, stars, next_star, progress):
    with app.app_context():
        assert ops.stars(Decimal(str(hours))) == (stars, next_star, progress)


def test_star_thresholds_are_configurable(app):
    with app.app_context():
        assert ops.stars(Decimal(60), (50, 100, 200)) == (1, 100, 20)


# --- one-time login links --------------------------------------------------------------------------


def test_a_login_link_works_once_and_not_after_a_day(app, group):
    with app.app_context():
        volunteer = db.session.get(Volunteer, group.volunteer_row)
        token = ops.create_login_link(user(group, "coordinator"), volunteer)
        db.session.commit()
        row = db.session.scalar(select(LoginToken))
        assert row.digest == ops.token_digest(token) and token not in row.digest
        assert ops.use_login_link(token).id == group.users["volunteer"]
        db.session.commit()
        with pytest.raises(DomainError):
            ops.use_login_link(token)
        old = ops.create_login_link(user(group, "coordinator"), volunteer)
        db.session.scalar(select(LoginToken).where(LoginToken.digest == ops.token_digest(old))).expires_at = (
            utcnow() - timedelta(seconds=1)
        )
        db.session.commit()
        with pytest.raises(DomainError):
            ops.use_login_link(old)
        assert db.session.scalar(select(func.count()).select_from(LoginToken)) == 2
