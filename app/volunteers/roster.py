"""The care roster (关爱名册): residents who need regular help (elderly people living alone, disabled elderly
people), kept by the group's coordinators. Every page of it is for them only (``CareRosterEntry.can_view``):
volunteers never see it, and its sensitive fields (phone, needs and health notes, contact person) never leave
these pages. An entry is due for a visit when it was not visited for the days of its visit frequency
(``VOLUNTEER_VISIT_DAYS``); the coordinator's home card counts the due entries. A visit event is made from an
entry in one step (the event form, pre-filled, with the entry as its beneficiary); confirming the hours of that
event sets the entry's last visit (operations.confirm_hours)."""

from datetime import time, timedelta

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core import operations as core_ops
from app.core.actions import form_action
from app.core.forms import LinliForm, PhoneField, choices
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.models import COMMUNITY_KINDS, Building
from app.core.operations import DomainError
from app.core.permissions import has_role, roles_required
from app.core.queries import scope_query
from app.core.roles import Role
from app.core.types import local_today
from app.extensions import db
from app.volunteers import queries
from app.volunteers.models import CareRosterEntry, EventKind, VisitFrequency, organises
from app.volunteers.views import bp, community_of_user, event_form

organisers = roles_required(Role.coordinator, Role.admin)

VISIT_DAYS = {VisitFrequency.weekly: 7, VisitFrequency.fortnightly: 14, VisitFrequency.monthly: 30}


def visit_days(frequency):
    """Days between visits for ``frequency``: the configured ones, else the default table."""
    configured = current_app.config.get("VOLUNTEER_VISIT_DAYS") or {}
    frequency = VisitFrequency(frequency)
    return int(configured.get(frequency.value, VISIT_DAYS[frequency]))


# --- the form -------------------------------------------------------------------------------------


class RosterForm(LinliForm):
    resident_name = StringField(_l("Resident's name"), validators=[DataRequired(_l("Enter the name.")), Length(max=60)])
    building_id = SelectField(_l("Building"), coerce=int, validators=[Optional()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=20)])
    phone = PhoneField(_l("Resident's phone"), validators=[Optional()])
    needs = TextAreaField(
        _l("Needs"), validators=[DataRequired(_l("Say what help the resident needs.")), Length(max=2000)]
    )
    health_notes = TextAreaField(_l("Health and other notes"), validators=[Optional(), Length(max=2000)])
    contact_person = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = PhoneField(_l("Contact person's phone"), validators=[Optional()])
    visit_frequency = SelectField(
        _l("Visit frequency"), choices=choices(VisitFrequency.choices()), default=VisitFrequency.weekly.value
    )
    last_visited_on = DateField(_l("Last visited"), validators=[Optional()])

    def validate_last_visited_on(self, field):
        if field.data and field.data > local_today():
            from wtforms.validators import ValidationError

            raise ValidationError(_l("The last visit cannot be in the future."))


FIELDS = (
    "resident_name",
    "room",
    "phone",
    "needs",
    "health_notes",
    "contact_person",
    "contact_phone",
    "visit_frequency",
    "last_visited_on",
)


def roster_form(community, entry=None):
    form = RosterForm(obj=None)
    form.building_id.choices = choices(
        [(0, _("Not in the list"))] + [(b.id, f"{b.grid.name} {b.name}") for b in queries.buildings_of(community)]
    )
    if entry is not None and not form.is_submitted():
        for name in FIELDS:
            value = getattr(entry, name)
            getattr(form, name).data = value.value if name == "visit_frequency" else value
        form.building_id.data = entry.building_id or 0
    return form


# --- operations -------------------------------------------------------------------------------------


def save_entry(actor, community, entry, data):
    """Create (``entry`` None) or change a roster entry of ``community``."""
    building_id = data.get("building_id") or None
    if building_id and building_id not in {b.id for b in queries.buildings_of(community)}:
        raise DomainError(_("Choose a building of this community."), field="building_id")
    created = entry is None
    if created:
        entry = CareRosterEntry(org_unit_id=community.id)
        db.session.add(entry)
    entry.resident_name = data["resident_name"].strip()
    entry.building_id = building_id
    for name in ("room", "phone", "health_notes", "contact_person", "contact_phone"):
        setattr(entry, name, (data.get(name) or "").strip() or None)
    entry.needs = data["needs"].strip()
    entry.visit_frequency = VisitFrequency(data["visit_frequency"])
    entry.last_visited_on = data.get("last_visited_on")
    db.session.flush()
    core_ops.log(
        actor,
        "volunteers.roster_added" if created else "volunteers.roster_changed",
        entry,
        _l("Care roster entry added") if created else _l("Care roster entry changed"),
    )
    return entry


# --- reads ---------------------------------------------------------------------------------------------


def _due_condition(today):
    return or_(
        *(
            and_(
                CareRosterEntry.visit_frequency == frequency,
                or_(
                    CareRosterEntry.last_visited_on.is_(None),
                    CareRosterEntry.last_visited_on <= today - timedelta(days=visit_days(frequency)),
                ),
            )
            for frequency in VisitFrequency
        )
    )


def roster_of(user, due_only=False):
    query = scope_query(select(CareRosterEntry), CareRosterEntry.org_unit_id, user).where(
        CareRosterEntry.active.is_(True)
    )
    if due_only:
        query = query.where(_due_condition(local_today()))
    return db.session.scalars(
        query.order_by(CareRosterEntry.last_visited_on.asc().nulls_first(), CareRosterEntry.id).limit(500)
    ).all()


def due_count(user):
    return db.session.scalar(
        scope_query(select(func.count(CareRosterEntry.id)), CareRosterEntry.org_unit_id, user).where(
            CareRosterEntry.active.is_(True), _due_condition(local_today())
        )
    )


def entry_by_id(entry_id):
    if not 0 < entry_id < 2**31:
        return None
    return db.session.scalar(
        select(CareRosterEntry).where(CareRosterEntry.id == entry_id).options(selectinload(CareRosterEntry.org_unit))
    )


def is_due(entry, today=None):
    today = today or local_today()
    return entry.last_visited_on is None or entry.last_visited_on <= today - timedelta(
        days=visit_days(entry.visit_frequency)
    )


@bp.app_context_processor
def roster_helpers():
    """For the coordinator's home card: how many roster entries wait for a visit (asked only when shown)."""

    def roster_due_count():
        if not has_role(current_user, Role.coordinator, Role.admin):
            return 0
        return due_count(current_user)

    return {"roster_due_count": roster_due_count}


# --- views -------------------------------------------------------------------------------------------


def load_entry(entry_id):
    entry = entry_by_id(entry_id)
    if entry is None or not entry.can_view(current_user):
        abort(404)
    return entry


@bp.get("/roster")
@organisers
def roster():
    due_only = request.args.get("due") == "1"
    return render_template(
        "volunteers/roster_list.html",
        entries=roster_of(current_user, due_only=due_only),
        due_only=due_only,
        is_due=is_due,
        visit_days=visit_days,
    )


@bp.route("/roster/new", methods=["GET", "POST"])
@organisers
def roster_new():
    community = community_of_user()
    form = roster_form(community)
    done = form_action(
        form,
        lambda: save_entry(current_user, community, None, form.data),
        success=_("The resident is on the care roster."),
        next_url=lambda entry: url_for(".roster_entry", entry_id=entry.id),
        once=True,
    )
    return done or render_template("volunteers/roster_form.html", form=form, entry=None)


@bp.get("/roster/<int:entry_id>")
@organisers
def roster_entry(entry_id):
    entry = load_entry(entry_id)
    return _no_store(
        render_template(
            "volunteers/roster_entry.html",
            entry=entry,
            due=is_due(entry),
            days=visit_days(entry.visit_frequency),
            building=db.session.get(Building, entry.building_id) if entry.building_id else None,
        )
    )


def _no_store(body):
    response = current_app.make_response(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/roster/<int:entry_id>/edit", methods=["GET", "POST"])
@organisers
def roster_edit(entry_id):
    entry = load_entry(entry_id)
    form = roster_form(entry.org_unit, entry)
    done = form_action(
        form,
        lambda: save_entry(current_user, entry.org_unit, entry, form.data),
        success=_("Your changes are saved."),
        next_url=url_for(".roster_entry", entry_id=entry.id),
    )
    return done or _no_store(render_template("volunteers/roster_form.html", form=form, entry=entry))


@bp.route("/roster/<int:entry_id>/visit", methods=["GET", "POST"])
@organisers
def roster_visit(entry_id):
    """A visit event for the entry, in one step: the event form, pre-filled, with the entry as beneficiary."""
    from app.core.models import User
    from app.core.types import as_local
    from app.volunteers import operations as ops

    entry = load_entry(entry_id)
    if not organises(current_user, entry.org_unit) or entry.org_unit.kind not in COMMUNITY_KINDS:
        abort(403)
    community = entry.org_unit
    form = event_form(community)
    if not form.is_submitted():
        day = local_today() + timedelta(days=1)
        form.title.data = _("Home visit: %(name)s", name=entry.resident_name)
        form.kind.data = EventKind.home_visit.value
        form.starts_at.data = _at(day, time(9, 0))
        form.ends_at.data = _at(day, time(10, 0))
        form.place.data = _place_of(entry)
        form.capacity.data = 2
        form.beneficiary_count.data = 1
        form.repeat_weeks.data = 1

    def operation():
        data = dict(form.data)
        data["starts_at"] = as_local(form.starts_at.data)
        data["ends_at"] = as_local(form.ends_at.data)
        data["leader"] = db.session.get(User, form.leader_id.data)
        data["skills"] = ops.skills_for(community, form.skills.data or ())
        created = ops.create_events(current_user, community, data)
        for event in created:
            event.beneficiaries = [entry]
        db.session.flush()
        return created

    done = form_action(
        form,
        operation,
        success=_("The visit is planned."),
        next_url=lambda created: url_for(".event", event_id=created[0].id),
        once=True,
    )
    return done or render_template("volunteers/roster_visit.html", form=form, entry=entry)


def _at(day, moment):
    from datetime import datetime

    return datetime.combine(day, moment)


def _place_of(entry):
    building = db.session.get(Building, entry.building_id) if entry.building_id else None
    parts = [building.name if building else "", entry.room or ""]
    return " ".join(part for part in parts if part) or entry.resident_name
