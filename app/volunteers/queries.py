"""Every read of the help group, scoped to what the user may see: coordinators their community (admins their
area), volunteers their own community's events and their own records."""

from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.models import Building, OrgUnit, User, UserRole
from app.core.pagination import paginate
from app.core.queries import scope_query
from app.core.roles import Role
from app.core.types import utcnow
from app.extensions import db
from app.volunteers.models import (
    Availability,
    EventStatus,
    Participation,
    ParticipationStatus,
    ServiceEvent,
    ServiceRecord,
    Skill,
    Team,
    Volunteer,
    VolunteerStatus,
)
from app.volunteers.operations import DEFAULT_SKILLS


def communities():
    return db.session.scalars(
        select(OrgUnit).where(OrgUnit.kind.in_(["community", "village"])).order_by(OrgUnit.id)
    ).all()


def community_by_id(unit_id):
    unit = db.session.get(OrgUnit, unit_id) if isinstance(unit_id, int) and 0 < unit_id < 2**31 else None
    return unit if unit is not None and unit.kind in ("community", "village") else None


def buildings_of(community):
    return db.session.scalars(
        select(Building)
        .join(OrgUnit, Building.grid_id == OrgUnit.id)
        .where(OrgUnit.path.startswith(community.path))
        .options(selectinload(Building.grid))
        .order_by(OrgUnit.name, Building.name)
    ).all()


def skill_names(community):
    """The skills offered at sign-up, on profiles and events: the default list, then the community's own."""
    names = db.session.scalars(
        select(Skill.name).where(Skill.org_unit_id == community.id).order_by(Skill.sort_order, Skill.id)
    ).all()
    return list(DEFAULT_SKILLS) + [name for name in names if name not in DEFAULT_SKILLS]


def skills_of(community):
    return db.session.scalars(
        select(Skill).where(Skill.org_unit_id == community.id).order_by(Skill.sort_order, Skill.id)
    ).all()


def volunteer_of(user):
    return db.session.scalar(
        select(Volunteer)
        .where(Volunteer.user_id == user.id)
        .options(selectinload(Volunteer.teams), selectinload(Volunteer.skills), selectinload(Volunteer.building))
    )


def volunteer(volunteer_id):
    if not 0 < volunteer_id < 2**31:
        return None
    return db.session.scalar(
        select(Volunteer)
        .where(Volunteer.id == volunteer_id)
        .options(
            selectinload(Volunteer.user),
            selectinload(Volunteer.teams),
            selectinload(Volunteer.skills),
            selectinload(Volunteer.building),
        )
    )


def volunteer_list(user, status=None, team=None, skill=None, availability=None, page=None):
    """The volunteers of the coordinator's community (an admin's area), filtered by status, team kind, skill
    name and a time they are available."""
    query = scope_query(select(Volunteer), Volunteer.org_unit_id, user)
    if status:
        query = query.where(Volunteer.status == status)
    if team:
        query = query.where(Volunteer.teams.any(Team.kind == team))
    if skill:
        query = query.where(Volunteer.skills.any(Skill.name == skill))
    if availability:
        query = query.where(Volunteer.availability.op("&")(Availability(availability).bit) != 0)
    query = query.options(
        selectinload(Volunteer.user), selectinload(Volunteer.teams), selectinload(Volunteer.skills)
    ).order_by(Volunteer.id.desc())  # newest first, read backwards through the key (applications: applications())
    return paginate(query, current_app.config["PAGE_SIZE"], page)


def applications(user):
    return db.session.scalars(
        scope_query(select(Volunteer), Volunteer.org_unit_id, user)
        .where(Volunteer.status == VolunteerStatus.applied)
        .options(selectinload(Volunteer.user))
        .order_by(Volunteer.applied_at)
    ).all()


def leaders_for(community):
    """Who may lead an event: the community's approved volunteers and its coordinators."""
    approved = select(Volunteer.user_id).where(
        Volunteer.org_unit_id == community.id, Volunteer.status == VolunteerStatus.approved
    )
    coordinators = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .join(OrgUnit, User.org_unit_id == OrgUnit.id)
        .where(UserRole.role == Role.coordinator, OrgUnit.path.startswith(community.path))
    )
    return db.session.scalars(
        select(User).where(User.id.in_(approved.union(coordinators)), User.active.is_(True)).order_by(User.name)
    ).all()


def event(event_id):
    if not 0 < event_id < 2**31:
        return None
    return db.session.scalar(
        select(ServiceEvent)
        .where(ServiceEvent.id == event_id)
        .options(
            selectinload(ServiceEvent.participations)
            .selectinload(Participation.volunteer)
            .selectinload(Volunteer.user),
            selectinload(ServiceEvent.skills),
            selectinload(ServiceEvent.leader),
            selectinload(ServiceEvent.org_unit),
        )
    )


def events_for(user, upcoming=True, limit=50):
    """Events the user may see: in their community (a coordinator's or admin's area), soonest first; or past ones,
    latest first."""
    if user.has_role(Role.coordinator, Role.admin):
        query = scope_query(select(ServiceEvent), ServiceEvent.org_unit_id, user)
    else:
        community = user.community
        query = select(ServiceEvent).where(ServiceEvent.org_unit_id == (community.id if community else -1))
    now = utcnow()
    if upcoming:
        query = query.where(ServiceEvent.ends_at > now, ServiceEvent.status == EventStatus.planned).order_by(
            ServiceEvent.starts_at
        )
    else:
        query = query.where((ServiceEvent.ends_at <= now) | (ServiceEvent.status != EventStatus.planned)).order_by(
            ServiceEvent.starts_at.desc()
        )
    return db.session.scalars(query.options(selectinload(ServiceEvent.participations)).limit(limit)).all()


def participations_of(volunteer):
    if volunteer is None:
        return []
    return db.session.scalars(
        select(Participation)
        .where(Participation.volunteer_id == volunteer.id, Participation.status != ParticipationStatus.cancelled)
        .join(ServiceEvent)
        .options(selectinload(Participation.event))
        .order_by(ServiceEvent.starts_at.desc())
        .limit(50)
    ).all()


def records_of(volunteer, limit=50):
    if volunteer is None:
        return []
    return db.session.scalars(
        select(ServiceRecord)
        .where(ServiceRecord.volunteer_id == volunteer.id)
        .order_by(ServiceRecord.served_on.desc(), ServiceRecord.id.desc())
        .limit(limit)
    ).all()


def confirmed_hours(volunteer):
    if volunteer is None:
        return Decimal(0)
    total = db.session.scalar(
        select(func.coalesce(func.sum(ServiceRecord.hours), 0)).where(ServiceRecord.volunteer_id == volunteer.id)
    )
    return Decimal(total or 0)


def corrections_waiting(user):
    return db.session.scalars(
        scope_query(select(ServiceRecord), ServiceRecord.org_unit_id, user)
        .where(ServiceRecord.correction_status == "requested")
        .options(selectinload(ServiceRecord.volunteer).selectinload(Volunteer.user))
        .order_by(ServiceRecord.correction_requested_at)
    ).all()


def record(record_id):
    if not 0 < record_id < 2**31:
        return None
    return db.session.scalar(
        select(ServiceRecord)
        .where(ServiceRecord.id == record_id)
        .options(selectinload(ServiceRecord.volunteer).selectinload(Volunteer.user))
    )
