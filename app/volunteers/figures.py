"""Figures of the help group for a period (志愿服务统计), on screen and as an Excel workbook of the hours per
volunteer.

What is counted (the words are on the page, ``DEFINITIONS``):

- **registered volunteers**: approved (or since suspended) volunteers of the scope approved before the end of
  the period, in all and by team (a volunteer of several teams counts in each);
- **active volunteers**: volunteers with a service record of a day in the period;
- **service events**: events starting in the period that were not cancelled;
- **volunteer hours**: the hours of the service records of days in the period;
- **residents served**: the head count (the events' residents served, summed) and the distinct residents of the
  care roster who were the events' beneficiaries;
- **top skills needed**: the skills the period's events and help requests asked for, most asked first.

The period is days in the installation's time zone, both ends included (as grid and mediation figures); the
scope is the user's area (a coordinator's community, an admin's area). Everything is summed by the database
(COUNT, SUM, COUNT DISTINCT, GROUP BY): a handful of statements whatever the number of records."""

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import abort, current_app, render_template, request
from flask_babel import get_timezone
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from app.core.forms import LinliForm
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.permissions import roles_required
from app.core.queries import scope_query
from app.core.roles import Role
from app.core.types import as_local, local_today, utcnow
from app.extensions import db
from app.volunteers.models import (
    EventStatus,
    HelpRequest,
    ServiceEvent,
    ServiceRecord,
    Skill,
    Team,
    TeamKind,
    Volunteer,
    VolunteerStatus,
    event_beneficiaries,
    event_skills,
    help_request_skills,
    volunteer_teams,
)
from app.volunteers.views import bp

REGISTERED = (VolunteerStatus.approved, VolunteerStatus.suspended)
TOP_SKILLS = 5

DEFINITIONS = [
    (_l("Registered volunteers"), _l("Approved volunteers (suspended ones too), approved before the period ended.")),
    (_l("Active volunteers"), _l("Volunteers with a service record of a day in the period.")),
    (_l("Service events"), _l("Events that start in the period and were not cancelled.")),
    (_l("Volunteer hours"), _l("The confirmed hours of the service records of days in the period.")),
    (
        _l("Residents served"),
        _l(
            "The residents the period's events served, as their organisers counted them; and how many different "
            "residents of the care roster were among them."
        ),
    ),
    (_l("Top skills needed"), _l("The skills the period's events and help requests asked for, most asked first.")),
]


@dataclass
class Figures:
    scope_title: str
    date_from: date
    date_to: date
    registered: int = 0
    active: int = 0
    events: int = 0
    hours: Decimal = Decimal(0)
    head_count: int = 0
    distinct_beneficiaries: int = 0
    by_team: list = field(default_factory=list)  # (TeamKind, registered, active)
    top_skills: list = field(default_factory=list)  # (name, times)


def period_bounds(date_from, date_to):
    from datetime import datetime, time

    tz = get_timezone()
    return datetime.combine(date_from, time.min, tz), datetime.combine(date_to + timedelta(days=1), time.min, tz)


def compute(user, date_from, date_to):
    """The figures of ``user``'s area for the days ``date_from`` to ``date_to``."""
    start, end = period_bounds(date_from, date_to)
    unit = user.org_unit
    result = Figures(scope_title=unit.name if unit else "", date_from=date_from, date_to=date_to)

    registered = scope_query(select(Volunteer.id), Volunteer.org_unit_id, user).where(
        Volunteer.status.in_(REGISTERED), Volunteer.decided_at < end
    )
    records = scope_query(select(ServiceRecord), ServiceRecord.org_unit_id, user).where(
        ServiceRecord.served_on >= date_from, ServiceRecord.served_on <= date_to
    )
    active = records.with_only_columns(ServiceRecord.volunteer_id).distinct()
    events = scope_query(select(ServiceEvent.id), ServiceEvent.org_unit_id, user).where(
        ServiceEvent.starts_at >= start, ServiceEvent.starts_at < end, ServiceEvent.status != EventStatus.cancelled
    )

    result.registered = db.session.scalar(select(func.count()).select_from(registered.subquery()))
    row = db.session.execute(
        records.with_only_columns(
            func.count(func.distinct(ServiceRecord.volunteer_id)), func.coalesce(func.sum(ServiceRecord.hours), 0)
        )
    ).one()
    result.active, result.hours = row[0], Decimal(row[1] or 0).quantize(Decimal("0.01"))
    row = db.session.execute(
        select(func.count(ServiceEvent.id), func.coalesce(func.sum(ServiceEvent.beneficiary_count), 0)).where(
            ServiceEvent.id.in_(events)
        )
    ).one()
    result.events, result.head_count = row[0], int(row[1] or 0)
    result.distinct_beneficiaries = db.session.scalar(
        select(func.count(func.distinct(event_beneficiaries.c.roster_entry_id))).where(
            event_beneficiaries.c.event_id.in_(events)
        )
    )

    # by team: a volunteer of several teams counts in each
    def per_team(ids):
        return {
            TeamKind(kind): int(count)
            for kind, count in db.session.execute(
                select(Team.kind, func.count(func.distinct(volunteer_teams.c.volunteer_id)))
                .join(volunteer_teams, volunteer_teams.c.team_id == Team.id)
                .where(volunteer_teams.c.volunteer_id.in_(ids))
                .group_by(Team.kind)
            ).all()
        }

    registered_by_team, active_by_team = per_team(registered), per_team(active)
    result.by_team = [
        (kind, registered_by_team.get(kind, 0), active_by_team.get(kind, 0))
        for kind in TeamKind
        if kind in registered_by_team or kind in active_by_team
    ]

    asked = scope_query(select(HelpRequest.id), HelpRequest.org_unit_id, user).where(
        HelpRequest.created_at >= start, HelpRequest.created_at < end
    )
    needed = (
        select(event_skills.c.skill_id.label("skill_id"))
        .where(event_skills.c.event_id.in_(events))
        .union_all(select(help_request_skills.c.skill_id).where(help_request_skills.c.help_request_id.in_(asked)))
        .subquery()
    )
    result.top_skills = [
        (name, int(times))
        for name, times in db.session.execute(
            select(Skill.name, func.count())
            .join(needed, needed.c.skill_id == Skill.id)
            .group_by(Skill.name)
            .order_by(func.count().desc(), Skill.name)
            .limit(TOP_SKILLS)
        ).all()
    ]
    return result


def hours_per_volunteer(user, date_from, date_to):
    """(number, name, records, hours) of every volunteer with records of days in the period, most hours first."""
    from app.core.models import User

    return db.session.execute(
        scope_query(
            select(Volunteer.number, User.name, func.count(ServiceRecord.id), func.sum(ServiceRecord.hours)),
            ServiceRecord.org_unit_id,
            user,
        )
        .select_from(ServiceRecord)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .join(User, User.id == Volunteer.user_id)
        .where(ServiceRecord.served_on >= date_from, ServiceRecord.served_on <= date_to)
        .group_by(Volunteer.id, Volunteer.number, User.name)
        .order_by(func.sum(ServiceRecord.hours).desc(), Volunteer.number)
    ).all()


def heading(figures, exported_at):
    return _(
        "%(scope)s, from %(start)s to %(end)s, exported %(when)s",
        scope=figures.scope_title,
        start=figures.date_from.isoformat(),
        end=figures.date_to.isoformat(),
        when=exported_at.strftime("%Y-%m-%d %H:%M"),
    )


def workbook(figures, rows, exported_at):
    """The hours per volunteer as an .xlsx file (bytes), under a heading row naming the community, the period
    and the time of export, with the period's figures on a second sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Hours per volunteer")[:31]
    sheet.append([heading(figures, exported_at)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Volunteer number"), _("Name"), _("Service records"), _("Hours")])
    for cell in sheet[2]:
        cell.font = bold
    for number, name, count, hours in rows:
        sheet.append([number, name, int(count), float(Decimal(hours or 0))])
        sheet.cell(row=sheet.max_row, column=4).number_format = "0.00"
    sheet.append([_("Total"), "", sum(int(r[2]) for r in rows), float(figures.hours)])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.cell(row=sheet.max_row, column=4).number_format = "0.00"
    for letter, width in (("A", 18), ("B", 16), ("C", 14), ("D", 12)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"

    summary = book.create_sheet(_("Figures")[:31])
    summary.append([heading(figures, exported_at)])
    summary["A1"].font = Font(bold=True, size=13)
    for label, value in figure_rows(figures):
        summary.append([label, value])
    summary.column_dimensions["A"].width = 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def figure_rows(figures):
    return [
        (_("Registered volunteers"), figures.registered),
        (_("Active volunteers"), figures.active),
        (_("Service events"), figures.events),
        (_("Volunteer hours"), float(figures.hours)),
        (_("Residents served"), figures.head_count),
        (_("Different residents of the care roster served"), figures.distinct_beneficiaries),
    ]


# --- views ---------------------------------------------------------------------------------------------


class FiguresForm(LinliForm):
    """The period (GET; dates are no personal data). Blank dates are this month up to today."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end of the period comes before its start."))


def figures_request():
    form = FiguresForm(request.args)
    if not form.validate():
        return form, None
    today = local_today()
    date_to = form.date_to.data or max(today, form.date_from.data or today)
    date_from = form.date_from.data or date_to.replace(day=1)
    if (date_to - date_from).days > 3660:
        form.date_from.errors = [_("Choose a period of ten years at most.")]
        return form, None
    form.date_from.data, form.date_to.data = date_from, date_to
    return form, compute(current_user, date_from, date_to)


@bp.get("/figures")
@roles_required(Role.coordinator, Role.admin)
def figures():
    if current_user.org_unit is None:
        abort(403)
    form, result = figures_request()
    args = (
        {"date_from": form.date_from.data.isoformat(), "date_to": form.date_to.data.isoformat()}
        if result is not None
        else None
    )
    return render_template(
        "volunteers/figures.html", form=form, figures=result, definitions=DEFINITIONS, download_args=args
    ), (200 if result is not None else 400)


@bp.get("/figures.xlsx")
@roles_required(Role.coordinator, Role.admin)
def figures_xlsx():
    from app.core.storage import content_disposition

    if current_user.org_unit is None:
        abort(403)
    form, result = figures_request()
    if result is None:
        return render_template(
            "volunteers/figures.html", form=form, figures=None, definitions=DEFINITIONS, download_args=None
        ), 400
    rows = hours_per_volunteer(current_user, result.date_from, result.date_to)
    filename = f"{_('Volunteer hours')}_{result.date_from.isoformat()}_{result.date_to.isoformat()}.xlsx"
    return current_app.response_class(
        workbook(result, rows, as_local(utcnow())),
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "private, no-store"},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
