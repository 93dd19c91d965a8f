"""Reads of grid work: one order with everything its page shows, the lists of each role (read as plain rows
by statements built once), and the choices of the forms (categories, buildings, handling units). Every list is
scoped to what the user may see: a grid worker their own reports and their grid, a handler their unit, staff
their area. Changes are in operations.py."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, lru_cache

from flask import current_app
from sqlalchemy import and_, bindparam, or_, select, text, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.i18n import lazy_gettext as _l
from app.core.models import Building, HandlingUnit, OrgUnit, User
from app.core.pagination import Page
from app.core.permissions import has_role
from app.core.queries import prefix_binds, prefix_match, prefix_match_bound, rows
from app.core.roles import Role
from app.core.types import utcnow
from app.extensions import db
from app.grid.models import (
    HANDLING,
    OPEN_STATUSES,
    OPEN_WHERE,
    WITH_UNIT,
    WITH_UNIT_WHERE,
    Category,
    OrderEvent,
    OrderStatus,
    OrderSummary,
    SupervisionNotice,
    WorkOrder,
)
from app.grid.operations import due_soon_window

# --- one order with everything its page shows --------------------------------------------------


def _named(relationship):
    return joinedload(relationship).load_only(User.id, User.name)


ORDER_JOINS = ("grid", "building", "category", "handling_unit", "org_unit", "mediation_case", "merged_into")
ORDER_COLLECTIONS = {
    "photos": (),
    "merged_orders": (_named(WorkOrder.reporter), selectinload(WorkOrder.photos)),
    "events": (_named(OrderEvent.actor),),
    "notices": (_named(SupervisionNotice.issued_by),),
}


def order_with_details(order_id):
    """The order with its place, category, unit, reporter, photos, timeline and notices; None if none."""
    statements = _order_statements()
    order = db.session.scalar(statements["order"], {"order_id": order_id})
    if order is None:
        return None
    for name in ORDER_COLLECTIONS:
        set_committed_value(order, name, db.session.scalars(statements[name], {"order_id": order.id}).all())
    return order


@cache
def _order_statements():
    statements = {
        "order": select(WorkOrder)
        .where(WorkOrder.id == bindparam("order_id"))
        .options(*(joinedload(getattr(WorkOrder, name)) for name in ORDER_JOINS), _named(WorkOrder.reporter))
    }
    for name, options in ORDER_COLLECTIONS.items():
        prop = getattr(WorkOrder, name).property
        (order_key,) = prop.remote_side
        statements[name] = (
            select(prop.mapper.class_)
            .where(order_key == bindparam("order_id"))
            .order_by(*prop.order_by)
            .options(*options)
        )
    return statements


# --- the lists ---------------------------------------------------------------------------------


@dataclass(slots=True)
class OrderListItem(OrderSummary):
    """An order as lists show it: only the columns they need, read as a plain row."""

    id: int
    number: str
    status: OrderStatus
    level: str
    category: str
    grid: str
    building: str | None
    room: str | None
    reported_at: datetime
    due_at: datetime | None
    sign_due_at: datetime | None
    unit: str | None
    supervision_count: int
    reopen_count: int
    return_reason: str | None

    @property
    def place(self):
        return " · ".join(p for p in (self.grid, " ".join(x for x in (self.building, self.room) if x)) if p)


def _name_of(model, key):
    """The name of the ``model`` row whose id is ``key`` (a column of the order), as a subquery of the list."""
    return select(model.name).where(model.id == key).scalar_subquery()


# The names an order's line shows are read by subqueries, one primary-key lookup each, not by joins: with four
# joined tables and the orders' many indexes PostgreSQL spent 5-8 ms planning the list (at every request: the
# generic plan never wins), against 0.5 ms with the subqueries; the rows and their order are the same.
LIST_COLUMNS = (
    WorkOrder.id,
    WorkOrder.number,
    WorkOrder.status,
    WorkOrder.level,
    _name_of(Category, WorkOrder.category_id),
    _name_of(aliased(OrgUnit, name="order_grid"), WorkOrder.grid_id),
    _name_of(Building, WorkOrder.building_id),
    WorkOrder.room,
    WorkOrder.reported_at,
    WorkOrder.due_at,
    WorkOrder.sign_due_at,
    _name_of(HandlingUnit, WorkOrder.handling_unit_id),
    WorkOrder.supervision_count,
    WorkOrder.reopen_count,
    WorkOrder.return_reason,
)


# The conditions of the partial indexes ix_grid_orders_with_unit and ix_grid_orders_open_by_grid, as they say
# them (statuses written out: SQLite uses a partial index only for a query that names its condition's values).
_WITH_UNIT_LITERAL = text(f"grid_orders.{WITH_UNIT_WHERE}")
_OPEN_LITERAL = text(f"grid_orders.{OPEN_WHERE}")


def _in_scope(column):
    return column.in_(select(OrgUnit.id).where(prefix_match_bound(OrgUnit.path, "scope")))


@dataclass(frozen=True)
class OrderList:
    """A list of orders one kind of user works through: who sees it, which orders, in which order."""

    name: str
    title: object
    role: Role
    empty: object
    condition: object = field(repr=False)  # () -> SQL condition with bind parameters
    order_by: object = field(repr=False)  # () -> columns
    # () -> disjoint conditions whose union is ``condition``, each one a range of an index that is already in
    # ``order_by``'s order (e.g. one status of (status, due_at)). A page then reads the first rows of each part
    # in index order and merges them (UNION ALL), instead of sorting every matching order: the list's cost
    # stays the same however many orders match (thousands are overdue at 1,000,000 orders).
    parts: object = field(default=None, repr=False)
    # (user) -> filters (LIST_FILTERS: name -> value) the list always has for ``user``, said as equalities so
    # that the list reads one range of its index
    narrow_for: object = field(default=None, repr=False)


LISTS = {
    item.name: item
    for item in (
        OrderList(
            "mine",
            _l("My reports"),
            Role.grid_worker,
            _l("You have not reported anything yet."),
            lambda: WorkOrder.reporter_id == bindparam("user_id"),
            lambda: (WorkOrder.id.desc(),),
        ),
        OrderList(
            "grid",
            _l("Open orders of my grid"),
            Role.grid_worker,
            _l("No open orders in your grid."),
            # read newest first through the partial index of the open orders by (grid, id): for a worker of one
            # grid (list_page names it) the page is the index's last rows of that grid
            lambda: _in_scope(WorkOrder.grid_id) & _OPEN_LITERAL,
            lambda: (WorkOrder.id.desc(),),
            # a worker of one grid: that grid is their whole scope
            narrow_for=lambda user: {"grid": user.org_unit_id} if user.org_unit.kind == "grid" else {},
        ),
        OrderList(
            "to_sign",
            _l("Waiting to be signed for"),
            Role.handler,
            _l("Nothing to sign for."),
            lambda: (WorkOrder.handling_unit_id == bindparam("unit_id")) & (WorkOrder.status == OrderStatus.dispatched),
            lambda: (WorkOrder.sign_due_at, WorkOrder.id),
        ),
        OrderList(
            "handling",
            _l("In progress"),
            Role.handler,
            _l("No orders in progress."),
            lambda: (WorkOrder.handling_unit_id == bindparam("unit_id")) & WorkOrder.status.in_(HANDLING),
            lambda: (WorkOrder.due_at, WorkOrder.id),
            lambda: [
                (WorkOrder.handling_unit_id == bindparam("unit_id")) & (WorkOrder.status == status)
                for status in HANDLING
            ],
        ),
        OrderList(
            "due_soon",
            _l("Due soon or overdue"),
            Role.handler,
            _l("Nothing is due soon."),
            lambda: (
                (WorkOrder.handling_unit_id == bindparam("unit_id"))
                & WorkOrder.status.in_(WITH_UNIT)
                & (WorkOrder.due_at <= bindparam("soon"))
            ),
            lambda: (WorkOrder.due_at, WorkOrder.id),
            lambda: [
                (WorkOrder.handling_unit_id == bindparam("unit_id"))
                & (WorkOrder.status == status)
                & (WorkOrder.due_at <= bindparam("soon"))
                for status in WITH_UNIT
            ],
        ),
        OrderList(
            "queue",
            _l("Dispatch queue"),
            Role.admin,
            _l("No orders wait to be dispatched."),
            lambda: _in_scope(WorkOrder.org_unit_id) & (WorkOrder.status == OrderStatus.reported),
            lambda: (WorkOrder.id,),
        ),
        OrderList(
            "overdue",
            _l("Overdue board"),
            Role.admin,
            _l("No order is overdue."),
            lambda: (
                _in_scope(WorkOrder.org_unit_id)
                & _WITH_UNIT_LITERAL
                & or_(
                    WorkOrder.due_at < bindparam("now"),
                    and_(WorkOrder.status == OrderStatus.dispatched, WorkOrder.sign_due_at < bindparam("now")),
                )
            ),
            # read in this order through the partial index of the orders with a unit (ix_grid_orders_with_unit):
            # the overdue ones first, then the dispatched ones not signed for in time whose deadline is ahead
            lambda: (WorkOrder.due_at, WorkOrder.id),
        ),
        OrderList(
            "to_verify",
            _l("To verify and close"),
            Role.admin,
            _l("No replies wait for verification."),
            lambda: (
                _in_scope(WorkOrder.org_unit_id) & WorkOrder.status.in_((OrderStatus.replied, OrderStatus.verified))
            ),
            lambda: (WorkOrder.replied_at, WorkOrder.id),
            lambda: [
                _in_scope(WorkOrder.org_unit_id) & (WorkOrder.status == status)
                for status in (OrderStatus.replied, OrderStatus.verified)
            ],
        ),
    )
}


def lists_for(user):
    """The lists ``user`` works through, in page order (a handler without a unit has none of theirs)."""
    found = []
    for order_list in LISTS.values():
        if not has_role(user, order_list.role):
            continue
        if order_list.role == Role.handler and user.handling_unit_id is None:
            continue
        found.append(order_list)
    return found


# what a list may be narrowed to, bound to the statement (none is personal data): a category by its name (the
# same category is kept in every community), a grid by its id
LIST_FILTERS = {
    "category": lambda: WorkOrder.category_id.in_(select(Category.id).where(Category.name == bindparam("category"))),
    "grid": lambda: WorkOrder.grid_id == bindparam("grid"),
}


def list_page(user, name, page, per_page, now=None, filters=None):
    """A page of the list ``name`` for ``user`` (who must have it: lists_for), read as OrderListItems in one
    statement; ``filters`` narrows it (LIST_FILTERS: name -> id)."""
    now = now or utcnow()
    filters = {key: value for key, value in (filters or {}).items() if key in LIST_FILTERS and value}
    if LISTS[name].narrow_for is not None:
        filters = {**LISTS[name].narrow_for(user), **filters}
    params = {
        **filters,
        "user_id": user.id,
        "unit_id": user.handling_unit_id or 0,
        "now": now,
        "soon": now + due_soon_window(),
        "limit": per_page + 1,
        "offset": (page - 1) * per_page,
        "reach": page * per_page + 1,
        **prefix_binds("scope", user.org_unit.path),
    }
    found = rows(_list_statement(db.engine.dialect.name, name, tuple(sorted(filters))), params)
    return Page([OrderListItem(*row) for row in found[:per_page]], page, per_page, len(found) > per_page)


@lru_cache(maxsize=128)
def _list_statement(dialect, name, filters=()):
    """The statement of one list with the named filters, built once per process; the user, the clock, the
    filters' values and the page are bound."""
    order_list = LISTS[name]
    narrow = [LIST_FILTERS[key]() for key in filters]
    statement = select(*LIST_COLUMNS).select_from(WorkOrder)
    if order_list.parts is None:
        statement = statement.where(order_list.condition(), *narrow)
    else:
        statement = statement.where(WorkOrder.id.in_(_first_of_each_part(order_list, narrow)))
    return statement.order_by(*order_list.order_by()).limit(bindparam("limit")).offset(bindparam("offset"))


def _first_of_each_part(order_list, narrow=()):
    """The ids of the first ``limit + offset`` orders of each part, in the list's order: enough for the page
    (each part is read through its index in that order and stops there)."""
    order_by = order_list.order_by()
    parts = [
        select(WorkOrder.id).where(part, *narrow).order_by(*order_by).limit(bindparam("reach")).subquery()
        for part in order_list.parts()
    ]
    return union_all(*(select(part.c.id) for part in parts))


# --- duplicates ----------------------------------------------------------------------------------

METRES_PER_DEGREE = 111_320


def possible_duplicates(order, limit=5):
    """Open orders that may report the same problem (并单): of the same category and grid, at the same
    building or within GRID_DUPLICATE_METRES of the order's position, reported in the last
    GRID_DUPLICATE_DAYS; the closest first, then the oldest. Read through (grid, status, id), a grid's open
    orders being few; the distance is checked on a box in SQL and exactly here."""
    config = current_app.config
    metres = config["GRID_DUPLICATE_METRES"]
    near = []
    if order.building_id is not None:
        near.append(WorkOrder.building_id == order.building_id)
    if order.latitude is not None:
        dlat = metres / METRES_PER_DEGREE
        dlon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(order.latitude)), 0.01))
        near.append(
            WorkOrder.latitude.between(order.latitude - dlat, order.latitude + dlat)
            & WorkOrder.longitude.between(order.longitude - dlon, order.longitude + dlon)
        )
    if not near:
        return []
    found = db.session.scalars(
        select(WorkOrder)
        .where(
            WorkOrder.grid_id == order.grid_id,
            WorkOrder.status.in_(OPEN_STATUSES),
            WorkOrder.category_id == order.category_id,
            WorkOrder.id != order.id,
            WorkOrder.reported_at >= order.reported_at - timedelta(days=config["GRID_DUPLICATE_DAYS"]),
            or_(*near),
        )
        .options(joinedload(WorkOrder.building), joinedload(WorkOrder.grid))
        .order_by(WorkOrder.id)
        .limit(limit * 4)
    ).all()

    def distance(other):
        if order.latitude is None or other.latitude is None:
            return 0.0 if other.building_id == order.building_id else math.inf
        return metres_between(order.latitude, order.longitude, other.latitude, other.longitude)

    close = [(distance(other), other) for other in found]
    close = [pair for pair in close if pair[0] <= metres or pair[1].building_id == order.building_id]
    return [other for _distance, other in sorted(close, key=lambda pair: (pair[0], pair[1].id))][:limit]


def metres_between(lat1, lon1, lat2, lon2):
    """The great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def find_by_number(user, number):
    """The order with this number if ``user`` may see it, else None (no hint that it exists)."""
    number = (number or "").strip().upper()
    if not number or len(number) > 30:
        return None
    order_id = db.session.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    order = order_with_details(order_id) if order_id else None
    return order if order is not None and order.can_view(user) else None


def category_names_in_scope(user):
    """The names of the categories of the user's area, each once (a list's category filter)."""
    return db.session.scalars(
        select(Category.name)
        .join(OrgUnit, OrgUnit.id == Category.org_unit_id)
        .where(
            or_(Category.org_unit_id.in_(user.org_unit.ancestor_ids), prefix_match(OrgUnit.path, user.org_unit.path))
        )
        .group_by(Category.name)
        .order_by(Category.name)
    ).all()


def grid_name(user, grid_id):
    """The name of a grid of the user's area, or None."""
    return db.session.scalar(
        select(OrgUnit.name).where(
            OrgUnit.id == grid_id, OrgUnit.kind == "grid", prefix_match(OrgUnit.path, user.org_unit.path)
        )
    )


def grids_in_scope(user):
    """The grids of the user's area (a list's grid filter)."""
    return db.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.kind == "grid", prefix_match(OrgUnit.path, user.org_unit.path))
        .order_by(OrgUnit.path)
    ).all()


def number_of(order_id):
    """The number of the order ``order_id``, or None."""
    return db.session.scalar(select(WorkOrder.number).where(WorkOrder.id == order_id))


def order_by_number(number, community_id):
    """The order of ``community_id`` with this number (WG2026-000123, any case and spacing), or None."""
    number = (number or "").strip().upper()
    if not number:
        return None
    return db.session.scalar(select(WorkOrder).where(WorkOrder.number == number, WorkOrder.org_unit_id == community_id))


# --- choices of the forms ----------------------------------------------------------------------


# --- from a dispute to mediation -----------------------------------------------------------------

REFERABLE = (OrderStatus.reported, OrderStatus.dispatched)
MAX_DISPUTES_SHOWN = 20


def order_to_refer(order_id):
    """The order the studio's intake is opened from, with what the intake carries over; None if none."""
    return db.session.scalar(
        select(WorkOrder)
        .where(WorkOrder.id == order_id)
        .options(*(joinedload(getattr(WorkOrder, name)) for name in ("grid", "building", "category", "org_unit")))
    )


def disputes_to_refer(community):
    """Disputes of ``community`` reported by grid workers that may still become mediation cases (reported, or
    dispatched and not signed for), oldest first: what the studio's intake offers to start from."""
    return db.session.scalars(
        select(WorkOrder)
        .join(WorkOrder.category)
        .where(
            WorkOrder.org_unit_id == community.id,
            WorkOrder.status.in_(REFERABLE),
            Category.is_dispute.is_(True),
        )
        .options(*(joinedload(getattr(WorkOrder, name)) for name in ("grid", "building")))
        .order_by(WorkOrder.id)
        .limit(MAX_DISPUTES_SHOWN)
    ).all()


def order_of_case(case):
    """The work order a mediation case was registered from (with what can_view asks), or None."""
    return db.session.scalar(
        select(WorkOrder)
        .where(WorkOrder.mediation_case_id == case.id)
        .options(*(joinedload(getattr(WorkOrder, name)) for name in ("grid", "org_unit")))
    )


def categories_for(unit):
    """Active categories offered in ``unit``: those of the unit and of every unit above it."""
    return db.session.scalars(
        select(Category)
        .where(Category.active.is_(True), Category.org_unit_id.in_(unit.ancestor_ids))
        .order_by(Category.group_name, Category.sort_order, Category.name)
    ).all()


def categories_in_scope(user):
    """Active categories a staff member may file under: those of their unit and above (offered everywhere in
    it) and those of the units below it, each with the unit it belongs to (the same name may be in several
    communities). A category must still be offered at the chosen building (operations.check_place)."""
    return db.session.scalars(
        select(Category)
        .join(OrgUnit, OrgUnit.id == Category.org_unit_id)
        .where(
            Category.active.is_(True),
            or_(Category.org_unit_id.in_(user.org_unit.ancestor_ids), prefix_match(OrgUnit.path, user.org_unit.path)),
        )
        .options(selectinload(Category.org_unit))
        .order_by(OrgUnit.path, Category.group_name, Category.sort_order, Category.name)
    ).all()


def buildings_for(user):
    """The buildings of the grids in the user's unit (a grid worker's own grid), with their grids."""
    return db.session.scalars(
        select(Building)
        .join(OrgUnit, OrgUnit.id == Building.grid_id)
        .where(prefix_match(OrgUnit.path, user.org_unit.path))
        .options(selectinload(Building.grid))
        .order_by(OrgUnit.path, Building.name)
    ).all()


def units_for(order):
    """Active handling units that serve the order's grid (their area holds it)."""
    return db.session.scalars(
        select(HandlingUnit)
        .where(HandlingUnit.active.is_(True), HandlingUnit.org_unit_id.in_(order.grid.ancestor_ids))
        .order_by(HandlingUnit.name)
    ).all()


def category_units_for(user):
    """Handling units an admin may name as a category's default: those serving the admin's area or above."""
    return db.session.scalars(
        select(HandlingUnit)
        .join(OrgUnit, OrgUnit.id == HandlingUnit.org_unit_id)
        .where(
            HandlingUnit.active.is_(True),
            or_(prefix_match(OrgUnit.path, user.org_unit.path), OrgUnit.id.in_(user.org_unit.ancestor_ids)),
        )
        .order_by(HandlingUnit.name)
    ).all()


def categories_page(user, page, per_page):
    """The categories an admin manages (their unit and below), by group and order."""
    from app.core.pagination import paginate
    from app.core.queries import scope_query

    query = (
        scope_query(select(Category), Category.org_unit_id, user)
        .options(selectinload(Category.default_unit), selectinload(Category.org_unit))
        .order_by(Category.group_name, Category.sort_order, Category.name, Category.id)
    )
    return paginate(query, per_page, page)
