"""Every change of the help group's data, with its rules: sign-up and approval, profiles, service events and
their waiting lists, check-in and hours, service records and their corrections, one-time login links.
Each function checks its rule, changes rows, writes the audit entry (and notifies), and flushes; the view
commits once. A refusal is a DomainError with a translated message."""

import hashlib
import hmac
import math
import secrets
import uuid
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.core import operations as core_ops
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.models import Building, User
from app.core.operations import DomainError
from app.core.roles import Role
from app.core.types import as_local, utcnow
from app.extensions import db
from app.volunteers.models import (
    TAKING_PART,
    Availability,
    CorrectionStatus,
    EventStatus,
    LoginToken,
    Participation,
    ParticipationStatus,
    Quality,
    ServiceEvent,
    ServiceRecord,
    Skill,
    Team,
    TeamKind,
    Volunteer,
    VolunteerStatus,
)

CONSENT_VERSION = "2026-11"
DEFAULT_SKILLS = ("维修", "医疗护理", "法律咨询", "心理疏导", "辅导功课", "陪伴聊天", "文体活动", "理发", "电脑手机")


# --- the group's teams and skills ----------------------------------------------------------------


def teams_for(community, kinds):
    """The Team rows of ``community`` for ``kinds``, made when missing."""
    wanted = [TeamKind(kind) for kind in kinds]
    existing = {team.kind: team for team in db.session.scalars(select(Team).where(Team.org_unit_id == community.id))}
    for kind in wanted:
        if kind not in existing:
            existing[kind] = Team(org_unit_id=community.id, kind=kind)
            db.session.add(existing[kind])
    return [existing[kind] for kind in wanted]


def skills_for(community, names):
    """The Skill rows of ``community`` named ``names``, made when missing (names come from the form's choices)."""
    existing = {
        skill.name: skill for skill in db.session.scalars(select(Skill).where(Skill.org_unit_id == community.id))
    }
    result = []
    for position, name in enumerate(names):
        if name not in existing:
            existing[name] = Skill(org_unit_id=community.id, name=name, sort_order=len(existing) + position)
            db.session.add(existing[name])
        result.append(existing[name])
    return result


# --- sign-up and approval -------------------------------------------------------------------------


def phone_taken(phone):
    return bool(db.session.scalar(select(User.id).where(User.phone == phone)))


def duplicate_phone_error():
    return DomainError(
        _("This mobile number already has an account. Please log in with it instead of signing up again."),
        field="phone",
    )


def join(community, data):
    """A resident signs up from their phone: an account (mobile number and password, role volunteer) and an
    application waiting for approval. ``data`` holds what the steps of the form collected."""
    if phone_taken(data["phone"]):
        raise duplicate_phone_error()
    if not data.get("consent"):
        raise DomainError(_("Please agree to how your details are used, or you cannot join."), field="consent")
    building = _building_in(community, data.get("building_id"))
    user = User(phone=data["phone"], name=data["name"].strip(), org_unit=community, active=True)
    user.set_password(data["password"])
    user.set_roles([Role.volunteer])
    db.session.add(user)
    now = utcnow()
    volunteer = Volunteer(
        user=user,
        org_unit_id=community.id,
        status=VolunteerStatus.applied,
        sex=data["sex"],
        birth_month=data["birth_month"],
        building=building,
        room=data.get("room") or None,
        id_number=data.get("id_number") or None,
        availability=Availability.to_bits(data.get("availability")),
        consent_at=now,
        consent_version=CONSENT_VERSION,
        applied_at=now,
        teams=teams_for(community, data.get("teams") or ()),
        skills=skills_for(community, data.get("skills") or ()),
    )
    db.session.add(volunteer)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same number sent twice at the same moment
        raise duplicate_phone_error() from error
    core_ops.log(user, "volunteers.applied", volunteer, _l("Applied to join the help group"))
    for coordinator in _coordinators(community):
        core_ops.notify(
            coordinator,
            _l("%(name)s applied to join the help group.", name=user.name),
            f"/volunteers/people/{volunteer.id}",
        )
    db.session.flush()
    return volunteer


def _coordinators(community):
    from app.core.models import UserRole

    return db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.coordinator, User.org_unit_id == community.id, User.active.is_(True))
    ).all()


def _building_in(community, building_id):
    if not building_id:
        return None
    building = db.session.get(Building, building_id)
    if building is None or not community.contains(building.grid):
        raise DomainError(_("Choose one of the buildings of this community."), field="building_id")
    return building


def approve(actor, volunteer):
    if volunteer.status != VolunteerStatus.applied:
        raise DomainError(_("Only an application that is waiting can be approved."))
    volunteer.status = VolunteerStatus.approved
    volunteer.status_reason = None
    volunteer.decided_at = utcnow()
    volunteer.decided_by_id = actor.id
    # unique without a lock: the row's own id, counted from one
    volunteer.number = volunteer_number(volunteer)
    core_ops.log(actor, "volunteers.approved", volunteer, _l("Approved volunteer %(number)s", number=volunteer.number))
    core_ops.notify(
        volunteer.user,
        _l("Welcome to the help group! Your volunteer number is %(number)s.", number=volunteer.number),
        "/volunteers/",
    )
    db.session.flush()
    return volunteer


def volunteer_number(volunteer):
    config = current_app.config
    year = as_local(utcnow()).year
    return f"{config['VOLUNTEER_NUMBER_PREFIX']}{year}-{volunteer.id:04d}"


def reject(actor, volunteer, reason):
    if volunteer.status != VolunteerStatus.applied:
        raise DomainError(_("Only an application that is waiting can be turned down."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason, so that the applicant knows why."), field="reason")
    volunteer.status = VolunteerStatus.rejected
    volunteer.status_reason = reason.strip()
    volunteer.decided_at = utcnow()
    volunteer.decided_by_id = actor.id
    core_ops.log(actor, "volunteers.rejected", volunteer, _l("Application turned down: %(reason)s", reason=reason))
    core_ops.notify(
        volunteer.user,
        _l("Your application to the help group was not approved: %(reason)s", reason=reason),
        "/volunteers/",
    )
    db.session.flush()
    return volunteer


def update_profile(actor, volunteer, data):
    """The volunteer (or a coordinator) changes the profile: name, building and room, teams, skills, times."""
    community = volunteer.org_unit
    volunteer.user.name = data["name"].strip()
    volunteer.building = _building_in(community, data.get("building_id"))
    volunteer.room = data.get("room") or None
    volunteer.teams = teams_for(community, data.get("teams") or ())
    volunteer.skills = skills_for(community, data.get("skills") or ())
    volunteer.availability = Availability.to_bits(data.get("availability"))
    core_ops.log(actor, "volunteers.profile_updated", volunteer, _l("Volunteer profile updated"))
    db.session.flush()
    return volunteer


# --- service events -------------------------------------------------------------------------------


def create_events(actor, community, data):
    """One event, or ``data["repeat_weeks"]`` weekly occurrences sharing a series id, in one step."""
    starts, ends = data["starts_at"], data["ends_at"]
    if ends <= starts:
        raise DomainError(_("The event must end after it starts."), field="ends_at")
    if starts < utcnow() - timedelta(days=1):
        raise DomainError(_("An event cannot start in the past."), field="starts_at")
    leader = data["leader"]
    if leader is None or not leader.org_unit or not community.contains(leader.org_unit):
        raise DomainError(_("Choose a leader from this community."), field="leader_id")
    weeks = data.get("repeat_weeks") or 1
    series = uuid.uuid4().hex if weeks > 1 else None
    skills = list(data.get("skills") or ())
    events = []
    for week in range(weeks):
        shift = timedelta(weeks=week)
        event = ServiceEvent(
            org_unit_id=community.id,
            title=data["title"].strip(),
            kind=data["kind"],
            starts_at=starts + shift,
            ends_at=ends + shift,
            place=data["place"].strip(),
            description=data.get("description") or None,
            capacity=data["capacity"],
            leader=leader,
            beneficiary_count=data.get("beneficiary_count") or 0,
            series_id=series,
            status=EventStatus.planned,
            created_by_id=actor.id,
            skills=skills,
        )
        db.session.add(event)
        events.append(event)
    db.session.flush()
    for event in events:
        core_ops.log(actor, "volunteers.event_created", event, _l("Service event %(title)s planned", title=event.title))
    return events


def lock_event(event):
    """One change of the event's places at a time, across every worker and server: on PostgreSQL a row lock
    (SELECT ... FOR UPDATE), on SQLite an UPDATE that changes nothing, which takes the database's write lock
    until the commit. Afterwards the places are counted from the database, not from what was read before."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(ServiceEvent.id).where(ServiceEvent.id == event.id).with_for_update())
    else:
        db.session.execute(update(ServiceEvent).where(ServiceEvent.id == event.id).values(id=ServiceEvent.id))
    db.session.refresh(event)


def _taken_places(event):
    return db.session.scalar(
        select(func.count()).where(
            Participation.event_id == event.id,
            Participation.status.in_(TAKING_PART),
        )
    )


def _last_position(event):
    return db.session.scalar(
        select(func.max(Participation.position)).where(
            Participation.event_id == event.id, Participation.status == ParticipationStatus.waiting
        )
    )


def volunteer_of(user):
    return db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))


def sign_up(user, event):
    """The volunteer takes a place, or the next place on the waiting list when the event is full."""
    volunteer = volunteer_of(user)
    if volunteer is None or volunteer.status != VolunteerStatus.approved:
        raise DomainError(_("Only approved volunteers can sign up for events."))
    lock_event(event)
    if event.status != EventStatus.planned:
        raise DomainError(_("This event is no longer open for sign-up."))
    if event.ends_at <= utcnow():
        raise DomainError(_("This event is over."))
    mine = db.session.scalar(
        select(Participation).where(Participation.event_id == event.id, Participation.volunteer_id == volunteer.id)
    )
    if mine is not None and mine.status != ParticipationStatus.cancelled:
        raise DomainError(_("You are already signed up for this event."))
    if _taken_places(event) < event.capacity:
        status, position = ParticipationStatus.signed_up, None
    else:
        status, position = ParticipationStatus.waiting, (_last_position(event) or 0) + 1
    if mine is None:
        mine = Participation(event_id=event.id, volunteer_id=volunteer.id, status=status)
        db.session.add(mine)
    mine.status = status
    mine.position = position
    mine.signed_up_at = utcnow()
    mine.cancelled_at = None
    db.session.flush()
    core_ops.log(
        user,
        "volunteers.signed_up",
        event,
        _l("Signed up for %(title)s", title=event.title)
        if mine.status == ParticipationStatus.signed_up
        else _l("On the waiting list of %(title)s", title=event.title),
    )
    db.session.expire(event, ["participations"])
    return mine


def cancel_sign_up(user, event):
    """The volunteer gives the place back; the first one waiting takes it and is told so."""
    volunteer = volunteer_of(user)
    lock_event(event)
    mine = None
    if volunteer is not None:
        mine = db.session.scalar(
            select(Participation).where(Participation.event_id == event.id, Participation.volunteer_id == volunteer.id)
        )
    if mine is None or mine.status not in (ParticipationStatus.signed_up, ParticipationStatus.waiting):
        raise DomainError(_("You are not signed up for this event."))
    if mine.checked_in_at is not None:
        raise DomainError(_("You have checked in already; ask the leader instead."))
    freed = mine.status == ParticipationStatus.signed_up
    mine.status = ParticipationStatus.cancelled
    mine.position = None
    mine.cancelled_at = utcnow()
    db.session.flush()
    core_ops.log(user, "volunteers.cancelled", event, _l("Cancelled the sign-up for %(title)s", title=event.title))
    if freed:
        promote_waiting(event)
    db.session.expire(event, ["participations"])
    return mine


def promote_waiting(event):
    """Fill the free places from the waiting list, in the order people joined it (the event is locked)."""
    promoted = []
    while _taken_places(event) < event.capacity:
        first = db.session.scalar(
            select(Participation)
            .where(Participation.event_id == event.id, Participation.status == ParticipationStatus.waiting)
            .order_by(Participation.position)
            .limit(1)
        )
        if first is None:
            break
        first.status = ParticipationStatus.signed_up
        first.position = None
        db.session.flush()
        core_ops.notify(
            first.volunteer.user,
            _l("A place came free: you are now signed up for %(title)s.", title=event.title),
            f"/volunteers/events/{event.id}",
        )
        core_ops.log(
            None,
            "volunteers.promoted",
            event,
            _l("%(name)s moved up from the waiting list", name=first.volunteer.user.name),
        )
        promoted.append(first)
    return promoted


# --- check-in and hours ---------------------------------------------------------------------------


def _checkin_key():
    return hashlib.sha256(("volunteers-check-in:" + current_app.config["SECRET_KEY"]).encode()).digest()


def _signature(event_id, window):
    return hmac.new(_checkin_key(), f"{event_id}:{window}".encode(), hashlib.sha256).hexdigest()[:20]


def checkin_window(moment=None):
    return int((moment or utcnow()).timestamp()) // current_app.config["VOLUNTEER_CHECKIN_SECONDS"]


def checkin_code(event, moment=None):
    """The code the leader's page shows now: the event, the time window and their signature."""
    window = checkin_window(moment)
    return f"{event.id}-{window}-{_signature(event.id, window)}"


def check_code(event, code, moment=None):
    """Refuse a code of another event, one made up, one that expired (older than the window before this one)
    or a scan outside the event's time (± VOLUNTEER_CHECKIN_MARGIN minutes)."""
    parts = (code or "").split("-")
    valid = len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) < 12 and len(parts[1]) < 15
    if not valid or not hmac.compare_digest(_signature(int(parts[0]), int(parts[1])), parts[2]):
        raise DomainError(_("This check-in code is not valid. Scan the code on the leader's phone again."))
    if int(parts[0]) != event.id:
        raise DomainError(_("This code belongs to another event."))
    now = moment or utcnow()
    if not 0 <= checkin_window(now) - int(parts[1]) <= 1:
        raise DomainError(_("This code has expired. Scan the code on the leader's phone again."))
    opens, closes = event.check_in_window(current_app.config["VOLUNTEER_CHECKIN_MARGIN"])
    if not opens <= now <= closes:
        raise DomainError(_("Check-in is open only around the time of the event."))


def round_hours(seconds, rule=None):
    """Hours of service from a duration, by VOLUNTEER_HOURS_ROUNDING = (minutes, "down" | "nearest" | "up")."""
    minutes, mode = rule or current_app.config["VOLUNTEER_HOURS_ROUNDING"]
    steps = max(seconds, 0) / 60 / minutes
    whole = {"down": math.floor, "up": math.ceil}.get(mode, lambda x: math.floor(x + 0.5))(steps)
    return (Decimal(whole) * Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def scan(user, event, code, moment=None):
    """A volunteer scans the leader's code: the first scan checks in, the second checks out."""
    check_code(event, code, moment)
    now = moment or utcnow()
    volunteer = volunteer_of(user)
    mine = None
    if volunteer is not None:
        mine = db.session.scalar(
            select(Participation).where(Participation.event_id == event.id, Participation.volunteer_id == volunteer.id)
        )
    if mine is None or mine.status not in TAKING_PART:
        raise DomainError(_("You are not signed up for this event, so you cannot check in."))
    if mine.confirmed_at is not None:
        raise DomainError(_("Your hours for this event are confirmed already."))
    if mine.checked_in_at is None:
        mine.checked_in_at = now
        mine.status = ParticipationStatus.attended
        what = "checked_in"
        core_ops.log(user, "volunteers.checked_in", event, _l("Checked in at %(title)s", title=event.title))
    else:
        mine.checked_out_at = now
        what = "checked_out"
        core_ops.log(user, "volunteers.checked_out", event, _l("Checked out of %(title)s", title=event.title))
    db.session.flush()
    return what


def mark_attendance(actor, event, participation, attended):
    """The leader marks who came (or did not) without a scan."""
    if participation.event_id != event.id or participation.status in (
        ParticipationStatus.cancelled,
        ParticipationStatus.waiting,
    ):
        raise DomainError(_("Only volunteers signed up for this event can be marked."))
    if participation.confirmed_at is not None:
        raise DomainError(_("The hours of this volunteer are confirmed already."))
    if attended:
        participation.status = ParticipationStatus.attended
        participation.checked_in_at = participation.checked_in_at or event.starts_at
    else:
        participation.status = ParticipationStatus.signed_up
        participation.checked_in_at = None
        participation.checked_out_at = None
    core_ops.log(
        actor,
        "volunteers.attendance",
        event,
        _l("%(name)s marked as present", name=participation.volunteer.user.name)
        if attended
        else _l("%(name)s marked as absent", name=participation.volunteer.user.name),
    )
    db.session.flush()


def suggested_hours(event, participation):
    """Hours for the leader's form: the time between check-in and check-out, else the event's own length."""
    if participation.checked_in_at and participation.checked_out_at:
        start = max(participation.checked_in_at, event.starts_at)
        end = min(participation.checked_out_at, event.ends_at)
        return round_hours((end - start).total_seconds())
    return round_hours((event.ends_at - event.starts_at).total_seconds())


def confirm_hours(actor, event, hours, quality, content, beneficiary=None):
    """谁组织谁记录: the leader (or a coordinator) certifies the hours of everyone who attended; each gets a
    service record. ``hours`` maps participation ids to hours."""
    if event.status != EventStatus.planned:
        raise DomainError(_("The hours of this event are confirmed already."))
    if event.starts_at > utcnow():
        raise DomainError(_("Hours can be confirmed once the event has started."))
    attended = [p for p in event.participations if p.status == ParticipationStatus.attended]
    if not attended:
        raise DomainError(_("Nobody is marked as present yet."))
    now = utcnow()
    served_on = as_local(event.starts_at).date()
    for participation in attended:
        value = hours.get(participation.id)
        if value is None:
            value = suggested_hours(event, participation)
        value = Decimal(value).quantize(Decimal("0.01"))
        longest = Decimal((event.ends_at - event.starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))
        if value < 0 or value > longest:
            raise DomainError(_("Hours must be between 0 and the length of the event (%(max)s).", max=longest))
        participation.hours = value
        participation.confirmed_at = now
        participation.confirmed_by_id = actor.id
        db.session.add(
            ServiceRecord(
                org_unit_id=event.org_unit_id,
                volunteer_id=participation.volunteer_id,
                event_id=event.id,
                participation_id=participation.id,
                project=event.title,
                served_on=served_on,
                place=event.place,
                beneficiary=beneficiary or None,
                content=content or event.description or event.title,
                hours=value,
                quality=Quality(quality),
                leader_id=event.leader_id,
                recorder_id=actor.id,
                created_at=now,
            )
        )
    event.status = EventStatus.completed
    event.confirmed_at = now
    event.confirmed_by_id = actor.id
    for entry in event.beneficiaries:  # the care roster's residents visited: their last visit is this one
        if entry.last_visited_on is None or entry.last_visited_on < served_on:
            entry.last_visited_on = served_on
    db.session.flush()
    core_ops.log(actor, "volunteers.hours_confirmed", event, _l("Hours of %(title)s confirmed", title=event.title))
    for participation in attended:
        core_ops.notify(
            participation.volunteer.user,
            _l("Your %(hours)s hours at %(title)s are confirmed.", hours=str(participation.hours), title=event.title),
            "/volunteers/me",
        )
    return event


def request_correction(user, event, hours, reason):
    """A volunteer asks for the hours of an event they attended to be corrected."""
    volunteer = volunteer_of(user)
    record = None
    if volunteer is not None:
        record = db.session.scalar(
            select(ServiceRecord).where(ServiceRecord.event_id == event.id, ServiceRecord.volunteer_id == volunteer.id)
        )
    if record is None:
        raise DomainError(_("Only volunteers whose attendance was recorded at this event can ask for a correction."))
    if record.correction_status == CorrectionStatus.requested:
        raise DomainError(_("A correction of these hours is already waiting for a decision."))
    if hours is None or hours < 0 or hours > 24:
        raise DomainError(_("Enter the hours you served, between 0 and 24."), field="hours")
    if not (reason or "").strip():
        raise DomainError(_("Say why the hours should change."), field="reason")
    record.correction_status = CorrectionStatus.requested
    record.correction_hours = Decimal(hours).quantize(Decimal("0.01"))
    record.correction_reason = reason.strip()
    record.correction_requested_at = utcnow()
    record.correction_decided_at = None
    record.correction_decided_by_id = None
    record.correction_note = None
    core_ops.log(user, "volunteers.correction_requested", record, _l("Correction of hours requested"))
    db.session.flush()
    return record


def decide_correction(actor, record, accept, note=None):
    if record.correction_status != CorrectionStatus.requested:
        raise DomainError(_("There is no correction waiting for a decision."))
    if not accept and not (note or "").strip():
        raise DomainError(_("Give the reason for turning the correction down."), field="note")
    record.correction_status = CorrectionStatus.accepted if accept else CorrectionStatus.rejected
    record.correction_decided_at = utcnow()
    record.correction_decided_by_id = actor.id
    record.correction_note = (note or "").strip() or None
    if accept:
        record.hours = record.correction_hours
    core_ops.log(
        actor,
        "volunteers.correction_decided",
        record,
        _l("Correction accepted") if accept else _l("Correction turned down"),
    )
    core_ops.notify(
        record.volunteer.user,
        _l("Your correction of the hours of %(title)s was accepted.", title=record.project)
        if accept
        else _l("Your correction of the hours of %(title)s was turned down.", title=record.project),
        "/volunteers/me",
    )
    db.session.flush()
    return record


# --- stars ----------------------------------------------------------------------------------------


def stars(hours, thresholds=None):
    """(stars, the hours of the next star or None, the share of the way there in percent) for ``hours``."""
    thresholds = tuple(thresholds or current_app.config["VOLUNTEER_STAR_HOURS"])
    hours = Decimal(hours or 0)
    count = sum(1 for limit in thresholds if hours >= limit)
    if count >= len(thresholds):
        return count, None, 100
    low = Decimal(thresholds[count - 1]) if count else Decimal(0)
    high = Decimal(thresholds[count])
    return count, thresholds[count], int((hours - low) * 100 // (high - low))


# --- one-time login links -------------------------------------------------------------------------


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_login_link(actor, volunteer):
    """A one-time login token for a volunteer who forgot the password: only its digest is kept."""
    token = secrets.token_urlsafe(24)
    db.session.add(
        LoginToken(
            digest=token_digest(token),
            user_id=volunteer.user_id,
            created_by_id=actor.id,
            created_at=utcnow(),
            expires_at=utcnow() + timedelta(hours=current_app.config["VOLUNTEER_LOGIN_LINK_HOURS"]),
        )
    )
    core_ops.log(actor, "volunteers.login_link", volunteer, _l("One-time login link made"))
    db.session.flush()
    return token


def find_login_token(token):
    row = db.session.scalar(select(LoginToken).where(LoginToken.digest == token_digest(token or "")))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


def use_login_link(token):
    """The user of a valid, unused, unexpired token; the token is used up."""
    row = find_login_token(token)
    if row is None:
        raise DomainError(_("This login link is not valid any more. Ask your coordinator for a new one."))
    claimed = db.session.execute(
        update(LoginToken).where(LoginToken.id == row.id, LoginToken.used_at.is_(None)).values(used_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise DomainError(_("This login link is not valid any more. Ask your coordinator for a new one."))
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise DomainError(_("This login link is not valid any more. Ask your coordinator for a new one."))
    core_ops.log(user, "volunteers.login_link_used", user, _l("Logged in with a one-time link"))
    return user
