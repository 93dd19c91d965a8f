"""The neighbourhood help group (邻舍帮帮团): thin views over app.volunteers.operations."""

import io
from datetime import date
from decimal import Decimal, InvalidOperation

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup

from app.core.actions import form_action
from app.core.forms import choices
from app.core.i18n import gettext as _
from app.core.operations import DomainError
from app.core.permissions import is_authenticated, roles_required
from app.core.roles import Role
from app.core.types import local_today, utcnow
from app.extensions import db, limiter
from app.volunteers import forms, queries, templating
from app.volunteers import operations as ops
from app.volunteers.models import EventStatus, ParticipationStatus, Sex, TeamKind

bp = Blueprint("volunteers", __name__)
templating.register(bp)

members = roles_required(Role.volunteer, Role.coordinator, Role.admin)
organisers = roles_required(Role.coordinator, Role.admin)

JOIN = "volunteer_join"
STEPS = ("name", "home", "group", "consent", "password")


def qr_svg(url):
    """A QR code of ``url`` as inline SVG (no external request, no script)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, dark="#111")
    return Markup(out.getvalue().decode())  # noqa: S704 - segno's own SVG markup, built from our URL


def community_of_user():
    community = current_user.community if is_authenticated(current_user) else None
    if community is None:
        abort(403)
    return community


# --- the hub --------------------------------------------------------------------------------------


@bp.get("/")
@members
def index():
    if current_user.has_role(Role.coordinator, Role.admin):
        return render_template(
            "volunteers/index.html",
            applications=queries.applications(current_user),
            events=queries.events_for(current_user),
            corrections=queries.corrections_waiting(current_user),
        )
    return my_page()


# --- the public sign-up, one step per screen -------------------------------------------------------


def join_state():
    state = session.get(JOIN)
    return state if isinstance(state, dict) and isinstance(state.get("data"), dict) else None


def save_state(state):
    session[JOIN] = state
    session.modified = True


def step_form(step, community):
    if step == "name":
        return forms.NameStep()
    if step == "home":
        form = forms.HomeStep()
        form.birth_year.choices = forms.birth_years(local_today().year)
        form.building_id.choices = choices(
            [(0, _("Not in the list"))] + [(b.id, f"{b.grid.name} {b.name}") for b in queries.buildings_of(community)]
        )
        return form
    if step == "group":
        form = forms.GroupStep()
        form.skills.choices = choices([(name, name) for name in queries.skill_names(community)])
        return form
    if step == "consent":
        return forms.ConsentStep()
    return forms.PasswordStep()


def fill(form, data):
    for name, field in form._fields.items():
        if name in data and name != "csrf_token" and not request.form:
            field.data = data[name]
            if hasattr(field, "coerce") and not isinstance(field, forms.MultiCheckboxField) and data[name] is not None:
                try:
                    field.data = field.coerce(data[name])
                except (TypeError, ValueError):
                    field.data = None


def sign_up_in_progress():
    """The sign-up in progress and its community: a poster's link (?community=<id>) starts one for its community
    (or keeps the one already started there); else the one the session holds; (state, None) when none."""
    state = join_state()
    wanted = request.args.get("community", type=int)
    community = queries.sign_up_community(wanted) if request.method == "GET" and wanted else None
    if community is not None:
        if state is None or state.get("community") != wanted:
            state = {"community": wanted, "step": 0, "data": {}}
            save_state(state)
        return state, community
    return state, (queries.sign_up_community(state.get("community")) if state else None)


@bp.get("/join")
@limiter.exempt
def join():
    """Sign up without an account, from the QR code poster: five short steps kept in the session. Reading a
    step is not rate-limited (nor charged the limiter's bookkeeping); sending one is (join_step)."""
    return join_steps()


@bp.post("/join")
@limiter.limit(lambda: current_app.config["VOLUNTEER_JOIN_LIMIT"])
def join_step():
    """A step of the sign-up sent, limited per address (VOLUNTEER_JOIN_LIMIT)."""
    return join_steps()


def join_steps():
    if is_authenticated(current_user):
        return redirect(url_for(".me"))
    state, community = sign_up_in_progress()
    if community is None:
        return choose_community()
    step_index = state.get("step", 0) if isinstance(state.get("step"), int) else 0
    step_index = min(max(step_index, 0), len(STEPS) - 1)
    step = STEPS[step_index]
    form = step_form(step, community)
    if request.method == "POST" and request.form.get("back") and step_index > 0:
        state["step"] = step_index - 1
        save_state(state)
        return redirect(url_for(".join"))
    if request.method == "POST" and request.form.get("step") != step:
        return redirect(url_for(".join"))  # a form of another step (a page from the history): show the current one
    if request.method == "GET":
        fill(form, state["data"])
    if form.validate_on_submit():
        try:
            finished = take_step(state, step, form, community)
        except DomainError as error:
            db.session.rollback()
            from app.core.forms import apply_domain_error

            apply_domain_error(form, error)
        else:
            if finished:
                return finished
            state["step"] = step_index + 1
            save_state(state)
            return redirect(url_for(".join"))
    return render_template(
        "volunteers/join.html",
        form=form,
        step=step,
        number=step_index + 1,
        steps=len(STEPS),
        community=community,
        consent_version=ops.CONSENT_VERSION,
    )


def choose_community():
    """The communities to choose from: a GET form whose answer is the poster's own link (?community=<id>), so
    that looking at it writes nothing; a choice that is not a community (or no longer one) is refused here with
    the list again. Read outside any transaction: the page is public and cheap, one statement."""
    if request.method == "POST":
        return redirect(url_for(".join"))  # a step of a sign-up the session no longer holds: start again
    error = _("Choose your community.") if "community" in request.args else None
    return render_template("volunteers/join_community.html", communities=queries.communities(), error=error)


def take_step(state, step, form, community):
    data = state["data"]
    if step == "name":
        if ops.phone_taken(form.phone.data):
            raise ops.duplicate_phone_error()
        data.update(name=form.name.data, sex=form.sex.data, phone=form.phone.data)
    elif step == "home":
        data.update(
            birth_year=form.birth_year.data,
            birth_month=form.birth_month.data,
            building_id=form.building_id.data or 0,
            room=form.room.data or "",
        )
    elif step == "group":
        data.update(teams=form.teams.data, skills=form.skills.data, availability=form.availability.data)
    elif step == "consent":
        data.update(id_number=form.id_number.data or "", consent=bool(form.consent.data))
    else:
        missing = [name for name in ("name", "sex", "phone", "birth_year", "teams", "consent") if name not in data]
        if missing:
            state["step"] = 0
            save_state(state)
            flash(_("Some answers were lost; please go through the steps again."), "error")
            return redirect(url_for(".join"))
        details = dict(
            data,
            sex=Sex(data["sex"]),
            birth_month=date(int(data["birth_year"]), int(data["birth_month"]), 1),
            password=form.new_password.data,
            teams=[TeamKind(t) for t in data.get("teams") or ()],
        )
        volunteer = ops.join(queries.community_by_id(community.id), details)
        from app.auth.views import log_in

        log_in(volunteer.user, remember=True)  # a phone stays logged in (30 days) until logout
        db.session.commit()
        session.pop(JOIN, None)
        return redirect(url_for(".me"))
    return None


@bp.get("/poster")
@organisers
def poster():
    """The QR code of the sign-up: of the coordinator's community (an admin above communities gets the page that
    first asks for the community)."""
    community = current_user.community
    url = url_for(".join", community=community.id, _external=True) if community else url_for(".join", _external=True)
    return render_template("volunteers/poster.html", community=community, url=url, qr=qr_svg(url))


# --- the volunteer's own page ----------------------------------------------------------------------


@bp.get("/me")
@members
def me():
    return my_page()


def my_page():
    """A volunteer's own page (also the group's page for them): hours, stars, events and records."""
    volunteer = queries.volunteer_of(current_user)
    hours = queries.confirmed_hours(volunteer)
    star_count, next_star, progress = ops.stars(hours)
    return render_template(
        "volunteers/me.html",
        volunteer=volunteer,
        hours=hours,
        stars=star_count,
        star_limits=current_app.config["VOLUNTEER_STAR_HOURS"],
        next_star=next_star,
        progress=progress,
        participations=queries.participations_of(volunteer),
        records=queries.records_of(volunteer),
        events=queries.events_for(current_user) if volunteer and volunteer.is_approved else [],
    )


def profile_form(volunteer):
    form = forms.ProfileForm()
    community = volunteer.org_unit
    form.building_id.choices = choices(
        [(0, _("Not in the list"))] + [(b.id, f"{b.grid.name} {b.name}") for b in queries.buildings_of(community)]
    )
    form.skills.choices = choices([(name, name) for name in queries.skill_names(community)])
    if not form.is_submitted():
        form.name.data = volunteer.user.name
        form.building_id.data = volunteer.building_id or 0
        form.room.data = volunteer.room
        form.teams.data = [t.kind.value for t in volunteer.teams]
        form.skills.data = [s.name for s in volunteer.skills]
        form.availability.data = [a.value for a in volunteer.available]
    return form


@bp.route("/me/profile", methods=["GET", "POST"])
@roles_required(Role.volunteer)
def profile():
    volunteer = queries.volunteer_of(current_user)
    if volunteer is None:
        abort(404)
    if not volunteer.can_edit(current_user, check_state=False):
        abort(403)
    form = profile_form(volunteer)
    done = form_action(
        form,
        lambda: ops.update_profile(current_user, volunteer, form.data),
        success=_("Your details are saved."),
        next_url=url_for(".me"),
    )
    return done or render_template("volunteers/profile.html", form=form, volunteer=volunteer)


# --- coordinators: applications and volunteers -----------------------------------------------------


@bp.get("/people")
@organisers
def people():
    community = current_user.community
    names = queries.skill_names(community) if community else list(ops.DEFAULT_SKILLS)
    form = forms.VolunteerFilterForm(request.args)
    form.skill.choices = choices([("", _("All"))] + [(name, name) for name in names])
    args = {
        name: (form[name].data if form[name].validate(form) else None)
        for name in ("status", "team", "skill", "availability")
    }
    page = queries.volunteer_list(current_user, **args)
    return render_template("volunteers/people.html", form=form, page=page)


def load_volunteer(volunteer_id):
    volunteer = queries.volunteer(volunteer_id)
    if volunteer is None or not volunteer.can_view(current_user):
        abort(404)
    return volunteer


@bp.get("/people/<int:volunteer_id>")
@organisers
def person(volunteer_id):
    volunteer = load_volunteer(volunteer_id)
    profile = queries.profile(volunteer)
    return render_template(
        "volunteers/person.html",
        volunteer=volunteer,
        profile=profile,
        stars=ops.stars(profile.hours)[0],
    )


@bp.post("/people/<int:volunteer_id>/approve")
@organisers
def approve(volunteer_id):
    volunteer = load_volunteer(volunteer_id)
    if not volunteer.can_decide(current_user, check_state=False):
        abort(403)
    form_action(
        forms.ConfirmForm(),
        lambda: ops.approve(current_user, volunteer),
        success=lambda v: _("%(name)s is now volunteer %(number)s.", name=v.user.name, number=v.number),
        next_url=url_for(".person", volunteer_id=volunteer.id),
    )
    return redirect(url_for(".person", volunteer_id=volunteer.id))


@bp.route("/people/<int:volunteer_id>/reject", methods=["GET", "POST"])
@organisers
def reject(volunteer_id):
    volunteer = load_volunteer(volunteer_id)
    if not volunteer.can_decide(current_user, check_state=False):
        abort(403)
    form = forms.ReasonForm()
    done = form_action(
        form,
        lambda: ops.reject(current_user, volunteer, form.reason.data),
        success=_("The application was turned down."),
        next_url=url_for(".person", volunteer_id=volunteer.id),
    )
    return done or render_template("volunteers/reject.html", form=form, volunteer=volunteer)


@bp.post("/people/<int:volunteer_id>/login-link")
@organisers
def login_link(volunteer_id):
    volunteer = load_volunteer(volunteer_id)
    if not volunteer.can_give_login_link(current_user, check_state=False):
        abort(403)
    form = forms.LoginLinkForm()
    if not form.validate_on_submit():
        flash(_("The form had expired; please try again."), "error")
        return redirect(url_for(".person", volunteer_id=volunteer.id))
    token = ops.create_login_link(current_user, volunteer)
    db.session.commit()
    url = url_for(".token_login", token=token, _external=True)  # ?token=: kept out of the access log
    # shown once, on a page that is not cached (no-store), never in a URL of the coordinator's history
    return render_template("volunteers/login_link.html", volunteer=volunteer, url=url, qr=qr_svg(url))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def token_login():
    """A one-time login link: the page asks for a tap (a GET never logs in), the POST logs in for 30 days. The
    token travels in the query string, which the access log leaves out (gunicorn.conf.py)."""
    token = request.args.get("token", "")[:100]
    form = forms.TokenLoginForm()
    valid = ops.find_login_token(token) is not None
    if form.validate_on_submit():
        try:
            user = ops.use_login_link(token)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("volunteers/token_login.html", form=form, valid=False), 410
        from app.auth.views import log_in

        log_in(user, remember=True)
        db.session.commit()
        flash(_("You are logged in. Set a new password in your account if you like."), "success")
        return redirect(url_for(".me"))
    return render_template("volunteers/token_login.html", form=form, valid=valid), (200 if valid else 410)


# --- service events ----------------------------------------------------------------------------------


@bp.get("/events")
@members
def events():
    """The events to come, a page at a time; ``?when=past`` the past ones."""
    past = request.args.get("when") == "past"
    return render_template(
        "volunteers/events.html", page=queries.event_page(current_user, upcoming=not past), past=past
    )


def event_form(community):
    form = forms.EventForm()
    form.leader_id.choices = choices([(u.id, u.name) for u in queries.leaders_for(community)])
    form.skills.choices = choices([(name, name) for name in queries.skill_names(community)])
    return form


@bp.route("/events/new", methods=["GET", "POST"])
@organisers
def new_event():
    community = community_of_user()
    form = event_form(community)

    def operation():
        from app.core.models import User
        from app.core.types import as_local

        data = dict(form.data)
        data["starts_at"] = as_local(form.starts_at.data)
        data["ends_at"] = as_local(form.ends_at.data)
        data["leader"] = db.session.get(User, form.leader_id.data)
        data["skills"] = ops.skills_for(community, form.skills.data or ())
        return ops.create_events(current_user, community, data)

    done = form_action(
        form,
        operation,
        success=lambda created: (
            _("%(count)s events planned.", count=len(created)) if len(created) > 1 else _("The event is planned.")
        ),
        next_url=lambda created: url_for(".event", event_id=created[0].id),
        once=True,
    )
    return done or render_template("volunteers/event_form.html", form=form)


def load_event(event_id):
    event = queries.event(event_id)
    if event is None or not event.can_view(current_user):
        abort(404)
    return event


@bp.get("/events/<int:event_id>")
@members
def event(event_id):
    event_ = load_event(event_id)
    mine = event_.participation_of(current_user)
    return render_template(
        "volunteers/event.html",
        event=event_,
        mine=mine,
        volunteer=queries.volunteer_of(current_user),
        confirm_form=forms.ConfirmForm(),
        PS=ParticipationStatus,
    )


def event_button(event_id, rule, operation, message):
    event_ = load_event(event_id)
    if not getattr(event_, rule)(current_user, check_state=False):
        abort(403)
    form_action(
        forms.ConfirmForm(),
        lambda: operation(current_user, event_),
        success=message,
        next_url=url_for(".event", event_id=event_.id),
        conflict_page=True,
    )
    return redirect(url_for(".event", event_id=event_.id))


@bp.post("/events/<int:event_id>/sign-up")
@members
def sign_up(event_id):
    return event_button(
        event_id,
        "can_sign_up",
        ops.sign_up,
        lambda p: (
            _("You are signed up.")
            if p.status == ParticipationStatus.signed_up
            else _("The event is full: you are number %(position)s on the waiting list.", position=p.position)
        ),
    )


@bp.post("/events/<int:event_id>/cancel")
@members
def cancel(event_id):
    return event_button(event_id, "can_cancel_sign_up", ops.cancel_sign_up, _("Your sign-up is cancelled."))


@bp.get("/events/<int:event_id>/code")
@members
def checkin_code(event_id):
    """The leader's phone shows the rotating check-in code; the page reloads itself to show the next one."""
    event_ = load_event(event_id)
    if not event_.can_lead(current_user, check_state=False):
        abort(403)
    code = ops.checkin_code(event_)
    url = url_for(".check_in", event_id=event_.id, code=code, _external=True)
    opens, closes = event_.check_in_window(current_app.config["VOLUNTEER_CHECKIN_MARGIN"])
    is_open = opens <= utcnow() <= closes and event_.status == EventStatus.planned
    seconds = max(10, current_app.config["VOLUNTEER_CHECKIN_SECONDS"] // 2)
    response = current_app.make_response(
        render_template(
            "volunteers/checkin_code.html",
            event=event_,
            url=url,
            qr=qr_svg(url) if is_open else None,
            is_open=is_open,
            opens=opens,
            closes=closes,
            refresh=seconds,
        )
    )
    response.headers["Refresh"] = str(seconds)
    return response


@bp.route("/events/<int:event_id>/check-in", methods=["GET", "POST"])
@members
def check_in(event_id):
    """Opened from the leader's code (``?code=``): a tap checks in, a second one later checks out."""
    code = request.args.get("code", "")[:100]
    event_ = load_event(event_id)
    if not event_.can_check_in(current_user, check_state=False):
        abort(403)
    form = forms.CheckInForm()
    error = None
    if form.validate_on_submit():
        try:
            what = ops.scan(current_user, event_, code)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            error = refused.message
        else:
            flash(
                _("You are checked in. Thank you!") if what == "checked_in" else _("You are checked out. Thank you!"),
                "success",
            )
            return redirect(url_for(".event", event_id=event_.id))
    else:
        try:
            ops.check_code(event_, code)
        except DomainError as refused:
            error = refused.message
    mine = event_.participation_of(current_user)
    return render_template("volunteers/check_in.html", event=event_, form=form, error=error, mine=mine)


@bp.post("/events/<int:event_id>/attendance/<int:participation_id>")
@members
def attendance(event_id, participation_id):
    event_ = load_event(event_id)
    if not event_.can_lead(current_user, check_state=False):
        abort(403)
    participation = next((p for p in event_.participations if p.id == participation_id), None)
    if participation is None:
        abort(404)
    attended = request.form.get("attended") == "1"
    form_action(
        forms.ConfirmForm(),
        lambda: ops.mark_attendance(current_user, event_, participation, attended),
        success=_("Attendance saved."),
        next_url=url_for(".confirm_hours", event_id=event_.id),
        conflict_page=True,
    )
    return redirect(url_for(".confirm_hours", event_id=event_.id))


def parse_hours(event_):
    """The hours typed per participant (``hours-<id>``); a value that is no number is refused with its name."""
    hours = {}
    for participation in event_.participations:
        raw = (request.form.get(f"hours-{participation.id}") or "").strip()
        if not raw or participation.status != ParticipationStatus.attended:
            continue
        try:
            value = Decimal(raw.replace("，", ".").replace(",", "."))
            if not value.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise DomainError(
                _("The hours of %(name)s are not a number.", name=participation.volunteer.user.name)
            ) from None
        hours[participation.id] = value
    return hours


@bp.route("/events/<int:event_id>/hours", methods=["GET", "POST"])
@members
def confirm_hours(event_id):
    event_ = load_event(event_id)
    if not event_.can_lead(current_user, check_state=False):
        abort(403)
    form = forms.HoursForm()
    done = form_action(
        form,
        lambda: ops.confirm_hours(
            current_user, event_, parse_hours(event_), form.quality.data, form.content.data, form.beneficiary.data
        ),
        success=_("The hours are confirmed and recorded."),
        next_url=url_for(".event", event_id=event_.id),
    )
    suggested = {p.id: ops.suggested_hours(event_, p) for p in event_.participations}
    typed = {key: value for key, value in request.form.items() if key.startswith("hours-")}
    return done or render_template(
        "volunteers/hours.html",
        event=event_,
        form=form,
        suggested=suggested,
        typed=typed,
        PS=ParticipationStatus,
        confirm_form=forms.ConfirmForm(),
    )


@bp.route("/events/<int:event_id>/correction", methods=["GET", "POST"])
@roles_required(Role.volunteer)
def correction(event_id):
    event_ = load_event(event_id)
    form = forms.CorrectionForm()
    done = form_action(
        form,
        lambda: ops.request_correction(current_user, event_, form.hours.data, form.reason.data),
        success=_("Your request is sent to the coordinator."),
        next_url=url_for(".me"),
    )
    return done or render_template("volunteers/correction.html", form=form, event=event_)


@bp.get("/corrections")
@organisers
def corrections():
    return render_template("volunteers/corrections.html", records=queries.corrections_waiting(current_user))


@bp.route("/records/<int:record_id>/decision", methods=["GET", "POST"])
@organisers
def decide_correction(record_id):
    record = queries.record(record_id)
    if record is None or not record.can_view(current_user):
        abort(404)
    if not record.can_decide_correction(current_user, check_state=False):
        abort(403)
    form = forms.CorrectionDecisionForm()
    done = form_action(
        form,
        lambda: ops.decide_correction(current_user, record, form.decision.data == "accept", form.note.data),
        success=_("The decision is saved and the volunteer told."),
        next_url=url_for(".corrections"),
    )
    return done or render_template("volunteers/decide_correction.html", form=form, record=record)


from app.volunteers import certificates, figures, help_requests, roster  # noqa: E402, F401  (their routes, on bp)
