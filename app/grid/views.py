"""Grid work: reports and work orders (网格工单), thin views over app.grid.operations."""

import hashlib
import os
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
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
from app.grid.models import Category, OrderPhoto, OrderSource, OrderStatus, ResponseLevel

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
    # the filters as they came (a name and an id; read, never trusted: a value that matches nothing shows nothing)
    category = (request.args.get("category") or "").strip()[:60]
    grid = request.args.get("grid", 0, type=int) or 0
    filters = {"category": category, "grid": grid}
    page = queries.list_page(
        current_user, order_list.name, page_number(), current_app.config["GRID_PAGE_SIZE"], filters=filters
    )
    return render_template(
        "grid/orders.html",
        order_list=order_list,
        page=page,
        category=category,
        grid_name=queries.grid_name(current_user, grid) if grid else None,
        filtered=bool(category or grid),
        **clock(),
    )


@bp.get("/orders/filter")
@grid_roles
def filter_orders():
    """The filters of a list, on a screen of their own (the list itself reads no choices)."""
    mine = queries.lists_for(current_user)
    order_list = next((item for item in mine if item.name == request.args.get("list")), None)
    if order_list is None:
        abort(404)
    form = forms.ListFilterForm(request.args, meta={"csrf": False})
    names = queries.category_names_in_scope(current_user)
    form.category.choices = choices([("", _("All categories"))] + [(name, name) for name in names])
    grids = queries.grids_in_scope(current_user)
    form.grid.choices = choices([(0, _("All grids"))] + [(g.id, g.name) for g in grids])
    return render_template("grid/filter.html", order_list=order_list, form=form, show_grid=len(grids) > 1)


@bp.get("/find")
@grid_roles
def find():
    """Open an order by its number (a resident calls back with it)."""
    order = queries.find_by_number(current_user, request.args.get("number"))
    if order is None:
        flash(_("No work order with this number that you may see."), "error")
        return redirect(url_for(".index"))
    return redirect(order_url(order))


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
    sender = request.headers.get(SENDER_HEADER) if request.method == "POST" else None
    if done is not None:
        return sent_by_script(done, sender) if sender in SENDERS else done
    page = render_template("grid/report.html", form=form, categories=categories, buildings=buildings)
    # the page's script shows a refusal from the page it gets back; the status tells it nothing was saved
    return (page, 422) if sender in SENDERS else page


# The report page's script (static/js/grid-report.js) sends the form itself, and says so in this header:
# "page" while the worker waits on the page, "queue" for a report kept on the phone and sent later.
SENDER_HEADER = "X-Report-Sender"
SENDERS = ("page", "queue")


def sent_by_script(done, sender):
    """Where the order is, for the script that sent the report (the same order when the key had been used:
    the report was saved before). The page's script goes there and the order page shows the message; a
    report sent from the phone's waiting list takes its message along, since no page of its own shows it."""
    messages = get_flashed_messages() if sender == "queue" else []
    match = ORDER_PATH.search(done.location or "")
    if sender == "queue" and match:
        # said the same way whether this send saved it or an earlier one whose answer was lost on the way back
        number = queries.number_of(int(match.group(1)))
        messages = [_("Reported as work order %(number)s.", number=number)] if number else messages
    return jsonify(url=done.location, messages=messages)


ORDER_PATH = re.compile(r"/grid/orders/(\d+)$")


@bp.get("/sw.js")
def service_worker():
    """The report page's service worker (registered by grid-report.js for the whole site, so that it sees
    logins and logouts): it keeps the report page and its static files so that the page opens offline, and
    forgets them when somebody logs in or out. Nothing personal in it, so no login is asked."""
    assets = [url_for("static", filename=name) for name in OFFLINE_ASSETS]
    body = render_template(
        "grid/sw.js",
        report_url=url_for(".report"),
        assets=assets,
        forget=[url_for("auth.login"), url_for("auth.logout")],
        version=assets_version(),
    )
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


OFFLINE_ASSETS = ("css/linli.css", "js/linli.js", "js/grid-report.js", "img/favicon.svg")


def assets_version():
    """A short digest of the static files the service worker keeps: a new version of any of them is a new
    service worker, which replaces what the phones kept."""
    digest = hashlib.sha256()
    for name in OFFLINE_ASSETS:
        with open(os.path.join(current_app.static_folder, name), "rb") as file:
            digest.update(file.read())
    return digest.hexdigest()[:12]


@bp.route("/calls/new", methods=["GET", "POST"])
@admin_required
def register_call():
    """Staff register a resident's call or visit (来电登记) as an order in the dispatch queue."""
    form = forms.CallForm()
    categories = queries.categories_in_scope(current_user)
    buildings = queries.buildings_for(current_user)
    several = len({c.org_unit_id for c in categories}) > 1
    form.category_id.choices = choices(
        [(0, "—")] + [(c.id, f"{c.name} ({c.org_unit.name})" if several else c.name) for c in categories]
    )
    form.building_id.choices = choices([(0, "—")] + [(b.id, f"{b.grid.name} {b.name}") for b in buildings])

    def operation():
        data = {
            "category": db.session.get(Category, form.category_id.data) if form.category_id.data else None,
            "building": db.session.get(Building, form.building_id.data) if form.building_id.data else None,
            "room": form.room.data,
            "description": form.description.data,
            "level": ResponseLevel.coerce(form.level.data),
            "source": OrderSource.phone_call,
            "caller_name": form.caller_name.data,
            "caller_phone": form.caller_phone.data,
        }
        return ops.report_order(current_user, data)

    done = form_action(
        form,
        operation,
        success=lambda order: _("Registered as work order %(number)s.", number=order.number),
        next_url=order_url,
        once=True,
    )
    return done or render_template("grid/call.html", form=form, categories=categories, buildings=buildings)


# --- the order page --------------------------------------------------------------------------


@bp.get("/orders/<int:order_id>")
@grid_roles
def show(order_id):
    order = load_order(order_id)
    duplicates = queries.possible_duplicates(order) if order.can_merge(current_user) else []
    return render_template(
        "grid/show.html",
        order=order,
        duplicates=duplicates,
        merge_form=forms.MergeForm,
        confirm_form=forms.ConfirmForm,
        caller_phone=order.caller_phone if order.can_see_caller(current_user) else order.masked_caller_phone,
        **clock(),
    )


@bp.get("/orders/<int:order_id>/photos/<int:photo_id>")
@grid_roles
def photo(order_id, photo_id):
    order = load_order(order_id)
    item = db.session.get(OrderPhoto, photo_id)
    # its own photos, and those of the duplicates merged into it
    if item is None or (item.order_id != order.id and item.order_id not in {m.id for m in order.merged_orders}):
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


@bp.route("/orders/<int:order_id>/merge", methods=["GET", "POST"])
@admin_required
def merge(order_id):
    order = load_order(order_id)
    require_change(order, order.can_merge)
    form = forms.MergeForm()
    done = run(
        form,
        order,
        lambda: ops.merge(current_user, order, queries.order_by_number(form.target.data, order.org_unit_id)),
        _("Work order %(number)s merged.", number=order.number),
    )
    suggestions = queries.possible_duplicates(order)
    note = (
        _("Possible duplicates: %(numbers)s", numbers=", ".join(o.number for o in suggestions)) if suggestions else None
    )
    return done or action_page(order, form, _("Merge into another order"), ["target"], _("Merge"), note)


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


# --- figures ---------------------------------------------------------------------------------


@bp.context_processor
def figures_rules():
    from app.grid.figures import can_view_figures

    return {"can_view_figures": can_view_figures}


def figures_request():
    """The figures' form read from the query string, with the current user's choices, and the figures when the
    period is valid (else None: the form shows why). A scope outside the user's choices is 404, as an order
    outside their area is: nobody learns what lies beyond it."""
    from app.core.types import local_today
    from app.grid import figures

    if not figures.can_view_figures(current_user):
        abort(403)
    scope = figures.scope_choices(current_user)
    form = forms.FiguresForm(request.args)
    form.area.choices = choices([(row.id, scope.area_title(row.id)) for row in scope.areas])
    form.unit.choices = choices([(0, _("All units"))] + [(row.id, row.name) for row in scope.units])
    form.category.choices = choices([("", _("All categories"))] + [(name, name) for name in scope.categories])
    valid = form.validate()
    if form.area.errors or form.unit.errors or form.category.errors:
        abort(404)
    if not valid:
        return form, scope, None
    today = local_today()
    date_to = form.date_to.data or max(today, form.date_from.data or today)
    date_from = form.date_from.data or date_to.replace(day=1)
    form.date_from.data, form.date_to.data = date_from, date_to
    result = figures.compute_figures(
        scope, date_from, date_to, area_id=form.area.data, unit_id=form.unit.data or None, category=form.category.data
    )
    return form, scope, result


def figures_args(form):
    """The query arguments of these figures (the period made explicit), for the download link."""
    args = {"date_from": form.date_from.data.isoformat(), "date_to": form.date_to.data.isoformat()}
    for name in ("area", "unit", "category"):
        if getattr(form, name).data:
            args[name] = getattr(form, name).data
    return args


@bp.get("/figures")
@roles_required(Role.admin, Role.handler)
def figures():
    from app.grid.figures import DEFINITIONS, breakdown_columns

    form, scope, result = figures_request()
    return render_template(
        "grid/figures.html",
        form=form,
        scope=scope,
        figures=result,
        definitions=DEFINITIONS,
        columns=breakdown_columns() if result is not None else [],
        download_args=figures_args(form) if result is not None else None,
    ), (200 if result is not None else 400)


@bp.get("/figures.xlsx")
@roles_required(Role.admin, Role.handler)
def figures_xlsx():
    from app.core.storage import content_disposition
    from app.core.types import as_local
    from app.grid.figures import DEFINITIONS, workbook

    form, scope, result = figures_request()
    if result is None:
        return render_template(
            "grid/figures.html", form=form, scope=scope, figures=None, definitions=DEFINITIONS, columns=[]
        ), 400
    filename = f"{_('Grid work figures')}_{result.date_from.isoformat()}_{result.date_to.isoformat()}.xlsx"
    return current_app.response_class(
        workbook(result, as_local(utcnow())),
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "private, no-store"},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
