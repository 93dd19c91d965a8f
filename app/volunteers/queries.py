"""Every read of the help group, scoped to what the user may see: coordinators their community (admins their
area), volunteers their own community's events and their own records."""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.core.models import COMMUNITY_KINDS, Building, OrgUnit, User, UserRole
from app.core.pagination import Page, page_number
from app.core.queries import prefix_binds, prefix_match_bound, rows, rows_alone, scope_query
from app.core.roles import Role
from app.core.types import utcnow
from app.extensions import db
from app.volunteers.models import (
    TAKING_PART,
    Availability,
    EventKind,
    EventStatus,
    Participation,
    ParticipationStatus,
    ServiceEvent,
    ServiceRecord,
    Skill,
    Team,
    Volunteer,
    VolunteerStatus,
    volunteer_skills,
    volunteer_teams,
)
from app.volunteers.operations import DEFAULT_SKILLS


def communities():
    """(id, name) of every community and village, for the sign-up's first screen (a public page that reads
    only this): plain rows, outside any transaction."""
    return rows_alone(_communities_statement())


@cache
def _communities_statement():
    return select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind.in_(COMMUNITY_KINDS)).order_by(OrgUnit.id)


def _is_unit_id(value):
    """A value that can be an org unit's id (a sign-up's session or link may hold anything)."""
    return isinstance(value, int) and 0 < value < 2**31


def community_by_id(unit_id):
    unit = db.session.get(OrgUnit, unit_id) if _is_unit_id(unit_id) else None
    return unit if unit is not None and unit.kind in COMMUNITY_KINDS else None


def sign_up_community(unit_id):
    """(id, name, path) of the community or village ``unit_id``, or None: what the sign-up's steps show and
    narrow by. A plain row read outside any transaction (the poster's link reads only this); the application
    itself is made with the community's model (``community_by_id``)."""
    if not _is_unit_id(unit_id):
        return None
    found = rows_alone(_sign_up_community_statement(), {"unit_id": unit_id})
    return found[0] if found else None


@cache
def _sign_up_community_statement():
    return select(OrgUnit.id, OrgUnit.name, OrgUnit.path).where(
        OrgUnit.id == bindparam("unit_id"), OrgUnit.kind.in_(COMMUNITY_KINDS)
    )


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
    """The volunteer with their user, building and community (one statement, built once)."""
    if not 0 < volunteer_id < 2**31:
        return None
    return db.session.scalar(_volunteer_statement(), {"id": volunteer_id})


@cache
def _volunteer_statement():
    return (
        select(Volunteer)
        .where(Volunteer.id == bindparam("id"))
        .options(joinedload(Volunteer.user), joinedload(Volunteer.building), joinedload(Volunteer.org_unit))
    )


@dataclass(frozen=True)
class Profile:
    """What a volunteer's page lists besides the volunteer: the names of their teams and skills, their
    confirmed hours and their latest service records (project, day, hours), read as plain rows."""

    teams: list
    skills: list
    hours: Decimal
    records: list


def profile(volunteer, records=20):
    teams, skills = teams_and_skills([volunteer.id])
    found = rows(_records_statement(), {"volunteer_id": volunteer.id, "limit": records})
    return Profile(teams.get(volunteer.id, []), skills.get(volunteer.id, []), confirmed_hours(volunteer), found)


@cache
def _records_statement():
    return (
        select(ServiceRecord.project, ServiceRecord.served_on, ServiceRecord.hours)
        .where(ServiceRecord.volunteer_id == bindparam("volunteer_id"))
        .order_by(ServiceRecord.served_on.desc(), ServiceRecord.id.desc())
        .limit(bindparam("limit"))
    )


@dataclass(frozen=True)
class VolunteerRow:
    """A volunteer as the coordinators' list shows them, read as plain rows (``rows``): a page of the list builds
    no objects of the model (25 volunteers with their user, teams and skills would be some 150 of them)."""

    id: int
    number: str | None
    status: VolunteerStatus
    name: str
    teams: tuple = ()
    skills: tuple = ()
    status_title: str = ""  # the status's title in the page's language (each status translated once a page)


VOLUNTEER_FILTERS = ("status", "team", "skill", "availability")


def volunteer_list(user, status=None, team=None, skill=None, availability=None, page=None):
    """A page of the volunteers of the coordinator's community (an admin's area), newest first, filtered by
    status, team kind, skill name and a time they are available: ``VolunteerRow`` items. Three statements,
    built once per combination of filters."""
    filters = {"status": status, "team": team, "skill": skill, "availability": availability}
    used = tuple(name for name in VOLUNTEER_FILTERS if filters[name])
    page = page_number() if page is None else page
    per_page = current_app.config["VOLUNTEER_PAGE_SIZE"]
    params = {name: filters[name] for name in used if name != "availability"}
    if availability:
        params["availability"] = Availability(availability).bit
    params.update(prefix_binds("scope", user.org_unit.path), limit=per_page + 1, offset=(page - 1) * per_page)
    found = rows(_volunteer_list_statement(db.engine.dialect.name, used), params)
    teams, skills = teams_and_skills([row.id for row in found[:per_page]])
    titles = {status: str(status.title) for status in {row.status for row in found[:per_page]}}
    items = [
        VolunteerRow(
            *row,
            teams=tuple(teams.get(row.id, ())),
            skills=tuple(skills.get(row.id, ())),
            status_title=titles[row.status],
        )
        for row in found[:per_page]
    ]
    return Page(items, page, per_page, len(found) > per_page)


@lru_cache(maxsize=32)
def _volunteer_list_statement(dialect, used):
    """The volunteer list for one combination of filters (``used``, names of VOLUNTEER_FILTERS); their values,
    the user's scope and the page are bound when it runs. Newest first, read backwards through the key (the
    applications in the order they came: applications())."""
    conditions = {
        "status": lambda: Volunteer.status == bindparam("status"),
        "team": lambda: Volunteer.teams.any(Team.kind == bindparam("team")),
        "skill": lambda: Volunteer.skills.any(Skill.name == bindparam("skill")),
        "availability": lambda: Volunteer.availability.op("&")(bindparam("availability")) != 0,
    }
    scope = select(OrgUnit.id).where(prefix_match_bound(OrgUnit.path, "scope"))
    return (
        select(Volunteer.id, Volunteer.number, Volunteer.status, User.name)
        .join(User, User.id == Volunteer.user_id)
        .where(Volunteer.org_unit_id.in_(scope), *(conditions[name]() for name in used))
        .order_by(Volunteer.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def teams_and_skills(ids):
    """({volunteer id: [team titles]}, {volunteer id: [skill names]}) of the volunteers ``ids``: two statements
    (none without ids), each title translated once."""
    teams, skills, titles = {}, {}, {}
    if ids:
        for volunteer_id, kind in rows(_teams_of_statement(), {"ids": ids}):
            if kind not in titles:
                titles[kind] = str(kind.title)
            teams.setdefault(volunteer_id, []).append(titles[kind])
        for volunteer_id, name in rows(_skills_of_statement(), {"ids": ids}):
            skills.setdefault(volunteer_id, []).append(name)
    return teams, skills


@cache
def _teams_of_statement():
    return (
        select(volunteer_teams.c.volunteer_id, Team.kind)
        .join(Team, Team.id == volunteer_teams.c.team_id)
        .where(volunteer_teams.c.volunteer_id.in_(bindparam("ids", expanding=True)))
        .order_by(Team.id)
    )


@cache
def _skills_of_statement():
    return (
        select(volunteer_skills.c.volunteer_id, Skill.name)
        .join(Skill, Skill.id == volunteer_skills.c.skill_id)
        .where(volunteer_skills.c.volunteer_id.in_(bindparam("ids", expanding=True)))
        .order_by(Skill.sort_order, Skill.id)
    )


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


@dataclass(frozen=True)
class EventLine:
    """An event as the lists show it (volunteers/_macros.html, event_line), read as plain columns with the
    number of volunteers taking part counted by the database: no participations loaded to count them."""

    id: int
    title: str
    starts_at: object
    place: str
    kind: EventKind
    status: EventStatus
    capacity: int
    taking_part: int

    @property
    def places_left(self):
        return max(0, self.capacity - self.taking_part)


def _event_lines(user, upcoming, limit, offset=0):
    """``EventLine`` rows the user may see: in their community (a coordinator's or admin's area), events to come
    soonest first, or past ones latest first; ``limit`` of them from ``offset``."""
    organiser = user.has_role(Role.coordinator, Role.admin)
    params = {"now": utcnow(), "limit": limit, "offset": offset}
    if organiser:
        params.update(prefix_binds("scope", user.org_unit.path))
    else:
        community = user.community
        params["community"] = community.id if community else -1
    return [
        EventLine(*row) for row in rows(_event_lines_statement(db.engine.dialect.name, upcoming, organiser), params)
    ]


@lru_cache(maxsize=8)
def _event_lines_statement(dialect, upcoming, organiser):
    """The events of the lists, with the places taken counted by the database, built once per kind of list;
    the user's scope (an organiser's area, or a volunteer's community), the time and the page are bound."""
    taking_part = (
        select(func.count())
        .where(Participation.event_id == ServiceEvent.id, Participation.status.in_(TAKING_PART))
        .correlate(ServiceEvent)
        .scalar_subquery()
    )
    if organiser:
        scope = ServiceEvent.org_unit_id.in_(select(OrgUnit.id).where(prefix_match_bound(OrgUnit.path, "scope")))
    else:
        scope = ServiceEvent.org_unit_id == bindparam("community")
    now = bindparam("now", type_=ServiceEvent.ends_at.type)
    if upcoming:
        when = (ServiceEvent.ends_at > now) & (ServiceEvent.status == EventStatus.planned)
        order = (ServiceEvent.starts_at, ServiceEvent.id)
    else:
        when = (ServiceEvent.ends_at <= now) | (ServiceEvent.status != EventStatus.planned)
        order = (ServiceEvent.starts_at.desc(), ServiceEvent.id.desc())
    return (
        select(
            ServiceEvent.id,
            ServiceEvent.title,
            ServiceEvent.starts_at,
            ServiceEvent.place,
            ServiceEvent.kind,
            ServiceEvent.status,
            ServiceEvent.capacity,
            taking_part,
        )
        .where(scope, when)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def events_for(user, upcoming=True, limit=10):
    """The first ``limit`` events the user may see (``_event_lines``), for the hub and a volunteer's page."""
    return _event_lines(user, upcoming, limit)


def event_page(user, upcoming=True, page=None):
    """A page of the events the user may see (``_event_lines``)."""
    page = page_number() if page is None else page
    per_page = current_app.config["VOLUNTEER_PAGE_SIZE"]
    found = _event_lines(user, upcoming, per_page + 1, (page - 1) * per_page)
    return Page(found[:per_page], page, per_page, len(found) > per_page)


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
    return Decimal(db.session.scalar(_hours_statement(), {"volunteer_id": volunteer.id}) or 0)


@cache
def _hours_statement():
    return select(func.coalesce(func.sum(ServiceRecord.hours), 0)).where(
        ServiceRecord.volunteer_id == bindparam("volunteer_id")
    )


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
