"""Statistics of the mediation studio (调解统计) for a period, on screen and as an Excel workbook.

Every figure is computed by the database with aggregate SQL: five queries whatever the number of cases
(totals, three breakdowns, follow-up visits). All of them are limited to what the user may see through
``app.mediation.queries.scope_cases`` and to the cases *registered* in the period; figures about outcomes
and follow-up visits describe those same cases (a cohort), so every rate compares like with like.

Days between two dates are counted by the database too. There is no portable SQL for it (PostgreSQL
subtracts dates, SQLite needs ``julianday``), so ``_DaysBetween`` is a small SQLAlchemy construct that
is compiled differently per dialect: the choice happens when the statement is compiled for the engine
that runs it, nothing is fetched case by case and no code reads ``db.engine.dialect`` by hand.
"""

import io
import unicodedata
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Integer

from app.core.i18n import gettext as _
from app.core.types import as_local, utcnow
from app.extensions import db
from app.mediation.models import (
    OPEN_STATUSES,
    Agreement,
    AgreementForm,
    Case,
    CaseSource,
    CaseStatus,
    DisputeCategory,
    FollowUp,
    Performance,
    Satisfaction,
)
from app.mediation.queries import communities_for, scope_cases

__all__ = ["compute_figures", "studio_label", "workbook"]

_SUMMARY_SHEET = "汇总"
HEADING_ROWS = 2  # above each sheet's table: whose figures, then the period and the time of export
_PERCENT_FORMAT = "0.0%"
_DAYS_FORMAT = "0.0"
_SATISFIED = (str(Satisfaction.satisfied), str(Satisfaction.basically_satisfied))


# --- days between two dates, per dialect ------------------------------------------------------


class _DaysBetween(FunctionElement):
    """``_DaysBetween(start, end)``: whole days from the date ``start`` to the date ``end``."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(_DaysBetween)
def _days_between_default(element, compiler, **kw):
    # PostgreSQL (and the SQL standard for DATE columns): date - date is an integer number of days.
    start, end = list(element.clauses)
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(_DaysBetween, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    # SQLite keeps dates as ISO text; julianday() of two midnights differs by a whole number.
    start, end = list(element.clauses)
    return (
        f"CAST(ROUND(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) AS INTEGER)"
    )


@compiles(_DaysBetween, "mysql")
def _days_between_mysql(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"DATEDIFF({compiler.process(end, **kw)}, {compiler.process(start, **kw)})"


# --- figures --------------------------------------------------------------------------------


def _count_if(condition):
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 on no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rate(numerator, denominator):
    return numerator / denominator if denominator else None


def _in_period(query, user, date_from, date_to):
    """The query limited to the cases ``user`` may see, registered within [date_from, date_to]."""
    query = scope_cases(query, user)
    if date_from is not None:
        query = query.where(Case.registered_on >= date_from)
    if date_to is not None:
        query = query.where(Case.registered_on <= date_to)
    return query


def _breakdown(user, date_from, date_to, column, enum_cls):
    query = _in_period(select(column, func.count(Case.id)).select_from(Case), user, date_from, date_to)
    counts = dict(db.session.execute(query.group_by(column)).all())
    return [(member, counts.get(str(member), 0)) for member in enum_cls]


def compute_figures(user, date_from=None, date_to=None):
    """The studio's figures over the cases ``user`` may see that were registered (``Case.registered_on``)
    from ``date_from`` to ``date_to``, both days included; ``None`` leaves that end of the period open.

    Counts:

    - ``total``: cases registered in the period.
    - ``by_category``, ``by_source``, ``by_status``: ``[(enum member, count), ...]`` for every member of
      DisputeCategory, CaseSource and CaseStatus in enum order, zeros included; ``by_status`` is the
      status the cases have now.
    - ``agreements``: cases with an agreement (``written_agreements`` + ``oral_agreements``).
    - ``finished_mediations``: cases whose mediation came to an end with a result: those with an
      agreement (whatever their status now: agreement reached, followed up, archived), plus those ended
      without agreement (status ``ended``, or ``archived`` with an ``end_reason``). Declined, referred out
      and withdrawn cases never had a mediation that finished and are not counted.
    - ``closed_cases``: cases no longer open, i.e. every case whose status is not registered, accepted
      or in mediation (declined, referred out and withdrawn included).
    - ``follow_up_due``: follow-up visits scheduled for these cases (应回访), done or not;
      ``follow_up_done``: those of them that were recorded (已回访);
      ``follow_up_performed``: done visits that found the agreement performed;
      ``satisfaction_answers``: satisfaction answers (applicant and respondent, each counted when given)
      in done visits; ``satisfied_answers``: those that were satisfied or basically satisfied.

    Rates (a float in [0, 1], or ``None`` when the denominator is 0):

    - ``agreement_rate`` (调解成功率) = agreements / finished_mediations.
    - ``settled_in_community_rate`` (小事不出社区) = cases settled by an agreement / closed_cases: of the
      disputes the studio is done with, the share settled in the community rather than declined,
      referred out, withdrawn or ended without agreement. Cases still open are left out.
    - ``follow_up_performed_rate`` = follow_up_performed / follow_up_done.
    - ``satisfaction_rate`` = satisfied_answers / satisfaction_answers.

    ``average_days_to_close``: the mean of (closed_on - registered_on) in days over the cases that have
    a ``closed_on`` (a float, ``None`` when there is none).
    """
    has_agreement = Agreement.id.is_not(None)
    ended = or_(Case.status == CaseStatus.ended, and_(Case.status == CaseStatus.archived, Case.end_reason.is_not(None)))
    totals = db.session.execute(
        _in_period(
            select(
                func.count(Case.id).label("total"),
                func.count(Agreement.id).label("agreements"),
                _count_if(Agreement.form == AgreementForm.written).label("written"),
                _count_if(Agreement.form == AgreementForm.oral).label("oral"),
                _count_if(or_(has_agreement, ended)).label("finished"),
                _count_if(Case.status.not_in([str(s) for s in OPEN_STATUSES])).label("closed"),
                func.count(Case.closed_on).label("with_closed_on"),
                func.coalesce(func.sum(_DaysBetween(Case.registered_on, Case.closed_on)), 0).label("days"),
            )
            .select_from(Case)
            .outerjoin(Agreement, Agreement.case_id == Case.id),
            user,
            date_from,
            date_to,
        )
    ).one()

    done = FollowUp.done_on.is_not(None)
    visits = db.session.execute(
        _in_period(
            select(
                func.count(FollowUp.id).label("due"),
                func.count(FollowUp.done_on).label("done"),
                _count_if(and_(done, FollowUp.performance == str(Performance.performed))).label("performed"),
                (
                    _count_if(and_(done, FollowUp.applicant_satisfaction.in_(_SATISFIED)))
                    + _count_if(and_(done, FollowUp.respondent_satisfaction.in_(_SATISFIED)))
                ).label("satisfied"),
                (
                    _count_if(and_(done, FollowUp.applicant_satisfaction.is_not(None)))
                    + _count_if(and_(done, FollowUp.respondent_satisfaction.is_not(None)))
                ).label("answers"),
            )
            .select_from(FollowUp)
            .join(Case, FollowUp.case_id == Case.id),
            user,
            date_from,
            date_to,
        )
    ).one()

    agreements = int(totals.agreements)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "total": int(totals.total),
        "by_category": _breakdown(user, date_from, date_to, Case.category, DisputeCategory),
        "by_source": _breakdown(user, date_from, date_to, Case.source, CaseSource),
        "by_status": _breakdown(user, date_from, date_to, Case.status, CaseStatus),
        "agreements": agreements,
        "written_agreements": int(totals.written),
        "oral_agreements": int(totals.oral),
        "finished_mediations": int(totals.finished),
        "closed_cases": int(totals.closed),
        "agreement_rate": _rate(agreements, int(totals.finished)),
        "settled_in_community_rate": _rate(agreements, int(totals.closed)),
        "average_days_to_close": _rate(float(totals.days), int(totals.with_closed_on)),
        "follow_up_due": int(visits.due),
        "follow_up_done": int(visits.done),
        "follow_up_performed": int(visits.performed),
        "follow_up_performed_rate": _rate(int(visits.performed), int(visits.done)),
        "satisfied_answers": int(visits.satisfied),
        "satisfaction_answers": int(visits.answers),
        "satisfaction_rate": _rate(int(visits.satisfied), int(visits.answers)),
    }


# --- the workbook ---------------------------------------------------------------------------


def _summary_rows(figures):
    """(label, value, number format) of the summary sheet, in reading order."""
    return [
        (_("From"), figures["date_from"], "yyyy-mm-dd"),
        (_("To"), figures["date_to"], "yyyy-mm-dd"),
        (_("Cases registered"), figures["total"], "0"),
        (_("Agreements reached"), figures["agreements"], "0"),
        (_("Written agreements"), figures["written_agreements"], "0"),
        (_("Oral agreements"), figures["oral_agreements"], "0"),
        (_("Mediations concluded"), figures["finished_mediations"], "0"),
        (_("Agreement rate"), figures["agreement_rate"], _PERCENT_FORMAT),
        (_("Cases closed"), figures["closed_cases"], "0"),
        (_("Settled within the community"), figures["settled_in_community_rate"], _PERCENT_FORMAT),
        (_("Average days to close"), figures["average_days_to_close"], _DAYS_FORMAT),
        (_("Follow-up visits scheduled"), figures["follow_up_due"], "0"),
        (_("Follow-up visits done"), figures["follow_up_done"], "0"),
        (_("Agreement performance rate"), figures["follow_up_performed_rate"], _PERCENT_FORMAT),
        (_("Satisfaction rate"), figures["satisfaction_rate"], _PERCENT_FORMAT),
    ]


def studio_label(user):
    """Whose figures these are: the studio's name when the user sees one community's cases, else the name of the
    unit they work in (a street's staff see the studios of all its communities)."""
    from app.mediation.operations import studio_for

    communities = communities_for(user)
    if len(communities) == 1:
        return studio_for(communities[0], create=False).name
    unit = user.org_unit
    return unit.name if unit is not None else ""


def _day(value):
    return value.isoformat() if isinstance(value, date) else ""


def period_label(date_from, date_to):
    """The period in words: "2026-01-01 至 2026-06-30", "2026-01-01 起", "截至 2026-06-30" or "全部"."""
    if date_from and date_to:
        return _("%(start)s to %(end)s", start=_day(date_from), end=_day(date_to))
    if date_from:
        return _("from %(start)s", start=_day(date_from))
    if date_to:
        return _("up to %(end)s", end=_day(date_to))
    return _("all cases")


def _heading(sheet, columns, studio, figures, exported_at):
    """Two heading rows above the table, each merged across its columns: whose figures, then the period and
    the time of export (in the installation's time zone)."""
    from openpyxl.styles import Alignment, Font

    title = _("Mediation statistics of %(studio)s", studio=studio) if studio else _("Mediation statistics")
    period = _(
        "Period: %(period)s; exported at %(time)s",
        period=period_label(figures["date_from"], figures["date_to"]),
        time=as_local(exported_at).strftime("%Y-%m-%d %H:%M"),
    )
    for row, (text, font) in enumerate(((title, Font(bold=True, size=14)), (period, Font(size=11))), start=1):
        sheet.cell(row=row, column=1, value=text).font = font
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left", vertical="center")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    sheet.row_dimensions[1].height = 24


def _breakdowns(figures):
    """(title, [(enum member, count), ...]) of each breakdown."""
    return [
        (_("Dispute category"), figures["by_category"]),
        (_("Case source"), figures["by_source"]),
        (_("Case status"), figures["by_status"]),
    ]


def _display_width(value):
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _set_widths(sheet, minimum=10, maximum=60):
    widths = {}
    for row in sheet.iter_rows(min_row=HEADING_ROWS + 1):  # the merged heading rows span the columns
        for cell in row:
            widths[cell.column_letter] = max(widths.get(cell.column_letter, 0), _display_width(cell.value))
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = min(max(width + 2, minimum), maximum)


def _sheet_title(title):
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31]


def workbook(figures, studio=None, exported_at=None):
    """The figures as an .xlsx file (bytes): the summary sheet "汇总", then one sheet per breakdown
    (dispute category, case source, case status) with counts and shares. Every sheet opens with two heading
    rows (merged cells): the figures of ``studio`` (see ``studio_label``), then the period and the time of
    export (``exported_at``, now by default); its table starts on row 3. Labels are translated into the
    current language, so call it inside a request (or with ``force_locale``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    exported_at = exported_at or utcnow()
    bold = Font(bold=True)
    book = Workbook()
    summary = book.active
    summary.title = _SUMMARY_SHEET
    _heading(summary, 2, studio, figures, exported_at)
    summary.append([_("Figure"), _("Value")])
    for cell in summary[HEADING_ROWS + 1]:
        cell.font = bold
    for label, value, number_format in _summary_rows(figures):
        summary.append([label, value])
        cell = summary.cell(row=summary.max_row, column=2)
        cell.number_format = number_format
        cell.alignment = Alignment(horizontal="right")
    _set_widths(summary)
    summary.column_dimensions["A"].width = max(
        summary.column_dimensions["A"].width, _display_width(summary["A3"].value) + 2, 24
    )
    summary.freeze_panes = "A4"

    total = figures["total"]
    for title, rows in _breakdowns(figures):
        sheet = book.create_sheet(_sheet_title(title))
        _heading(sheet, 3, studio, figures, exported_at)
        sheet.append([title, _("Cases"), _("Share")])
        for cell in sheet[HEADING_ROWS + 1]:
            cell.font = bold
        for member, count in rows:
            sheet.append([str(member.title), count, _rate(count, total)])
            sheet.cell(row=sheet.max_row, column=3).number_format = _PERCENT_FORMAT
        sheet.append([_("Total"), total, 1 if total else None])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.cell(row=sheet.max_row, column=3).number_format = _PERCENT_FORMAT
        sheet.freeze_panes = "A4"
        _set_widths(sheet)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download_name(studio, date_from, date_to):
    """The workbook's file name, in Chinese whatever the reader's language (as the studio files it):
    回龙社区调解工作室-调解统计-2026-01-01至2026-06-30.xlsx."""
    from app.mediation.documents import legal_language

    with legal_language():
        parts = [studio, _("Mediation figures"), period_label(date_from, date_to)]
    return "-".join(part for part in parts if part) + ".xlsx"
