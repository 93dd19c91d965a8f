"""Reads of the mediation studio: one case with everything its page shows, the case list and its filters,
repeat disputes, due visits and deadlines, the people who may take part. Every list of cases is scoped to
what the user may see (scope_cases, built on app.core.queries). Changes are in operations.py."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, or_, select, union
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.i18n import gettext as _
from app.core.models import COMMUNITY_KINDS, OrgUnit, UnitKind, User, UserRole
from app.core.pagination import Page
from app.core.permissions import has_role, is_authenticated
from app.core.queries import prefix_binds, prefix_match, prefix_match_bound, rows
from app.core.roles import Role
from app.core.types import local_today
from app.extensions import db
from app.mediation.models import (
    DUE_SOON_DAYS,
    RUNNING_STATUSES,
    Case,
    CaseEvent,
    CaseSummary,
    FollowUp,
    Party,
    Recusal,
    mask,
)

# --- whose cases a user works on -------------------------------------------------------------


def studio_unit(user):
    """The unit whose cases ``user`` works on: their own unit (and everything under it); for a mediator
    attached to a grid, the grid's community, whose studio they belong to (cases belong to communities)."""
    unit = user.org_unit
    if unit.kind == UnitKind.grid and has_role(user, Role.mediator) and unit.community is not None:
        return unit.community
    return unit


def case_scope_ids(user):
    """A subquery of the ids of the org units whose cases ``user`` may see (see studio_unit)."""
    if not is_authenticated(user):
        return select(OrgUnit.id).where(False)
    return select(OrgUnit.id).where(prefix_match(OrgUnit.path, studio_unit(user).path))


def scope_cases(query, user, column=Case.org_unit_id):
    """Limit a select() to the cases ``user`` may see (``column`` holds each row's case unit)."""
    return query.where(column.in_(case_scope_ids(user)))


# --- one case with everything its page shows --------------------------------------------------


# Many-to-one rows joined to the case; each collection read by a statement of its own, built once, and
# put in place with set_committed_value. Eight queries whatever the case holds, like selectinload, but
# several times cheaper: selectinload puts its queries together (and SQLAlchemy works out their cache
# keys, with every option of the page) on each request. Of the people the page names only the id and name
# are read (a User has a dozen more columns, and making them attributes cost more than the join, ~0.3 ms);
# anything else of theirs is loaded if some code asks for it.
def _named(relationship):
    return joinedload(relationship).load_only(User.id, User.name)


CASE_JOINS = ("studio", "org_unit", "grid", "building", "agreement")
CASE_PEOPLE = ("presiding_mediator", "referred_by", "rights_notice_by", "archived_by")
CASE_COLLECTIONS = {
    "parties": (),
    "helpers": (),
    "sessions": (),
    "follow_ups": (),
    "attachments": (),
    "recusals": (_named(Recusal.mediator), _named(Recusal.replacement)),
    "events": (_named(CaseEvent.actor),),
}


def case_with_details(case_id):
    """The case with its place, people, agreement and every collection its page shows; None if there is
    no such case."""
    statements = _case_statements()
    case = db.session.scalar(statements["case"], {"case_id": case_id})
    if case is None:
        return None
    for name in CASE_COLLECTIONS:
        set_committed_value(case, name, db.session.scalars(statements[name], {"case_id": case.id}).all())
    return case


@cache
def _case_statements():
    statements = {
        "case": select(Case)
        .where(Case.id == bindparam("case_id"))
        .options(
            *(joinedload(getattr(Case, name)) for name in CASE_JOINS),
            *(_named(getattr(Case, name)) for name in CASE_PEOPLE),
        )
    }
    for name, options in CASE_COLLECTIONS.items():
        prop = getattr(Case, name).property  # the relationship: its table, its key to the case, its order
        (case_key,) = prop.remote_side
        statements[name] = (
            select(prop.mapper.class_)
            .where(case_key == bindparam("case_id"))
            .order_by(*prop.order_by)
            .options(*options)
        )
    return statements


class PartyListItem(NamedTuple):
    name: str
    phone: str  # masked
    role: str


@dataclass(slots=True)
class CaseListItem(CaseSummary):
    """A case as lists show it: only the columns they need, read as plain rows (building 25 Case objects
    with their parties costs several times more than the SQL that finds them)."""

    id: int
    number: str
    status: str
    category: str
    registered_on: date
    due_on: date | None
    may_escalate: bool
    mediator: str | None
    parties: list  # PartyListItem, in the order of the intake


LIST_COLUMNS = (
    Case.id,
    Case.number,
    Case.status,
    Case.category,
    Case.registered_on,
    Case.due_on,
    Case.may_escalate,
    User.name,
)


def add_parties(items):
    """Fill in the parties of CaseListItems, by one query."""
    by_id = {item.id: item for item in items}
    if by_id:
        for case_id, name, phone, role in rows(_parties_statement(), {"case_ids": list(by_id)}):
            by_id[case_id].parties.append(PartyListItem(name, mask(phone, 3, 4), role))


@cache
def _parties_statement():
    return (
        select(Party.case_id, Party.name, Party.phone, Party.role)
        .where(Party.case_id.in_(bindparam("case_ids", expanding=True)))
        .order_by(Party.case_id, Party.position, Party.id)
    )


def related_cases(case=None, names=(), phones=(), addresses=(), user=None, limit=20):
    """Earlier cases that name one of these parties (by name or phone) or this address, as CaseListItem,
    newest first; only those ``user`` may see, when given."""
    if case is not None:
        names = [p.name for p in case.parties]
        phones = [p.phone for p in case.parties if p.phone]
        addresses = [a for a in [case.address] + [p.address for p in case.parties] if a]
    params = {
        "names": sorted({n.strip() for n in names if n and n.strip()}),
        "phones": sorted({p for p in phones if p}),
        "addresses": sorted({a.strip() for a in addresses if a and len(a.strip()) >= 4}),
        "case_id": case.id if case is not None else 0,
        "limit": limit + 1,
    }
    if not (params["names"] or params["phones"] or params["addresses"]):
        return []
    params["case_addresses"] = params["addresses"]
    if user is not None:
        params.update(prefix_binds("scope", studio_unit(user).path))
    found = rows(_related_statement(db.engine.dialect.name, user is not None), params)
    items = [CaseListItem(*row, []) for row in found[:limit]]
    add_parties(items)
    return items


@lru_cache(maxsize=4)
def _related_statement(dialect, scoped):
    # One index lookup per kind of match, put together by UNION: with OR between them, PostgreSQL walked
    # the cases' primary key backwards (~47,000 rows, ~40 ms at 100,000 cases) instead.
    matches = union(
        select(Party.case_id).where(Party.name.in_(bindparam("names", expanding=True))),
        select(Party.case_id).where(Party.phone.in_(bindparam("phones", expanding=True))),
        select(Party.case_id).where(Party.address.in_(bindparam("addresses", expanding=True))),
        select(Case.id).where(Case.address.in_(bindparam("case_addresses", expanding=True))),
    )
    found = (
        select(*LIST_COLUMNS)
        .outerjoin(User, User.id == Case.presiding_mediator_id)
        .where(Case.id.in_(matches), Case.id != bindparam("case_id"))
    )
    if scoped:
        found = found.where(Case.org_unit_id.in_(select(OrgUnit.id).where(prefix_match_bound(OrgUnit.path, "scope"))))
    # MATERIALIZED: the matching cases first (a few hundred at most), then sorted; without it PostgreSQL merged
    # them with the primary key read backwards from the newest case (8.7 ms and 10,244 buffers for the 6-party
    # bench case at 100,000 cases; 0.7 ms and 998 buffers so)
    related = found.cte("related").prefix_with("MATERIALIZED")
    return select(related).order_by(related.c.id.desc()).limit(bindparam("limit"))


def conflict_warnings(case, mediator):
    """Reasons a mediator might not be impartial: lives in a party's building, or was a party before."""
    warnings = []
    party_buildings = {p.building_id for p in case.parties if p.building_id}
    if mediator.home_building_id and mediator.home_building_id in party_buildings:
        warnings.append(_("%(name)s lives in the same building as a party.", name=mediator.name))
    # "has been a party before": an earlier case names the mediator's mobile number (or name and number)
    earlier = (
        db.session.execute(
            select(Case.number).join(Party).where(Party.phone == mediator.phone, Party.case_id != case.id).distinct()
        )
        .scalars()
        .all()
    )
    if earlier:
        warnings.append(
            _(
                "%(name)s has been a party in case(s) %(numbers)s.",
                name=mediator.name,
                numbers=", ".join(sorted(earlier)),
            )
        )
    if mediator.phone in {p.phone for p in case.parties if p.phone} or mediator.name in {p.name for p in case.parties}:
        warnings.append(_("%(name)s is a party of this case.", name=mediator.name))
    return warnings


LIST_FILTERS = ("community", "status", "category", "mediator", "grid", "overdue", "q")


def case_list_page(user, filters, today, page, per_page):
    """A page of the case list: the cases ``user`` may see, filtered (community, status, category, mediator,
    grid, overdue) and searched (``q``: a case number, a party's name or mobile number, an address, each from
    its beginning), newest first. Two queries, whatever the page shows."""
    q = (filters.get("q") or "").strip()
    used = tuple(name for name in LIST_FILTERS if (q if name == "q" else filters.get(name)))
    params = {name: filters[name] for name in used if name not in ("q", "overdue")}
    if len(q) > 1:  # see _search_condition
        used = tuple("q_selective" if name == "q" else name for name in used)
    params.update(prefix_binds("scope", studio_unit(user).path), limit=per_page + 1, offset=(page - 1) * per_page)
    if q:
        params.update(prefix_binds("q", q))
    if "overdue" in used:
        params["due_by"] = today + timedelta(days=DUE_SOON_DAYS)
    found = rows(_case_list_statement(db.engine.dialect.name, used), params)
    items = [CaseListItem(*row, []) for row in found[:per_page]]
    add_parties(items)
    return Page(items, page, per_page, len(found) > per_page)


@lru_cache(maxsize=128)
def _case_list_statement(dialect, used):
    """The case list's statement for one combination of filters (``used``, names of LIST_FILTERS), built
    once per process: their values, the user's scope and the page are bound when it runs (case_list_page)."""
    conditions = {
        "community": lambda: Case.org_unit_id == bindparam("community"),
        "status": lambda: Case.status == bindparam("status"),
        "category": lambda: Case.category == bindparam("category"),
        "mediator": lambda: Case.presiding_mediator_id == bindparam("mediator"),
        "grid": lambda: Case.grid_id == bindparam("grid"),
        "overdue": lambda: Case.status.in_(RUNNING_STATUSES) & (Case.due_on <= bindparam("due_by")),
        "q": lambda: _search_condition(selective=False),
        "q_selective": lambda: _search_condition(selective=True),
    }
    scope = select(OrgUnit.id).where(prefix_match_bound(OrgUnit.path, "scope"))
    return (
        select(*LIST_COLUMNS)
        .outerjoin(User, User.id == Case.presiding_mediator_id)
        .where(Case.org_unit_id.in_(scope), *(conditions[name]() for name in used))
        .order_by(Case.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _search_condition(selective):
    """Cases whose number or address, or one of whose parties' name, mobile number or address, begins with
    the bound ``q``. Two shapes, by what the planner does best with each (measured at 100,000 cases on
    PostgreSQL): a text of two characters or more (a full name, digits of a number) matches a few cases, which
    the indexes find and a UNION gathers (~0.1 ms; the EXISTS form walked every case, ~80 ms); one character
    (a surname) matches thousands, and walking the cases newest first through a correlated EXISTS stops at the
    first page of matches (~4.5 ms; the UNION form gathered them all, ~6-17 ms)."""
    party_matches = or_(
        prefix_match_bound(Party.name, "q"),
        prefix_match_bound(Party.phone, "q"),
        prefix_match_bound(Party.address, "q"),
    )
    case_matches = or_(prefix_match_bound(Case.number, "q"), prefix_match_bound(Case.address, "q"))
    if selective:
        return Case.id.in_(union(select(Party.case_id).where(party_matches), select(Case.id).where(case_matches)))
    return or_(case_matches, select(Party.id).where(Party.case_id == Case.id, party_matches).exists())


class DueVisit(NamedTuple):
    """A follow-up visit as the lists of due visits show it, with its case as a CaseListItem."""

    id: int
    case_id: int
    due_on: date
    case: CaseListItem

    def is_overdue(self, today):
        return self.due_on < today


def due_visits(user, today, limit=10, with_parties=False):
    """The user's follow-up visits that are overdue or due within a week, with their cases (and the cases'
    parties, for pages that show the cases' titles), read as rows."""
    found = rows(_due_visits_statement(), {"user_id": user.id, "until": today + timedelta(days=7), "limit": limit})
    visits = [
        DueVisit(visit_id, case_id, due_on, CaseListItem(case_id, *row, []))
        for visit_id, due_on, case_id, *row in found
    ]
    if with_parties:
        add_parties([visit.case for visit in visits])
    return visits


@cache
def _due_visits_statement():
    return (
        select(FollowUp.id, FollowUp.due_on, *LIST_COLUMNS)
        .join(Case, Case.id == FollowUp.case_id)
        .outerjoin(User, User.id == Case.presiding_mediator_id)
        .where(
            FollowUp.done_on.is_(None),
            FollowUp.assigned_to_id == bindparam("user_id"),
            FollowUp.due_on <= bindparam("until"),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(bindparam("limit"))
    )


def due_cases(user, today, limit=10):
    """Running cases the user presides over that are past or within five days of the one-month limit."""
    return db.session.scalars(
        select(Case)
        .where(
            Case.presiding_mediator_id == user.id,
            Case.status.in_(RUNNING_STATUSES),
            Case.due_on <= today + timedelta(days=DUE_SOON_DAYS),
        )
        .order_by(Case.due_on)
        .limit(limit)
    ).all()


def home_summary(user):
    """What a mediator's home page shows."""
    today = local_today()
    return {"today": today, "visits": due_visits(user, today), "cases": due_cases(user, today)}


@dataclass(slots=True)
class ListFilters:
    """What the case list can be filtered by, as (id, name) pairs. Mediators and grids are those of one
    community (the chosen one, or the user's only one): a street or county holds hundreds of mediators."""

    communities: list
    community_id: int | None
    mediators: list
    grids: list

    def restrict(self, filters):
        """The filters without a community, mediator or grid that is not on offer (say, a mediator of the
        community chosen before): applied but not shown, it would empty the list without saying why."""
        offered = {"community": self.communities, "mediator": self.mediators, "grid": self.grids}
        return {
            key: value if key not in offered or value in {pair[0] for pair in offered[key]} else 0
            for key, value in filters.items()
        }


def communities_for(user):
    """The communities (and villages) the user works in: those in their scope (a mediator's studio_unit), or
    their own when they are attached to one of its grids."""
    communities = db.session.scalars(
        scope_cases(select(OrgUnit).where(OrgUnit.kind.in_(COMMUNITY_KINDS)), user, OrgUnit.id).order_by(OrgUnit.path)
    ).all()
    if not communities and user.community is not None:
        communities = [user.community]
    return communities


@cache
def _communities_statement():
    return (
        select(OrgUnit.id, OrgUnit.name, OrgUnit.path)
        .where(OrgUnit.kind.in_(COMMUNITY_KINDS), prefix_match_bound(OrgUnit.path, "scope"))
        .order_by(OrgUnit.path)
    )


def list_filter_choices(user, community_id=None):
    """The choices of the case list's filters (see ListFilters): the communities of communities_for(), read
    as rows, and the mediators and grids of the chosen one."""
    found = rows(_communities_statement(), prefix_binds("scope", studio_unit(user).path))
    if not found and user.community is not None:
        found = [(user.community.id, user.community.name, user.community.path)]
    communities = {unit_id: path for unit_id, _name, path in found}
    pairs = [(unit_id, name) for unit_id, name, _path in found]
    if len(communities) == 1:
        community_id = next(iter(communities))
    if community_id not in communities:
        return ListFilters(pairs, None, [], [])
    mediators = db.session.execute(
        select(User.id, User.name)
        .join(UserRole)
        .where(
            User.active.is_(True),
            UserRole.role == "mediator",
            User.org_unit_id.in_(_mediator_units(communities[community_id])),
        )
        .order_by(User.name)
    ).all()
    grids = db.session.execute(
        select(OrgUnit.id, OrgUnit.name)
        .where(OrgUnit.parent_id == community_id, OrgUnit.kind == "grid")
        .order_by(OrgUnit.name)
    ).all()
    return ListFilters(pairs, community_id, [tuple(row) for row in mediators], [tuple(row) for row in grids])


def _active_users_with_role(role, unit_ids):
    return db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.role_rows.any(UserRole.role == role), User.org_unit_id.in_(unit_ids))
        .options(selectinload(User.org_unit))
        .order_by(User.name)
    ).all()


def grid_workers_for(community):
    """Active grid workers attached to the community or its grids."""
    return _active_users_with_role("grid_worker", select(OrgUnit.id).where(prefix_match(OrgUnit.path, community.path)))


def cases_reported_by(user, limit=20):
    """The cases a grid worker passed to the studio, newest first (their status is all they see)."""
    return db.session.scalars(
        select(Case).where(Case.referred_by_id == user.id).order_by(Case.id.desc()).limit(limit)
    ).all()


def mediators_for(community):
    """Active mediators who may work on the community's cases: attached to it, under it, or above it."""
    return _active_users_with_role("mediator", _mediator_units(community.path))


def _mediator_units(community_path):
    """The units whose mediators may work on a community's cases: the community, its grids, and the street,
    town or county above it."""
    ancestors = [int(part) for part in community_path.strip("/").split("/") if part]
    return select(OrgUnit.id).where(prefix_match(OrgUnit.path, community_path) | OrgUnit.id.in_(ancestors))
