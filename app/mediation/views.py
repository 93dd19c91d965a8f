"""The mediation studio (调解工作室): thin views over app.mediation.operations."""

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import searches
from app.core.actions import form_action
from app.core.forms import choices
from app.core.i18n import gettext as _
from app.core.models import Building, OrgUnit, User
from app.core.pagination import page_number, paginate
from app.core.permissions import roles_required
from app.core.roles import Role
from app.core.storage import content_disposition
from app.core.templating import date_filter
from app.core.types import local_today
from app.extensions import db
from app.grid import operations as grid_ops
from app.grid import queries as grid_queries
from app.mediation import checklist, forms, queries, templating
from app.mediation import operations as ops
from app.mediation.models import (
    Agreement,
    AgreementForm,
    Attachment,
    Case,
    CaseSource,
    DisputeCategory,
    FollowUp,
    MediationSession,
    PartyRole,
)

bp = Blueprint("mediation", __name__)
templating.register(bp)

staff_required = roles_required(Role.mediator, Role.admin)


# --- helpers ---------------------------------------------------------------------------------


def load_case(case_id, rule=Case.can_view):
    """The case with everything its pages show, if ``rule(case, user)`` (a Case.can_* method) lets the current
    user see it this way; 404 otherwise (no hint that it exists)."""
    case = queries.case_with_details(case_id)
    if case is None or not rule(case, current_user):
        abort(404)
    return case


def viewed(case, page):
    """Render a page that shows the case's full details: the view goes into the audit log, committed after
    rendering so the loaded case is not expired and reloaded."""
    ops.log_full_view(current_user, case)
    result = page()
    db.session.commit()
    return result


def require(allowed):
    if not allowed:
        abort(403)


def load_written_agreement_case(case_id):
    case = load_case(case_id)
    if not case.has_written_agreement:
        abort(404)
    return case


def require_change(case, rule):
    """The current user may change the case this way: ``rule`` is one of the case's can_<verb> methods, asked
    without the state (403 for the wrong person; a state that does not allow it is refused by the operation,
    with its reason, on the form). An archived case says so instead of a bare 403."""
    if case.is_read_only:
        flash(_("This case is archived and can no longer be changed."), "error")
        abort(redirect(case_url(case)))
    require(rule(current_user, check_state=False))


def case_url(case):
    return url_for("mediation.show", case_id=case.id)


def run(form, case, operation, message, record=None, once=False):
    """form_action for the case's pages: after a success the user goes back to the case. ``once=True`` for
    forms that add a record (their template sends a submission_key)."""
    return form_action(form, operation, success=message, next_url=case_url(case), record=record, once=once)


def action_page(case, form, title, fields, submit, note=None, status=200):
    return render_template(
        "mediation/action.html", case=case, form=form, title=title, fields=fields, submit_label=submit, note=note
    ), status


# --- list and search -------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@staff_required
def index():
    # a search by phone, ID number or name never goes into the URL (app.core.searches)
    args, moved = searches.list_args(("q",))
    if moved:
        return moved
    form = forms.CaseFilterForm(args)
    options = queries.list_filter_choices(current_user, args.get("community", type=int))
    everything = [(0, _("(all)"))]
    form.community.choices = choices(everything + options.communities)
    form.mediator.choices = choices(everything + options.mediators)
    form.grid.choices = choices(everything + options.grids)
    today = local_today()
    filters = options.restrict(form.data) if form.validate() else {}
    page = queries.case_list_page(current_user, filters, today, page_number(), current_app.config["CASE_PAGE_SIZE"])
    due_visits = queries.due_visits(current_user, today, with_parties=True)
    return render_template(
        "mediation/index.html",
        form=form,
        page=page,
        today=today,
        due_visits=due_visits,
        options=options,
        category_titles=DisputeCategory.titles(),
    )


# --- intake ----------------------------------------------------------------------------------


def prepare_case_form(form, community, order=None):
    grids = db.session.scalars(
        select(OrgUnit).where(OrgUnit.parent_id == community.id, OrgUnit.kind == "grid").order_by(OrgUnit.name)
    ).all()
    form.grid_id.choices = choices([(0, "—")] + [(g.id, g.name) for g in grids])
    buildings = db.session.scalars(
        select(Building)
        .where(Building.grid_id.in_([g.id for g in grids]))
        .options(selectinload(Building.grid))
        .order_by(Building.grid_id, Building.id)
    ).all()
    # the building first (what is looked for, narrowed as "3幢" is typed), its grid after it
    form.building_id.choices = choices([(0, "—")] + [(b.id, f"{b.name} · {b.grid.name}") for b in buildings])
    workers = queries.grid_workers_for(community)
    if order is not None and order.reporter is not None and order.reporter not in workers:
        workers.append(order.reporter)  # moved or left since: still the one who reported it
    form.reported_by_id.choices = choices([(0, "—")] + [(u.id, f"{u.name}（{u.org_unit.name}）") for u in workers])
    for entry in form.parties:
        entry.form.building_id.choices = form.building_id.choices
    if not form.is_submitted():
        form.registered_on.data = local_today()
        roles = [PartyRole.applicant, PartyRole.respondent]
        for entry, role in zip(form.parties, roles, strict=False):
            entry.form.role.data = str(role)
            # in a neighbour dispute (the default category) both usually live where it happens
            entry.form.at_place.data = True
        if order is not None:
            prefill_from_order(form, order)


def intake_order():
    """The work order the intake starts from (``from_order``: on the link, then a hidden field of the form), if
    any: a dispute the current user may turn into a case (community staff, or a mediator of its studio);
    404 otherwise, so that an order id of another community, or of an order that is no dispute, tells nothing."""
    order_id = request.values.get("from_order", type=int)
    if not order_id:
        return None
    order = grid_queries.order_to_refer(order_id)
    if order is None or not order.can_refer_to_mediation(current_user, check_state=False):
        abort(404)
    return order


def prefill_from_order(form, order):
    """What the order says goes into the intake: its description, place and reporter (the parties' names and
    phones are not in it: the mediator adds them)."""
    form.source.data = str(CaseSource.grid_report)
    form.summary.data = order.description
    form.grid_id.data = order.grid_id
    form.building_id.data = order.building_id or 0
    form.room.data = order.room
    form.occurred_on.data = None
    form.reported_by_id.data = order.reporter_id or 0


@bp.route("/cases/new", methods=["GET", "POST"])
@staff_required
def new_case():
    communities = queries.communities_for(current_user)
    if not communities:
        abort(403)
    order = intake_order()
    community_id = order.org_unit_id if order else request.values.get("community_id", type=int) or communities[0].id
    community = next((c for c in communities if c.id == community_id), None)
    if community is None:
        abort(404)
    if order is not None and request.method == "GET" and not order.can_refer_to_mediation(current_user):
        return refused_order(order)
    form = forms.CaseForm()
    prepare_case_form(form, community, order)
    if request.method == "POST" and "add_party" in request.form:
        if len(form.parties) < form.parties.max_entries:
            form.parties.append_entry({"role": PartyRole.other})
            form.parties[-1].form.building_id.choices = form.building_id.choices
        else:
            flash(_("A case can have at most %(n)s parties.", n=form.parties.max_entries), "error")
        return intake_page(form, community, communities, order)
    related = []
    if request.method == "POST" and "check" in request.form:
        form.validate()
        rows = form.party_rows()
        related = queries.related_cases(
            names=[r.form.name.data for r in rows],
            phones=[r.form.phone.data for r in rows],
            addresses=[form.address.data] + [r.form.address.data for r in rows],
            user=current_user,
        )
        if not related:
            flash(_("No earlier cases name these parties or this address."), "info")
        return intake_page(form, community, communities, order, related)

    def register():
        building = db.session.get(Building, form.building_id.data) if form.building_id.data else None
        # a building's grid is its own (a grid also chosen on a page without scripts is not asked twice)
        grid = db.session.get(OrgUnit, form.grid_id.data) if form.grid_id.data and building is None else None
        data = {
            key: getattr(form, key).data
            for key in (
                "source",
                "category",
                "summary",
                "requests",
                "risk_level",
                "may_escalate",
                "occurred_on",
                "registered_on",
                "room",
                "address",
            )
        }
        data.update(grid=grid, building=building)
        parties = [entry.form.data_for_case() for entry in form.party_rows()]
        if order is not None:  # a dispute reported by a grid worker: they are told how it goes
            reporter = order.reporter
        else:
            reporter = db.session.get(User, form.reported_by_id.data) if form.reported_by_id.data else None
        case = ops.register_case(current_user, community, data, parties, referred_by=reporter)
        if order is not None:  # linked both ways, in the same transaction
            grid_ops.refer_to_mediation(current_user, order, case)
        return case

    # a double tap, or a retry on a bad network, registers the case once (the form's one-time key)
    done = form_action(
        form,
        register,
        success=lambda case: _("Case %(number)s registered.", number=case.number),
        next_url=case_url,
        once=True,
    )
    return done or intake_page(form, community, communities, order, related)


def intake_page(form, community, communities, order, related=()):
    # without a work order: the disputes reported in the grids that may start a case
    disputes = grid_queries.disputes_to_refer(community) if order is None else []
    form.mark_required()
    return render_template(
        "mediation/new.html",
        form=form,
        community=community,
        communities=communities,
        related=related,
        order=order,
        disputes=disputes,
        neighbour=DisputeCategory.neighbour.value,
        applicant=PartyRole.applicant.value,
        grid_report=CaseSource.grid_report.value,
    )


def building_choices(community):
    """The buildings of the community's grids, each named first and its grid after it."""
    buildings = db.session.scalars(
        select(Building)
        .join(OrgUnit, Building.grid_id == OrgUnit.id)
        .where(OrgUnit.parent_id == community.id, OrgUnit.kind == "grid")
        .options(selectinload(Building.grid))
        .order_by(Building.grid_id, Building.id)
    ).all()
    return choices([(0, "—")] + [(b.id, f"{b.name} · {b.grid.name}") for b in buildings])


@bp.route("/cases/<int:case_id>/parties/<int:party_id>", methods=["GET", "POST"])
@staff_required
def edit_party(case_id, party_id):
    """Correct or complete a party's details: what the case file needs later (ID number, home, age ...)."""
    case = load_case(case_id)
    require_change(case, case.can_edit_party)
    party = next((p for p in case.parties if p.id == party_id), None)
    if party is None:
        abort(404)
    form = forms.PartyEditForm(obj=party)
    form.building_id.choices = building_choices(case.org_unit)
    form.phone.flags.required = party.role == PartyRole.applicant
    done = run(
        form,
        case,
        lambda: ops.update_party(current_user, party, form.party_data()),
        _("The details of %(name)s are saved.", name=party.name),
    )
    if done:
        return done

    def page():
        return action_page(
            case,
            form,
            _("%(role)s: %(name)s", role=party.role.title, name=party.name),
            [*forms.PartyEditForm.FIELDS, "representative"],
            _("Save"),
        )

    # the form shows the party's full numbers: opening it is a full view, like the case page
    return viewed(case, page) if request.method == "GET" else page()


def refused_order(order):
    """An intake opened from an order that can no longer become a case (passed to mediation already, signed
    for by a unit, closed): the reason, and back to where the user can follow it."""
    try:
        grid_ops.require_referable(order)
    except grid_ops.InvalidTransition as error:
        flash(error.message, "error")
    case = order.mediation_case
    if case is not None and case.can_view(current_user):
        return redirect(case_url(case))
    return redirect(url_for(".new_case", community_id=order.org_unit_id))


# --- the case page ---------------------------------------------------------------------------


@bp.get("/cases/<int:case_id>")
@staff_required
def show(case_id):
    case = load_case(case_id)
    related = queries.related_cases(case, user=current_user)
    # registered from a grid work order: read only for such cases (its timeline, loaded already, says so)
    origin = grid_queries.order_of_case(case) if any(e.kind == "from_work_order" for e in case.events) else None
    return viewed(
        case,
        lambda: render_template(
            "mediation/show.html",
            case=case,
            today=local_today(),
            related=related,
            origin=origin,
            checklist=checklist.file_checklist(case),
            missing=checklist.missing_file_items(case),
            private=case.can_see_private(current_user),
            # built only when the page shows them
            archive_form=forms.ConfirmForm,
            rights_form=lambda: forms.RightsNoticeForm(given_on=local_today()),
        ),
    )


@bp.get("/cases/<int:case_id>/status")
@login_required
def status(case_id):
    case = load_case(case_id, Case.can_view_status)
    return render_template("mediation/status.html", case=case)


# --- first decisions -------------------------------------------------------------------------


def mediator_pairs(case):
    return [(u.id, u.name) for u in queries.mediators_for(case.org_unit)]


@bp.route("/cases/<int:case_id>/accept", methods=["GET", "POST"])
@staff_required
def accept(case_id):
    case = load_case(case_id)
    require_change(case, case.can_accept)
    form = forms.AcceptForm()
    form.presiding_mediator_id.choices = choices(mediator_pairs(case))
    if not form.is_submitted():
        form.accepted_on.data = local_today()
        form.presiding_mediator_id.data = current_user.id

    def operation():
        mediator = db.session.get(User, form.presiding_mediator_id.data)
        ops.accept_case(current_user, case, mediator, form.accepted_on.data)

    done = run(form, case, operation, _("Case %(number)s accepted.", number=case.number))
    if done:
        return done
    warnings = []
    if form.presiding_mediator_id.data:
        mediator = db.session.get(User, form.presiding_mediator_id.data)
        if mediator is not None:
            warnings = queries.conflict_warnings(case, mediator)
    return action_page(
        case,
        form,
        _("Accept the case"),
        ["presiding_mediator_id", "accepted_on"],
        _("Accept"),
        note=" ".join(warnings) or None,
    )


@bp.route("/cases/<int:case_id>/decline", methods=["GET", "POST"])
@staff_required
def decline(case_id):
    case = load_case(case_id)
    require_change(case, case.can_decline)
    form = forms.ReasonForm()
    done = run(
        form,
        case,
        lambda: ops.decline_case(current_user, case, form.reason.data),
        _("Case %(number)s declined.", number=case.number),
    )
    return done or action_page(case, form, _("Decline the case"), ["reason"], _("Decline"))


@bp.route("/cases/<int:case_id>/refer", methods=["GET", "POST"])
@staff_required
def refer(case_id):
    case = load_case(case_id)
    require_change(case, case.can_refer)
    form = forms.ReferForm()
    done = run(
        form,
        case,
        lambda: ops.refer_case(current_user, case, form.referred_to.data, form.note.data),
        _("Case %(number)s referred out.", number=case.number),
    )
    return done or action_page(case, form, _("Refer the case out"), ["referred_to", "note"], _("Refer out"))


@bp.route("/cases/<int:case_id>/withdraw", methods=["GET", "POST"])
@staff_required
def withdraw(case_id):
    case = load_case(case_id)
    require_change(case, case.can_withdraw)
    form = forms.ReasonForm()
    done = run(
        form,
        case,
        lambda: ops.withdraw_case(current_user, case, form.reason.data),
        _("Case %(number)s withdrawn.", number=case.number),
    )
    return done or action_page(
        case,
        form,
        _("Record a withdrawal"),
        ["reason"],
        _("Withdraw"),
        note=_("Mediation is voluntary: a party may withdraw at any time."),
    )


# --- mediation -------------------------------------------------------------------------------


@bp.post("/cases/<int:case_id>/rights-notice")
@staff_required
def rights_notice(case_id):
    case = load_case(case_id)
    require_change(case, case.can_give_rights_notice)
    form = forms.RightsNoticeForm()
    done = run(
        form,
        case,
        lambda: ops.give_rights_notice(current_user, case, form.given_on.data),
        _("The rights notice is recorded."),
    )
    return done or action_page(case, form, _("Record the rights notice"), ["given_on"], _("Save"), status=200)


@bp.get("/cases/<int:case_id>/rights-notice/print")
@staff_required
def print_rights_notice(case_id):
    from app.mediation import documents

    case = load_case(case_id)
    return viewed(case, lambda: documents.rights_notice_html(case))


@bp.route("/cases/<int:case_id>/extend", methods=["GET", "POST"])
@staff_required
def extend(case_id):
    case = load_case(case_id)
    require_change(case, case.can_extend)
    form = forms.ExtendForm()
    done = run(
        form,
        case,
        lambda: ops.extend_deadline(current_user, case, form.until.data, form.reason.data, form.both_consent.data),
        _("The deadline is extended."),
    )
    return done or action_page(
        case, form, _("Extend the one-month limit"), ["until", "reason", "both_consent"], _("Extend")
    )


@bp.route("/cases/<int:case_id>/sessions/new", methods=["GET", "POST"])
@staff_required
def new_session(case_id):
    case = load_case(case_id)
    require_change(case, case.can_record_session)
    form = forms.SessionForm()
    if not form.is_submitted():
        form.recorder.data = current_user.name
        form.place.data = case.studio.name
        form.started_at.data = forms.local_now()
    done = run(
        form,
        case,
        lambda: ops.record_session(current_user, case, dict(form.data)),
        _("The session record is saved."),
        once=True,
    )
    if done:
        return done
    return render_template("mediation/session_form.html", case=case, form=form)


@bp.get("/cases/<int:case_id>/sessions/<int:session_id>")
@staff_required
def show_session(case_id, session_id):
    from app.mediation import documents

    case = load_case(case_id)
    session = db.session.get(MediationSession, session_id)
    if session is None or session.case_id != case.id:
        abort(404)
    return viewed(case, lambda: documents.session_html(session))


@bp.route("/cases/<int:case_id>/helpers/new", methods=["GET", "POST"])
@staff_required
def add_helper(case_id):
    case = load_case(case_id)
    require_change(case, case.can_add_helper)
    if not case.can_add_helper(current_user):
        flash(ops.CASE_CLOSED_TO_HELPERS, "error")
        return redirect(case_url(case))
    form = forms.HelperForm()
    form.user_id.choices = choices([(0, "—")] + mediator_pairs(case))

    def operation():
        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        ops.add_helper(current_user, case, form.kind.data, user, form.name.data, form.organisation.data)

    done = run(form, case, operation, _("The person was added to the case."), once=True)
    return done or action_page(
        case, form, _("Add a co-mediator or specialist"), ["kind", "user_id", "name", "organisation"], _("Add")
    )


@bp.route("/cases/<int:case_id>/recusal", methods=["GET", "POST"])
@staff_required
def recusal(case_id):
    case = load_case(case_id)
    require_change(case, case.can_recuse)
    form = forms.RecusalForm()
    on_case = case.mediator_ids()
    pairs = mediator_pairs(case)
    form.mediator_id.choices = choices([pair for pair in pairs if pair[0] in on_case])
    form.replacement_id.choices = choices([pair for pair in pairs if pair[0] not in on_case])

    def operation():
        ops.record_recusal(
            current_user,
            case,
            db.session.get(User, form.mediator_id.data),
            db.session.get(User, form.replacement_id.data),
            form.requested_by.data,
            form.reason.data,
        )

    done = run(form, case, operation, _("The mediator was replaced."))
    return done or action_page(
        case,
        form,
        _("Recusal: replace a mediator"),
        ["mediator_id", "replacement_id", "requested_by", "reason"],
        _("Replace"),
    )


# --- outcomes --------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>/agreement", methods=["GET", "POST"])
@staff_required
def agreement(case_id):
    case = load_case(case_id)
    existing = case.agreement
    require_change(case, case.can_record_agreement if existing is None else case.can_correct_agreement)
    form = forms.AgreementEditForm(obj=existing)
    if not form.is_submitted() and existing is None:
        form.concluded_on.data = local_today()
        form.facts.data = case.summary

    def operation():
        if existing is None:
            return ops.record_agreement(current_user, case, dict(form.data))
        # the version the form was opened on, as sent (WTForms would fill a missing one in from the agreement)
        return ops.update_agreement(current_user, existing, dict(form.data, version=request.form.get("version")))

    if existing is None:
        message = _("The agreement is recorded; a follow-up visit is scheduled.")
    else:
        message = _("The agreement is corrected.")
    done = run(form, case, operation, message, record=existing)
    if done:
        return done

    def page():
        return render_template(
            "mediation/agreement_form.html", case=case, form=form, agreement=existing, oral=AgreementForm.oral
        )

    # the form shows the case's facts and the agreement's terms: opening it is a full view, like the case page
    # (a POST that comes back with errors shows what was sent, and writes nothing)
    return viewed(case, page) if request.method == "GET" else page()


@bp.get("/cases/<int:case_id>/agreement/print")
@staff_required
def print_agreement(case_id):
    from app.mediation import documents

    case = load_written_agreement_case(case_id)
    return viewed(case, lambda: documents.agreement_html(case))


@bp.get("/cases/<int:case_id>/agreement.pdf")
@staff_required
def agreement_pdf(case_id):
    from app.mediation import documents

    case = load_written_agreement_case(case_id)
    pdf = viewed(case, lambda: documents.agreement_pdf(case))
    # a legal document: its name is Chinese, as the document itself (RFC 6266 filename*, ASCII filename)
    filename = documents.download_name(case, "agreement", "pdf")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "no-store, private"},
    )


@bp.route("/cases/<int:case_id>/confirmation", methods=["GET", "POST"])
@staff_required
def confirmation(case_id):
    case = load_case(case_id)
    require_change(case, case.can_confirm_judicially)
    require(case.agreement is not None)
    form = forms.ConfirmationForm()
    agreement_ = case.agreement
    if not form.is_submitted():
        form.version.data = agreement_.version
        if agreement_.confirmation_applied_on:
            form.applied_on.data = agreement_.confirmation_applied_on
            form.court.data = agreement_.confirmation_court
            form.result.data = agreement_.confirmation_result
            form.result_on.data = agreement_.confirmation_result_on
    done = run(
        form,
        case,
        lambda: ops.record_confirmation(
            current_user,
            agreement_,
            {
                "applied_on": form.applied_on.data,
                "court": form.court.data,
                "result": form.result.data,
                "result_on": form.result_on.data,
                "version": request.form.get("version"),
            },
        ),
        _("Judicial confirmation recorded."),
        record=agreement_,
    )
    if done:
        return done
    note = _("Apply by %(date)s (30 days after the agreement).", date=date_filter(agreement_.confirmation_deadline()))
    return action_page(
        case, form, _("Judicial confirmation"), ["applied_on", "court", "result", "result_on"], _("Save"), note=note
    )


@bp.route("/cases/<int:case_id>/end", methods=["GET", "POST"])
@staff_required
def end(case_id):
    case = load_case(case_id)
    require_change(case, case.can_end)
    form = forms.EndForm()
    if not form.is_submitted():
        form.other_routes.data = _(
            "A lawsuit at the people's court; arbitration; a complaint to the competent administrative department."
        )
    done = run(
        form,
        case,
        lambda: ops.end_without_agreement(current_user, case, form.reason.data, form.other_routes.data),
        _("Mediation ended without agreement."),
    )
    return done or action_page(
        case, form, _("End mediation without agreement"), ["reason", "other_routes"], _("End mediation")
    )


@bp.route("/cases/<int:case_id>/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@staff_required
def follow_up(case_id, follow_up_id):
    case = load_case(case_id)
    require_change(case, case.can_record_follow_up)
    visit = db.session.get(FollowUp, follow_up_id)
    if visit is None or visit.case_id != case.id:
        abort(404)
    form = forms.FollowUpForm()
    if not form.is_submitted():
        form.done_on.data = local_today()
    done = run(
        form,
        case,
        lambda: ops.record_follow_up(current_user, visit, dict(form.data)),
        _("The follow-up visit is recorded."),
    )
    return done or render_template("mediation/follow_up_form.html", case=case, form=form, visit=visit)


@bp.route("/cases/<int:case_id>/attachments/new", methods=["GET", "POST"])
@staff_required
def new_attachment(case_id):
    case = load_case(case_id)
    require_change(case, case.can_attach)
    form = forms.AttachmentForm()
    if not form.is_submitted() and request.args.get("kind"):
        form.kind.data = request.args["kind"]
    done = run(
        form,
        case,
        lambda: ops.add_attachment(current_user, case, form.kind.data, form.file.data, form.title.data),
        _("The file is attached."),
        once=True,
    )
    return done or action_page(case, form, _("Attach a file"), ["kind", "title", "file"], _("Upload"))


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@staff_required
def attachment(case_id, attachment_id):
    case = load_case(case_id)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    return viewed(case, lambda: ops.send_attachment(item))


@bp.post("/cases/<int:case_id>/archive")
@staff_required
def archive(case_id):
    case = load_case(case_id)
    require_change(case, case.can_archive)
    form = forms.ConfirmForm()
    # the case page is where the refusal is read: its reason goes into a flash (the form has no fields)
    form_action(
        form,
        lambda: ops.archive_case(current_user, case),
        conflict_page=True,
        success=_("Case %(number)s is archived.", number=case.number),
        next_url=case_url(case),
    )
    return redirect(case_url(case))


@bp.get("/oral-agreements")
@staff_required
def oral_agreements():
    """The oral-agreement register (口头协议登记): every oral agreement with the mediator's note."""
    query = (
        queries.scope_cases(select(Agreement).join(Case), current_user)
        .where(Agreement.form == AgreementForm.oral)
        .options(
            selectinload(Agreement.case).selectinload(Case.parties),
            selectinload(Agreement.case).selectinload(Case.presiding_mediator),
        )
        .order_by(Agreement.concluded_on.desc(), Agreement.id.desc())
    )
    page = paginate(query, current_app.config["CASE_PAGE_SIZE"])
    return render_template("mediation/oral_agreements.html", page=page)


# --- studio settings and figures -------------------------------------------------------------


@bp.route("/studio", methods=["GET", "POST"])
@staff_required
def studio():
    communities = queries.communities_for(current_user)
    community_id = request.values.get("community_id", type=int) or (communities[0].id if communities else None)
    community = next((c for c in communities if c.id == community_id), None)
    if community is None:
        abort(404)
    # a studio not saved yet shows its defaults; it is stored when the settings are saved (a GET writes nothing)
    the_studio = ops.studio_for(community, create=False)
    require(the_studio.can_edit(current_user))
    form = forms.StudioForm(obj=the_studio)
    done = form_action(
        form,
        lambda: ops.update_studio(current_user, community, form.data),
        success=_("Studio settings saved."),
        next_url=url_for(".studio", community_id=community.id),
    )
    if done:
        return done
    return render_template(
        "mediation/studio.html", form=form, studio=the_studio, community=community, communities=communities
    )


@bp.get("/stats")
@staff_required
def stats():
    from app.mediation.stats import compute_figures

    form = forms.StatsForm(request.args)
    form.validate()
    figures = compute_figures(current_user, form.date_from.data, form.date_to.data)
    return render_template("mediation/stats.html", form=form, figures=figures)


@bp.get("/stats.xlsx")
@staff_required
def stats_xlsx():
    from app.mediation.stats import compute_figures, download_name, studio_label, workbook

    form = forms.StatsForm(request.args)
    form.validate()
    figures = compute_figures(current_user, form.date_from.data, form.date_to.data)
    studio = studio_label(current_user)
    filename = download_name(studio, form.date_from.data, form.date_to.data)
    return Response(
        workbook(figures, studio=studio),
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "no-store, private"},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
