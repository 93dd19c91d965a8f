"""Grid work: reports and work orders (网格工单), thin views over app.grid.operations."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core.actions import form_action
from app.core.forms import choices
from app.core.i18n import gettext as _
from app.core.models import Building, HandlingUnit
from app.core.pagination import page_number
from app.core.permissions import admin_required, roles_required
from app.core.roles import Role
from app.core.types import utcnow
from app.extensions import db
from app.grid import forms, queries, templating
from app.grid import operations as ops
from app.grid.models import Category, OrderPhoto, OrderStatus, ResponseLevel

bp = Blueprint("grid", __name__)
templating.register(bp)

grid_roles = roles_required(Role.grid_worker, Role.handler, Role.admin)


# --- helpers ---------------------------------------------------------------------------------


def load_order(order_id):
    """The order with everything its page shows, if the current user may see it; 404 otherwise (no hint that
    it exists)."""
    order = queries.order_with_details(order_id)
    if order is None or not order.can_view(current_user):
        abort(404)
    return order


def require_change(order, rule):
    """The current user may change the order this way: ``rule`` is one of its can_<verb> methods, asked
    without the state (403 for the wrong person; the operation refuses a state with its reason). A closed
    order says so instead of a bare 403."""
    if order.status == OrderStatus.closed and order.can_view(current_user):
        flash(_("This work order is closed and can no longer be changed."), "error")
        abort(redirect(order_url(order)))
    if not rule(current_user, check_state=False):
        abort(403)


def order_url(order):
    return url_for("grid.show", order_id=order.id)


def clock():
    return {"now": utcnow(), "soon": ops.due_soon_window()}


def action_page(order, form, title, fields, submit, note=None):
    return render_template(
        "grid/action.html", order=order, form=form, title=title, fields=fields, submit_label=submit, note=note
    )


def run(form, order, operation, message, once=False):
    return form_action(form, operation, success=message, next_url=order_url(order), record=order, once=once)


def button(order_id, rule, operation, message):
    """A button with nothing typed (sign, start, close): a refusal is read on the order page, as a flash."""
    order_ = load_order(order_id)
    require_change(order_, getattr(order_, rule))
    form_action(
        forms.ConfirmForm(),
        lambda: operation(current_user, order_),
        conflict_page=True,
        success=message(order_),
        next_url=order_url(order_),
    )
    return redirect(order_url(order_))


# --- lists -----------------------------------------------------------------------------------

PREVIEW = 5


@bp.get("/")
@grid_roles
def index():
    lists = [
        (order_list, queries.list_page(current_user, order_list.name, 1, PREVIEW))
        for order_list in queries.lists_for(current_user)
    ]
    from app.mediation.queries import cases_reported_by

    reported = cases_reported_by(current_user) if current_user.has_role(Role.grid_worker) else []
    return render_template("grid/index.html", lists=lists, reported=reported, **clock())


@bp.get("/orders")
@grid_roles
def orders():
    mine = queries.lists_for(current_user)
    wanted = request.args.get("list") or (mine[0].name if mine else "")
    order_list = next((item for item in mine if item.name == wanted), None)
    if order_list is None:
        abort(404)
    page = queries.list_page(current_user, order_list.name, page_number(), current_app.config["GRID_PAGE_SIZE"])
    return render_template("grid/orders.html", order_list=order_list, page=page, **clock())


# --- reporting -------------------------------------------------------------------------------


@bp.route("/report", methods=["GET", "POST"])
@roles_required(Role.grid_worker)
def report():
    form = forms.ReportForm()
    categories = queries.categories_for(current_user.org_unit)
    buildings = queries.buildings_for(current_user)
    form.category_id.choices = choices([(c.id, c.name) for c in categories])
    several_grids = len({b.grid_id for b in buildings}) > 1
    form.building_id.choices = choices(
        [(0, "—")] + [(b.id, f"{b.grid.name} {b.name}" if several_grids else b.name) for b in buildings]
    )

    def operation():
        data = {
            "category": db.session.get(Category, form.category_id.data) if form.category_id.data else None,
            "building": db.session.get(Building, form.building_id.data) if form.building_id.data else None,
            "room": form.room.data,
            "description": form.description.data,
            "level": ResponseLevel.coerce(form.level.data),
            "latitude": form.latitude.data,
            "longitude": form.longitude.data,
        }
        return ops.report_order(current_user, data, request.files.getlist(form.photos.name))

    # a double tap, or a retry on a bad network, reports once (the form's one-time key)
    done = form_action(
        form,
        operation,
        success=lambda order: _("Reported as work order %(number)s.", number=order.number),
        next_url=order_url,
        once=True,
    )
    return done or render_template("grid/report.html", form=form, categories=categories, buildings=buildings)


# --- the order page --------------------------------------------------------------------------


@bp.get("/orders/<int:order_id>")
@grid_roles
def show(order_id):
    order = load_order(order_id)
    return render_template(
        "grid/show.html",
        order=order,
        confirm_form=forms.ConfirmForm,
        caller_phone=order.caller_phone if order.can_see_caller(current_user) else order.masked_caller_phone,
        **clock(),
    )


@bp.get("/orders/<int:order_id>/photos/<int:photo_id>")
@grid_roles
def photo(order_id, photo_id):
    order = load_order(order_id)
    item = db.session.get(OrderPhoto, photo_id)
    if item is None or item.order_id != order.id:
        abort(404)
    return ops.send_photo(item)


# --- the closed loop -------------------------------------------------------------------------


@bp.route("/orders/<int:order_id>/dispatch", methods=["GET", "POST"])
@admin_required
def dispatch(order_id):
    order = load_order(order_id)
    require_change(order, order.can_dispatch)
    form = forms.DispatchForm()
    form.handling_unit_id.choices = choices([(u.id, u.name) for u in queries.units_for(order)])
    if not form.is_submitted():
        form.level.data = str(order.level)
        default = order.category.default_unit_id
        form.handling_unit_id.data = default

    def operation():
        unit = db.session.get(HandlingUnit, form.handling_unit_id.data)
        ops.dispatch(current_user, order, unit, ResponseLevel.coerce(form.level.data))

    done = run(form, order, operation, _("Work order %(number)s dispatched.", number=order.number))
    note = _("Returned before: %(reason)s", reason=order.return_reason) if order.return_reason else None
    return done or action_page(order, form, _("Dispatch"), ["handling_unit_id", "level"], _("Dispatch"), note)


@bp.post("/orders/<int:order_id>/sign")
@roles_required(Role.handler)
def sign(order_id):
    return button(order_id, "can_sign", ops.sign, lambda o: _("Work order %(number)s signed for.", number=o.number))


@bp.route("/orders/<int:order_id>/return", methods=["GET", "POST"])
@roles_required(Role.handler)
def return_order(order_id):
    order = load_order(order_id)
    require_change(order, order.can_return)
    form = forms.ReasonForm()
    done = run(
        form,
        order,
        lambda: ops.return_order(current_user, order, form.reason.data),
        _("Work order %(number)s returned.", number=order.number),
    )
    return done or action_page(order, form, _("Return the order"), ["reason"], _("Return"))


@bp.post("/orders/<int:order_id>/start")
@roles_required(Role.handler)
def start(order_id):
    return button(order_id, "can_start", ops.start, lambda o: _("Handling of %(number)s started.", number=o.number))


@bp.route("/orders/<int:order_id>/reply", methods=["GET", "POST"])
@roles_required(Role.handler)
def reply(order_id):
    order = load_order(order_id)
    require_change(order, order.can_reply)
    form = forms.ResultForm()
    done = run(
        form,
        order,
        lambda: ops.reply(current_user, order, form.result.data, form.photo.data),
        _("The reply to %(number)s is sent.", number=order.number),
        once=True,
    )
    return done or action_page(order, form, _("Reply with the result"), ["result", "photo"], _("Send the reply"))


@bp.route("/orders/<int:order_id>/verify", methods=["GET", "POST"])
@admin_required
def verify(order_id):
    order = load_order(order_id)
    require_change(order, order.can_verify)
    form = forms.VerifyForm()
    done = run(
        form,
        order,
        lambda: ops.verify(current_user, order, form.satisfaction.data, form.method.data, form.note.data),
        _("The verification of %(number)s is recorded.", number=order.number),
    )
    return done or action_page(
        order,
        form,
        _("Verify with the resident"),
        ["satisfaction", "method", "note"],
        _("Save"),
        note=_("Unsatisfied reopens the order for the same unit."),
    )


@bp.post("/orders/<int:order_id>/close")
@admin_required
def close(order_id):
    return button(order_id, "can_close", ops.close, lambda o: _("Work order %(number)s closed.", number=o.number))


@bp.route("/orders/<int:order_id>/settle", methods=["GET", "POST"])
@roles_required(Role.grid_worker)
def settle(order_id):
    order = load_order(order_id)
    require_change(order, order.can_settle)
    form = forms.ResultForm()
    done = run(
        form,
        order,
        lambda: ops.settle_on_spot(current_user, order, form.result.data, form.photo.data),
        _("Work order %(number)s settled on the spot.", number=order.number),
        once=True,
    )
    return done or action_page(order, form, _("Settled on the spot"), ["result", "photo"], _("Close as settled"))


@bp.route("/orders/<int:order_id>/supervise", methods=["GET", "POST"])
@admin_required
def supervise(order_id):
    order = load_order(order_id)
    require_change(order, order.can_supervise)
    form = forms.NoteForm()
    done = run(
        form,
        order,
        lambda: ops.supervise(current_user, order, form.note.data),
        _("A supervision notice on %(number)s is sent.", number=order.number),
        once=True,
    )
    return done or action_page(order, form, _("Supervision notice"), ["note"], _("Send the notice"))


# --- categories ------------------------------------------------------------------------------


def category_form(category=None):
    form = forms.CategoryForm(obj=category)
    if category is not None and not form.is_submitted():
        form.default_unit_id.data = category.default_unit_id or 0
    form.default_unit_id.choices = choices(
        [(0, "—")] + [(u.id, u.name) for u in queries.category_units_for(current_user)]
    )
    return form


def category_data(form):
    data = dict(form.data)
    data["default_unit"] = (
        db.session.get(HandlingUnit, form.default_unit_id.data) if form.default_unit_id.data else None
    )
    return data


@bp.get("/categories")
@admin_required
def categories():
    page = queries.categories_page(current_user, page_number(), current_app.config["GRID_PAGE_SIZE"])
    return render_template("grid/categories.html", page=page)


@bp.route("/categories/new", methods=["GET", "POST"])
@admin_required
def new_category():
    form = category_form()
    done = form_action(
        form,
        lambda: ops.save_category(current_user, current_user.org_unit, category_data(form)),
        success=_("Category saved."),
        next_url=url_for(".categories"),
        once=True,
    )
    return done or render_template("grid/category_form.html", form=form, category=None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def edit_category(category_id):
    category = db.session.get(Category, category_id)
    if category is None or not category.can_edit(current_user):
        abort(404)
    form = category_form(category)
    done = form_action(
        form,
        lambda: ops.save_category(current_user, None, category_data(form), category),
        success=_("Category saved."),
        next_url=url_for(".categories"),
    )
    return done or render_template("grid/category_form.html", form=form, category=category)
