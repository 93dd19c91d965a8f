"""Help requests: a mediator, a grid worker or a coordinator asks the help group for help (an elderly resident's
broken door found on a grid walk), optionally from a grid work order or a mediation case. The group's
coordinators see the requests; a request's page suggests approved volunteers whose skills and availability
match, best first; "accept" makes a service event of it (the event form, pre-filled) and tells whoever asked;
"decline" takes a reason and tells them too."""

from datetime import datetime, time, timedelta

from flask import abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import selectinload
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core import operations as core_ops
from app.core.actions import form_action
from app.core.forms import LinliForm, choices
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.operations import DomainError
from app.core.permissions import is_authenticated, roles_required
from app.core.queries import scope_query
from app.core.roles import Role
from app.core.types import local_today, utcnow
from app.extensions import db
from app.volunteers import queries
from app.volunteers.forms import MultiCheckboxField
from app.volunteers.models import (
    Availability,
    EventKind,
    HelpRequest,
    HelpRequestStatus,
    Volunteer,
    VolunteerStatus,
    can_ask_for_help,
    help_request_skills,
    volunteer_skills,
)
from app.volunteers.views import bp, event_form

askers = roles_required(Role.mediator, Role.grid_worker, Role.coordinator, Role.admin)
organisers = roles_required(Role.coordinator, Role.admin)

WEEKDAY_SLOTS = Availability.to_bits(
    [Availability.weekday_morning, Availability.weekday_afternoon, Availability.weekday_evening]
)
WEEKEND_SLOTS = Availability.to_bits(
    [Availability.weekend_morning, Availability.weekend_afternoon, Availability.weekend_evening]
)


class HelpRequestForm(LinliForm):
    description = TextAreaField(
        _l("What help is needed"), validators=[DataRequired(_l("Say what help is needed.")), Length(max=2000)]
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    skills = MultiCheckboxField(_l("Skills needed"), validators=[Optional()])
    wanted_on = DateField(_l("Wanted on"), validators=[Optional()])
    order = HiddenField()
    case = HiddenField()

    def validate_wanted_on(self, field):
        if field.data and field.data < local_today():
            from wtforms.validators import ValidationError

            raise ValidationError(_l("The date cannot be in the past."))


class DeclineForm(LinliForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=500)])


# --- the linked records ------------------------------------------------------------------------------


def _int(value):
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def linked_order(order_id, user):
    """The grid work order a request is asked from: one the user may ask the help group about, else 404."""
    from app.grid.models import WorkOrder

    order = db.session.get(WorkOrder, order_id) if order_id else None
    if order is None or not order.can_view(user) or not order.can_ask_help_group(user):
        abort(404)
    return order


def linked_case(case_id, user):
    from app.mediation.models import Case

    found = db.session.get(Case, case_id) if case_id else None
    if found is None or not found.can_view(user):
        abort(404)
    return found


def community_of(unit):
    """The community (or village) holding ``unit``, or None."""
    return unit.community if unit is not None else None


# --- operations -------------------------------------------------------------------------------------------


def ask(actor, community, data, order=None, mediation_case=None):
    from app.volunteers import operations as ops

    if community is None:
        raise DomainError(_("You do not belong to a community whose help group could help."))
    wanted = data.get("wanted_on")
    help_request = HelpRequest(
        org_unit_id=community.id,
        asked_by_id=actor.id,
        description=data["description"].strip(),
        place=(data.get("place") or "").strip() or None,
        wanted_on=wanted,
        status=HelpRequestStatus.open,
        grid_order_id=order.id if order is not None else None,
        mediation_case_id=mediation_case.id if mediation_case is not None else None,
        skills=ops.skills_for(community, data.get("skills") or ()),
    )
    db.session.add(help_request)
    db.session.flush()
    core_ops.log(actor, "volunteers.help_requested", help_request, _l("Help requested from the help group"))
    for coordinator in ops._coordinators(community):
        core_ops.notify(
            coordinator, _l("A request for the help group's help is waiting."), f"/volunteers/help/{help_request.id}"
        )
    return help_request


def decline(actor, help_request, reason):
    if help_request.status != HelpRequestStatus.open:
        raise DomainError(_("This request is decided already."))
    help_request.status = HelpRequestStatus.declined
    help_request.decline_reason = reason.strip()
    help_request.decided_at = utcnow()
    db.session.flush()
    core_ops.log(actor, "volunteers.help_declined", help_request, _l("Help request declined"))
    core_ops.notify(
        help_request.asked_by,
        _l("The help group cannot take on your request: %(reason)s", reason=help_request.decline_reason),
        f"/volunteers/help/{help_request.id}",
    )
    return help_request


def accept(actor, help_request, events):
    """The request became ``events`` (the first is linked): it is accepted and whoever asked is told."""
    if help_request.status != HelpRequestStatus.open:
        raise DomainError(_("This request is decided already."))
    help_request.status = HelpRequestStatus.accepted
    help_request.event_id = events[0].id
    help_request.decided_at = utcnow()
    db.session.flush()
    core_ops.log(actor, "volunteers.help_accepted", help_request, _l("Help request accepted"))
    core_ops.notify(
        help_request.asked_by,
        _l("The help group takes on your request: %(title)s", title=events[0].title),
        f"/volunteers/help/{help_request.id}",
    )
    return help_request


# --- reads ------------------------------------------------------------------------------------------------


def help_request_by_id(request_id):
    if not 0 < request_id < 2**31:
        return None
    return db.session.scalar(
        select(HelpRequest)
        .where(HelpRequest.id == request_id)
        .options(
            selectinload(HelpRequest.skills),
            selectinload(HelpRequest.asked_by),
            selectinload(HelpRequest.org_unit),
            selectinload(HelpRequest.event),
        )
    )


def requests_for(user, limit=100):
    """Organisers: their area's requests, open ones first; anyone else: the requests they asked."""
    if user.has_role(Role.coordinator, Role.admin):
        query = scope_query(select(HelpRequest), HelpRequest.org_unit_id, user)
    else:
        query = select(HelpRequest).where(HelpRequest.asked_by_id == user.id)
    opened_first = case((HelpRequest.status == HelpRequestStatus.open, 0), else_=1)
    return db.session.scalars(
        query.options(selectinload(HelpRequest.asked_by))
        .order_by(opened_first, HelpRequest.created_at.desc())
        .limit(limit)
    ).all()


def requests_of_order(order_id):
    return db.session.scalars(
        select(HelpRequest).where(HelpRequest.grid_order_id == order_id).order_by(HelpRequest.id)
    ).all()


def wanted_slots(wanted_on):
    if wanted_on is None:
        return 0
    return WEEKEND_SLOTS if wanted_on.weekday() >= 5 else WEEKDAY_SLOTS


def suggestions(help_request, limit=10):
    """Approved volunteers of the request's community, ranked: most of the skills needed first, then those
    available on the wanted day (weekday or weekend), then those with the fewer events lately (by id); only
    volunteers who match in something are suggested. One statement."""
    matches = (
        select(func.count())
        .select_from(volunteer_skills)
        .join(help_request_skills, help_request_skills.c.skill_id == volunteer_skills.c.skill_id)
        .where(
            volunteer_skills.c.volunteer_id == Volunteer.id,
            help_request_skills.c.help_request_id == help_request.id,
        )
        .scalar_subquery()
    )
    slots = wanted_slots(help_request.wanted_on)
    available = case((Volunteer.availability.op("&")(slots) != 0, 1), else_=0) if slots else literal(0)
    rows = db.session.execute(
        select(Volunteer, matches.label("matches"), available.label("available"))
        .where(Volunteer.org_unit_id == help_request.org_unit_id, Volunteer.status == VolunteerStatus.approved)
        .where((matches > 0) | (available > 0))
        .options(selectinload(Volunteer.user), selectinload(Volunteer.skills))
        .order_by(matches.desc(), available.desc(), Volunteer.id)
        .limit(limit)
    ).all()
    return [(row[0], row[1], bool(row[2])) for row in rows]


@bp.app_context_processor
def help_helpers():
    """For the grid work order's page: the help requests asked from an order (their status and link)."""

    def help_requests_of_order(order):
        if not is_authenticated(current_user) or order is None:
            return []
        return requests_of_order(order.id)

    return {"help_requests_of_order": help_requests_of_order}


# --- views ------------------------------------------------------------------------------------------------


def load_request(request_id):
    found = help_request_by_id(request_id)
    if found is None or not found.can_view(current_user):
        abort(404)
    return found


@bp.get("/help")
@askers
def help_requests():
    return render_template("volunteers/help_list.html", requests=requests_for(current_user))


@bp.route("/help/new", methods=["GET", "POST"])
@askers
def help_new():
    if not can_ask_for_help(current_user):
        abort(403)
    form = HelpRequestForm()
    order_id = _int(form.order.data if form.is_submitted() else request.args.get("order"))
    case_id = _int(form.case.data if form.is_submitted() else request.args.get("case"))
    order = linked_order(order_id, current_user) if order_id else None
    mediation_case = linked_case(case_id, current_user) if case_id else None
    if order is not None:
        community = community_of(order.org_unit)
    elif mediation_case is not None:
        community = community_of(mediation_case.org_unit)
    else:
        community = community_of(current_user.org_unit)
    names = queries.skill_names(community) if community is not None else []
    form.skills.choices = choices([(name, name) for name in names])
    if not form.is_submitted():
        form.order.data = str(order.id) if order else ""
        form.case.data = str(mediation_case.id) if mediation_case else ""
        if order is not None:
            form.description.data = order.description
            form.place.data = order.place or order.address or ""
    done = form_action(
        form,
        lambda: ask(current_user, community, form.data, order, mediation_case),
        success=_("Your request is sent to the help group."),
        next_url=lambda found: url_for(".help_request", request_id=found.id),
        once=True,
    )
    return done or render_template(
        "volunteers/help_form.html", form=form, order=order, mediation_case=mediation_case, community=community
    )


@bp.get("/help/<int:request_id>")
@askers
def help_request(request_id):
    found = load_request(request_id)
    order = None
    if found.grid_order_id:
        from app.grid.models import WorkOrder

        order = db.session.get(WorkOrder, found.grid_order_id)
    return render_template(
        "volunteers/help_request.html",
        help_request=found,
        order=order,
        suggested=suggestions(found) if found.can_decide(current_user) else [],
    )


@bp.route("/help/<int:request_id>/accept", methods=["GET", "POST"])
@organisers
def help_accept(request_id):
    """Accept: the event form, pre-filled from the request; planning the event accepts the request."""
    from app.core.models import User
    from app.core.types import as_local
    from app.volunteers import operations as ops

    found = load_request(request_id)
    if not found.can_decide(current_user, check_state=False):
        abort(403)
    community = found.org_unit
    form = event_form(community)
    if not form.is_submitted():
        day = found.wanted_on if found.wanted_on and found.wanted_on >= local_today() else local_today() + timedelta(1)
        form.title.data = _("Help: %(what)s", what=found.description[:60])
        form.kind.data = EventKind.other.value
        form.starts_at.data = datetime.combine(day, time(9, 0))
        form.ends_at.data = datetime.combine(day, time(11, 0))
        form.place.data = found.place or ""
        form.description.data = found.description
        form.capacity.data = 2
        form.beneficiary_count.data = 1
        form.repeat_weeks.data = 1
        form.skills.data = [skill.name for skill in found.skills]

    def operation():
        data = dict(form.data)
        data["starts_at"] = as_local(form.starts_at.data)
        data["ends_at"] = as_local(form.ends_at.data)
        data["leader"] = db.session.get(User, form.leader_id.data)
        data["skills"] = ops.skills_for(community, form.skills.data or ())
        if found.status != HelpRequestStatus.open:
            raise DomainError(_("This request is decided already."))
        events = ops.create_events(current_user, community, data)
        accept(current_user, found, events)
        return events

    done = form_action(
        form,
        operation,
        success=_("The request is accepted and the event planned."),
        next_url=lambda events: url_for(".event", event_id=events[0].id),
        once=True,
    )
    return done or render_template("volunteers/help_accept.html", form=form, help_request=found)


@bp.route("/help/<int:request_id>/decline", methods=["GET", "POST"])
@organisers
def help_decline(request_id):
    found = load_request(request_id)
    if not found.can_decide(current_user, check_state=False):
        abort(403)
    form = DeclineForm()
    done = form_action(
        form,
        lambda: decline(current_user, found, form.reason.data),
        success=_("The request is declined and whoever asked is told."),
        next_url=url_for(".help_request", request_id=found.id),
    )
    return done or render_template("volunteers/help_decline.html", form=form, help_request=found)
