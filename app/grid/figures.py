"""Figures of grid work (网格工单统计) for a period and a scope, on screen and as an Excel workbook.

What is counted (the same words are on the page, ``DEFINITIONS``):

- **received** (受理): orders reported in the period (``reported_at``), whatever became of them: merged into
  another order (并单) and passed to mediation included. The other figures about these orders leave those two
  out: a merged duplicate is handled as the order it joined, a dispute passed to mediation is handled by the
  studio; neither is handled in grid work, so neither counts in a handling rate (``counted``).
- **dispatched** (交办): of the counted orders, those that went to a handling unit and are still with it or were
  handled by it (a returned order back in the dispatch queue is not).
- **settled on the spot** (就地化解): of the counted orders, those a grid worker settled and closed at once.
- **on-time rate** (按期办理率) = on time / handled. *Handled*: the orders in scope whose handling ended in the
  period, i.e. whose unit replied (办理回复, ``replied_at``; the last reply for a reopened order) in the period
  and which are replied, verified or closed now (a reopened order waiting for a new reply has not ended).
  *On time*: replied by the deadline in force (``replied_at <= due_at``; a reopened order has a new deadline).
  Orders settled on the spot have no deadline and are not in this rate (they are counted on their own line).
  This is the one figure about an event in the period; the others describe the orders received in it.
- **satisfaction rate** (满意率) = (satisfied + basically satisfied) / verification answers, where every
  verification with the resident (回访核实) of a counted order counts: an unsatisfied answer reopened the order
  (``reopen_count``), a satisfied or basically satisfied one verified it (status verified or closed). An order
  unsatisfied once and satisfied after a second reply counts one unsatisfied and one satisfied answer.
- **closed within 3 days** (三日办结率) = counted orders closed (``closed_at``) at most 72 hours after they were
  reported / counted orders. Orders reported in the last three days before today may still make it.
- **average handling time**: hours from the report to the closing, averaged over the counted orders that are
  closed (settled on the spot included).

The period is days in the installation's time zone (BABEL_DEFAULT_TIMEZONE), both ends included; the scope is
an area (the user's whole area, a community or a grid), optionally a handling unit and a category (by name:
the categories of the same name in several communities are one category here). Community staff (admins of a
community or above) see their area; a unit's handlers see the orders dispatched to their unit only
(``can_view_figures``, ``figures_root``).

Everything is computed by the database: **one statement** gathers the orders of the scope (a range of the
index ``ix_grid_orders_figures_reported`` for the received ones, of ``ix_grid_orders_figures_replied`` for the
handled ones; both cover every column read, so no table row is visited), aggregates them per grid and category
with ``COUNT(*) FILTER (WHERE ...)`` and ``SUM``, and adds those partial sums up into the totals, the breakdown
by category and the breakdown by grid (``UNION ALL`` over a materialised CTE). Python only divides the sums into
rates.
Seconds between two moments have no portable SQL (``EXTRACT(EPOCH ...)`` on PostgreSQL, ``julianday()`` on
SQLite), hence ``SecondsBetween``, compiled per dialect like mediation's ``_DaysBetween``.
"""

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import Integer, String, and_, bindparam, func, literal_column, null, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from app.core import permissions
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.models import COMMUNITY_KINDS, HandlingUnit, OrgUnit, UnitKind
from app.core.queries import prefix_match
from app.core.roles import Role
from app.extensions import db
from app.grid.models import Category, OrderStatus, Satisfaction, WorkOrder

__all__ = [
    "DEFINITIONS",
    "breakdown_columns",
    "can_view_figures",
    "compute_figures",
    "figure_rows",
    "figures_root",
    "period_bounds",
    "scope_choices",
    "workbook",
]

THREE_DAYS = 3 * 24 * 3600  # seconds
# received, but not handled in grid work: not in the handling rates
NOT_HANDLED_HERE = (OrderStatus.merged, OrderStatus.to_mediation)
# the unit's reply ended the handling (a reopened order waits for a new one)
REPLY_ENDED = (OrderStatus.replied, OrderStatus.verified, OrderStatus.closed)
VERIFIED = (OrderStatus.verified, OrderStatus.closed)
SATISFIED = (Satisfaction.satisfied, Satisfaction.basically_satisfied)

DEFINITIONS = [
    (
        _l("Received"),
        _l(
            "Orders reported in the period, all of them: those merged into another order and those passed to "
            "mediation too. Neither of these two is handled in grid work, so the rates below leave them out."
        ),
    ),
    (
        _l("Dispatched"),
        _l("Orders received that went to a handling unit and are with it or were handled by it."),
    ),
    (_l("Settled on the spot"), _l("Orders received that a grid worker settled on the spot and closed.")),
    (
        _l("On-time rate"),
        _l(
            "Of the orders whose handling ended in the period (the unit's last reply falls in the period and the "
            "order is replied, verified or closed), the share replied by their deadline (a reopened order has a "
            "new deadline). Orders settled on the spot have no deadline and are not counted here."
        ),
    ),
    (
        _l("Satisfaction rate"),
        _l(
            "Satisfied and basically satisfied answers, divided by every answer of the verifications with the "
            "residents of the orders received: each unsatisfied answer that reopened an order counts too."
        ),
    ),
    (
        _l("Closed within 3 days"),
        _l(
            "Orders received that were closed at most 72 hours after they were reported, divided by the orders "
            "received (without merged ones and those passed to mediation)."
        ),
    ),
    (
        _l("Average handling time"),
        _l("Hours from the report to the closing, averaged over the orders received that are closed."),
    ),
]


# --- seconds between two moments, per dialect ------------------------------------------------


class SecondsBetween(FunctionElement):
    """``SecondsBetween(start, end)``: seconds from the moment ``start`` to the moment ``end`` (a number)."""

    type = Integer()
    name = "seconds_between"
    inherit_cache = True


@compiles(SecondsBetween)
def _seconds_between_default(element, compiler, **kw):
    # PostgreSQL: the interval between two timestamps, as seconds (exact, NUMERIC)
    start, end = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


@compiles(SecondsBetween, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    # SQLite keeps the moments as ISO text; julianday() reads one as days (a float good to ~50 microseconds near
    # today), rounded to whole seconds so that 72 hours is exactly 259200 (half the cost of strftime('%s')).
    start, end = list(element.clauses)
    return f"ROUND((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 86400)"


# --- who sees what ---------------------------------------------------------------------------


def figures_root(user):
    """The area whose figures ``user`` may read, and the handling unit they are limited to:

    - community staff, an admin of a community or of a unit above it (a street, the county): their area, every
      unit (as ``WorkOrder.is_staff``: admins whose unit holds the orders' community);
    - a unit's handler: the area the unit serves, only the orders dispatched to their unit. They see those
      orders in their lists already, and their unit's on-time and satisfaction rates are theirs to know; the
      other units' figures and the community's totals are the staff's.

    (area, handling unit or None), or None for anybody else (grid workers, mediators, an admin of a grid).
    """
    if not can_view_figures(user):
        return None
    if permissions.is_admin(user) and user.org_unit.kind.level <= UnitKind.community.level:
        return user.org_unit, None
    return user.handling_unit.org_unit, user.handling_unit


def can_view_figures(user):
    """``figures_root`` says who; asked by the view (403) and the grid page's link, without loading the unit."""
    if not permissions.is_authenticated(user):
        return False
    if permissions.is_admin(user) and user.org_unit.kind.level <= UnitKind.community.level:
        return True
    return permissions.has_role(user, Role.handler) and user.handling_unit_id is not None


# --- the scope -------------------------------------------------------------------------------


@dataclass
class ScopeChoices:
    """What ``user`` may choose as the scope: areas (their own, its communities and grids), handling units
    (none for a handler: their own unit is fixed), category names."""

    root: OrgUnit
    fixed_unit: HandlingUnit | None
    areas: list = field(default_factory=list)  # [(id, name, kind, parent_id)], the root first
    units: list = field(default_factory=list)  # [(id, name)]
    categories: list = field(default_factory=list)  # [name]

    def area(self, area_id):
        return next((row for row in self.areas if row.id == area_id), None)

    def grid_ids(self, area_id):
        """The grids of the area ``area_id`` (one of ``areas``)."""
        area = self.area(area_id)
        if area.kind == UnitKind.grid:
            return [area.id]
        path = area.path
        return [row.id for row in self.areas if row.kind == UnitKind.grid and row.path.startswith(path)]

    def area_title(self, area_id):
        """The area's name; a grid's with its community's ("回龙社区 回龙第一网格")."""
        area = self.area(area_id)
        parent = self.area(area.parent_id) if area.kind == UnitKind.grid else None
        return f"{parent.name} {area.name}" if parent is not None else area.name

    def grid_title(self, grid_id):
        return self.area_title(grid_id) if self.area(grid_id) is not None else str(grid_id)


def scope_choices(user):
    """The areas, handling units and category names ``user`` may narrow the figures to (three statements), or
    None when they may see no figures."""
    found = figures_root(user)
    if found is None:
        return None
    root, fixed_unit = found
    kinds = [str(kind) for kind in (*COMMUNITY_KINDS, UnitKind.grid)]
    areas = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.kind, OrgUnit.parent_id, OrgUnit.path)
        .where(prefix_match(OrgUnit.path, root.path), or_(OrgUnit.id == root.id, OrgUnit.kind.in_(kinds)))
        .order_by(OrgUnit.path)
    ).all()
    # the root first, then each community followed by its grids
    areas = sorted(areas, key=lambda row: (row.id != root.id, row.path))
    above = root.ancestor_ids
    if fixed_unit is None:
        units = db.session.execute(
            select(HandlingUnit.id, HandlingUnit.name)
            .join(OrgUnit, OrgUnit.id == HandlingUnit.org_unit_id)
            .where(or_(prefix_match(OrgUnit.path, root.path), HandlingUnit.org_unit_id.in_(above)))
            .order_by(HandlingUnit.name, HandlingUnit.id)
        ).all()
    else:
        units = []
    categories = db.session.scalars(
        select(Category.name)
        .join(OrgUnit, OrgUnit.id == Category.org_unit_id)
        .where(or_(prefix_match(OrgUnit.path, root.path), Category.org_unit_id.in_(above)))
        .group_by(Category.name)
        .order_by(func.min(Category.sort_order), Category.name)
    ).all()
    return ScopeChoices(root, fixed_unit, areas, units, list(categories))


def period_bounds(date_from, date_to, tz):
    """[start, end) in UTC of the days ``date_from`` to ``date_to`` (both included) in the time zone ``tz``."""
    start = datetime.combine(date_from, time.min, tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tz)
    return start, end


# --- the figures -----------------------------------------------------------------------------


def _count_if(condition):
    """COUNT(*) FILTER (WHERE condition): PostgreSQL, and SQLite since 3.30."""
    return func.count().filter(condition)


# the partial sums each (grid, category) yields, and how the received ones and the handled ones fill them
SUMS = (
    "received",
    "merged",
    "to_mediation",
    "counted",
    "dispatched",
    "settled",
    "closed",
    "closed_3_days",
    "closed_seconds",
    "answers",
    "satisfied",
    "handled",
    "on_time",
)


def _received_part(scope_conditions):
    order = WorkOrder
    counted = order.status.not_in(NOT_HANDLED_HERE)
    closed = order.status == OrderStatus.closed  # (never merged nor passed to mediation: those end there)
    seconds = SecondsBetween(order.reported_at, order.closed_at)
    verified = and_(order.status.in_(VERIFIED), order.settled_on_spot.is_(False))
    columns = {
        "received": func.count(),
        "merged": _count_if(order.status == OrderStatus.merged),
        "to_mediation": _count_if(order.status == OrderStatus.to_mediation),
        "counted": _count_if(counted),
        "dispatched": _count_if(
            and_(order.status.not_in((OrderStatus.reported, *NOT_HANDLED_HERE)), order.settled_on_spot.is_(False))
        ),
        "settled": _count_if(order.settled_on_spot.is_(True)),  # (closed at once)
        "closed": _count_if(closed),
        "closed_3_days": _count_if(and_(closed, seconds <= THREE_DAYS)),
        "closed_seconds": func.coalesce(func.sum(seconds).filter(closed), 0),
        # every unsatisfied verification reopened the order once; a satisfied one verified it
        "answers": func.coalesce(func.sum(order.reopen_count).filter(counted), 0) + _count_if(verified),
        "satisfied": _count_if(and_(verified, order.satisfaction.in_(SATISFIED))),
        "handled": literal_column("0"),
        "on_time": literal_column("0"),
    }
    return (
        select(order.grid_id, order.category_id, *(columns[name].label(name) for name in SUMS))
        .where(order.reported_at >= bindparam("start"), order.reported_at < bindparam("end"), *scope_conditions)
        .group_by(order.grid_id, order.category_id)
    )


def _handled_part(scope_conditions):
    order = WorkOrder
    # the status is asked in the aggregates, not in WHERE: a condition on it there would let the database read
    # the range through the index of (status, replied_at), visiting every row, instead of the covering one
    ended = order.status.in_(REPLY_ENDED)
    columns = dict.fromkeys(SUMS, literal_column("0"))
    columns["handled"] = _count_if(ended)
    columns["on_time"] = _count_if(and_(ended, order.replied_at <= order.due_at))
    return (
        select(order.grid_id, order.category_id, *(columns[name].label(name) for name in SUMS))
        .where(order.replied_at >= bindparam("start"), order.replied_at < bindparam("end"), *scope_conditions)
        .group_by(order.grid_id, order.category_id)
    )


@lru_cache(maxsize=16)
def figures_statement(dialect, by_unit, by_category):
    """The statement of the figures, built once per dialect and combination of filters: rows of (kind "total",
    "category" or "grid", key, the sums of ``SUMS``). Bound: start, end, grid_ids, and unit_id, category_ids."""
    conditions = [WorkOrder.grid_id.in_(bindparam("grid_ids", expanding=True))]
    if by_unit:
        conditions.append(WorkOrder.handling_unit_id == bindparam("unit_id"))
    if by_category:
        conditions.append(WorkOrder.category_id.in_(bindparam("category_ids", expanding=True)))
    parts = union_all(_received_part(conditions), _handled_part(conditions)).cte("parts")
    parts = parts.prefix_with("MATERIALIZED")  # read three times below, gathered once
    sums = [func.coalesce(func.sum(parts.c[name]), 0).label(name) for name in SUMS]
    total = select(
        literal_column("'total'").label("kind"),
        null().cast(Integer).label("grid_id"),
        null().cast(String).label("category"),
        *sums,
    )
    by_grid = select(
        literal_column("'grid'").label("kind"), parts.c.grid_id, null().cast(String).label("category"), *sums
    ).group_by(parts.c.grid_id)
    by_category_name = (
        select(
            literal_column("'category'").label("kind"),
            null().cast(Integer).label("grid_id"),
            Category.name.label("category"),
            *sums,
        )
        .select_from(parts)
        .join(Category, Category.id == parts.c.category_id)
        .group_by(Category.name)
    )
    return union_all(total.select_from(parts), by_grid, by_category_name)


@dataclass
class Line:
    """The figures of one line: the totals, a category or a grid."""

    title: str
    received: int = 0
    merged: int = 0
    to_mediation: int = 0
    counted: int = 0
    dispatched: int = 0
    settled: int = 0
    closed: int = 0
    closed_3_days: int = 0
    closed_seconds: float = 0
    answers: int = 0
    satisfied: int = 0
    handled: int = 0
    on_time: int = 0

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.handled)

    @property
    def satisfaction_rate(self):
        return _rate(self.satisfied, self.answers)

    @property
    def closed_3_days_rate(self):
        return _rate(self.closed_3_days, self.counted)

    @property
    def average_hours(self):
        """Hours from report to closing, to the hundredth."""
        return None if not self.closed else round(self.closed_seconds / self.closed / 3600, 2)


def _rate(numerator, denominator):
    return numerator / denominator if denominator else None


def _line(title, row):
    values = {name: int(row._mapping[name] or 0) for name in SUMS if name != "closed_seconds"}
    return Line(title=title, closed_seconds=float(row.closed_seconds or 0), **values)


@dataclass
class Figures:
    date_from: date
    date_to: date
    scope_title: str
    total: Line
    by_category: list
    by_grid: list


def compute_figures(choices, date_from, date_to, area_id=None, unit_id=None, category=None, tz=None):
    """The figures of the orders of the area ``area_id`` (one of ``choices.areas``; the user's whole area when
    None), of the handling unit ``unit_id`` (forced to a handler's own) and the category named ``category``,
    for the days ``date_from`` to ``date_to`` in the time zone ``tz``. One statement."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    tz = tz or ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    area_id = area_id or choices.root.id
    if choices.fixed_unit is not None:
        unit_id = choices.fixed_unit.id
    start, end = period_bounds(date_from, date_to, tz)
    params = {"start": start, "end": end, "grid_ids": choices.grid_ids(area_id) or [0]}
    if unit_id is not None:
        params["unit_id"] = unit_id
    if category is not None:
        params["category_ids"] = _category_ids(choices.root, category) or [0]
    statement = figures_statement(db.engine.dialect.name, unit_id is not None, category is not None)
    rows = db.session.execute(statement, params).all()

    # the lines in the order of the choices (categories by their sort order, grids community by community)
    total = next((row for row in rows if row.kind == "total"), None)
    grid_order = {row.id: i for i, row in enumerate(choices.areas)}
    grids = sorted((row for row in rows if row.kind == "grid"), key=lambda row: grid_order.get(row.grid_id, 0))
    category_order = {name: i for i, name in enumerate(choices.categories)}
    categories = sorted(
        (row for row in rows if row.kind == "category"), key=lambda row: category_order.get(row.category, 0)
    )
    return Figures(
        date_from=date_from,
        date_to=date_to,
        scope_title=_scope_title(choices, area_id, unit_id, category),
        total=_line(_("Total"), total) if total is not None else Line(_("Total")),
        by_category=[_line(row.category, row) for row in categories],
        by_grid=[_line(choices.grid_title(row.grid_id), row) for row in grids],
    )


def _category_ids(root, name):
    """The ids of the categories named ``name`` offered in ``root`` (defined in it, under it or above it)."""
    return db.session.scalars(
        select(Category.id)
        .join(OrgUnit, OrgUnit.id == Category.org_unit_id)
        .where(
            Category.name == name,
            or_(prefix_match(OrgUnit.path, root.path), Category.org_unit_id.in_(root.ancestor_ids)),
        )
    ).all()


def _scope_title(choices, area_id, unit_id, category):
    parts = [choices.area_title(area_id)]
    if choices.fixed_unit is not None:
        parts.append(choices.fixed_unit.name)
    elif unit_id is not None:
        parts.append(next((name for uid, name in choices.units if uid == unit_id), ""))
    if category:
        parts.append(category)
    return " · ".join(part for part in parts if part)


# --- the workbook ---------------------------------------------------------------------------

_PERCENT = "0.0%"
_HOURS = "0.00"
_COUNT = "0"


def figure_rows(line):
    """(label, value, number format) of the figures sheet and the page's key figures, in reading order."""
    return [
        (_("Received"), line.received, _COUNT),
        (_("Merged into another order"), line.merged, _COUNT),
        (_("Passed to mediation"), line.to_mediation, _COUNT),
        (_("Dispatched"), line.dispatched, _COUNT),
        (_("Settled on the spot"), line.settled, _COUNT),
        (_("Handled in the period"), line.handled, _COUNT),
        (_("Handled on time"), line.on_time, _COUNT),
        (_("On-time rate"), line.on_time_rate, _PERCENT),
        (_("Verification answers"), line.answers, _COUNT),
        (_("Satisfied or basically satisfied"), line.satisfied, _COUNT),
        (_("Satisfaction rate"), line.satisfaction_rate, _PERCENT),
        (_("Closed within 3 days"), line.closed_3_days, _COUNT),
        (_("Closed within 3 days, share"), line.closed_3_days_rate, _PERCENT),
        (_("Average handling time (hours)"), line.average_hours, _HOURS),
    ]


def breakdown_columns():
    """(header, Line attribute, number format) of each column of a breakdown table."""
    return [
        (_("Received"), "received", _COUNT),
        (_("Dispatched"), "dispatched", _COUNT),
        (_("Settled on the spot"), "settled", _COUNT),
        (_("Handled in the period"), "handled", _COUNT),
        (_("On-time rate"), "on_time_rate", _PERCENT),
        (_("Satisfaction rate"), "satisfaction_rate", _PERCENT),
        (_("Closed within 3 days, share"), "closed_3_days_rate", _PERCENT),
        (_("Average handling time (hours)"), "average_hours", _HOURS),
    ]


def heading(figures, exported_at):
    """The heading row: the scope, the period and the time of export."""
    return _(
        "%(scope)s, from %(start)s to %(end)s, exported %(when)s",
        scope=figures.scope_title,
        start=figures.date_from.isoformat(),
        end=figures.date_to.isoformat(),
        when=exported_at.strftime("%Y-%m-%d %H:%M"),
    )


def _display_width(value):
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _set_widths(sheet, first_row=2, minimum=10, maximum=50):
    widths = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            widths[cell.column_letter] = max(widths.get(cell.column_letter, 0), _display_width(cell.value))
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = min(max(width + 2, minimum), maximum)


def _sheet_title(title):
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31]


def workbook(figures, exported_at):
    """The figures as an .xlsx file (bytes): a sheet of the figures and a sheet of the breakdown by category
    and by grid, each under a heading row naming the scope, the period and the time of export (``exported_at``,
    local time). Labels in the current language (call it inside a request or with ``force_locale``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    title_row = heading(figures, exported_at)
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(_("Figures"))
    sheet.append([title_row])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Figure"), _("Value")])
    for cell in sheet[2]:
        cell.font = bold
    for label, value, number_format in figure_rows(figures.total):
        sheet.append([label, value])
        cell = sheet.cell(row=sheet.max_row, column=2)
        cell.number_format = number_format
        cell.alignment = Alignment(horizontal="right")
    _set_widths(sheet)
    sheet.freeze_panes = "A3"

    breakdown = book.create_sheet(_sheet_title(_("Breakdown")))
    breakdown.append([title_row])
    breakdown["A1"].font = Font(bold=True, size=13)
    columns = breakdown_columns()
    for title, lines in ((_("Category"), figures.by_category), (_("Grid"), figures.by_grid)):
        breakdown.append([])
        breakdown.append([title] + [header for header, _attr, _fmt in columns])
        for cell in breakdown[breakdown.max_row]:
            cell.font = bold
        for line in [*lines, figures.total]:
            breakdown.append([line.title] + [getattr(line, attr) for _header, attr, _fmt in columns])
            row = breakdown.max_row
            for index, (_header, _attr, number_format) in enumerate(columns, start=2):
                breakdown.cell(row=row, column=index).number_format = number_format
        for cell in breakdown[breakdown.max_row]:
            cell.font = bold
    _set_widths(breakdown)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
