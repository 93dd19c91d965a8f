"""Administration: the organisation tree, buildings, handling units, users, the audit log."""

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.admin.forms import (
    AuditFilterForm,
    BuildingForm,
    HandlingUnitForm,
    NewUserForm,
    ResetPasswordForm,
    UnitForm,
    UserForm,
)
from app.core import operations, queries, registry, searches
from app.core.actions import form_action
from app.core.forms import choices
from app.core.i18n import gettext as _
from app.core.models import AuditEntry, Building, HandlingUnit, OrgUnit, UnitKind, User
from app.core.pagination import paginate
from app.core.permissions import admin_required
from app.core.queries import scope_query
from app.extensions import db

bp = Blueprint("admin", __name__)


@bp.before_request
@admin_required
def require_admin():
    """Every page here is for administrators."""


def scoped_unit_or_404(unit_id):
    unit = db.get_or_404(OrgUnit, unit_id)
    if not unit.can_edit(current_user):
        abort(404)
    return unit


def visible_units():
    query = scope_query(select(OrgUnit), OrgUnit.id).order_by(OrgUnit.path)
    return db.session.scalars(query).all()


def unit_choices(kinds=None):
    units = visible_units()
    return choices(
        (u.id, "\u3000" * (u.depth - current_user.org_unit.depth) + u.name)
        for u in units
        if kinds is None or u.kind in kinds
    )


@bp.get("/")
def index():
    return render_template("admin/index.html")


# --- organisation tree -----------------------------------------------------------------------


@bp.get("/units")
def units():
    units = visible_units()
    counts = dict(
        db.session.execute(
            select(Building.grid_id, db.func.count(Building.id))
            .where(Building.grid_id.in_(queries.visible_unit_ids(current_user)))
            .group_by(Building.grid_id)
        ).all()
    )
    return render_template(
        "admin/units.html", units=units, building_counts=counts, base_depth=current_user.org_unit.depth
    )


@bp.route("/units/<int:parent_id>/new", methods=["GET", "POST"])
def new_unit(parent_id):
    parent = scoped_unit_or_404(parent_id)
    kinds = operations.allowed_child_kinds(parent)
    if not kinds:
        abort(404)
    form = UnitForm()
    form.kind.choices = choices(UnitKind.choices(kinds))
    done = form_action(
        form,
        lambda: operations.create_unit(current_user, parent, form.kind.data, form.name.data, form.code.data),
        success=lambda added: _("%(name)s has been added.", name=added.name),
        next_url=url_for(".units"),
        once=True,
    )
    return done or render_template("admin/unit_form.html", form=form, parent=parent, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id):
    unit = scoped_unit_or_404(unit_id)
    form = UnitForm(obj=unit)
    form.kind.choices = choices(UnitKind.choices([unit.kind]))
    form.kind.data = unit.kind
    done = form_action(
        form,
        lambda: operations.update_unit(current_user, unit, form.name.data, form.code.data),
        success=lambda saved: _("%(name)s has been saved.", name=saved.name),
        next_url=url_for(".units"),
    )
    return done or render_template("admin/unit_form.html", form=form, parent=unit.parent, unit=unit)


@bp.get("/grids/<int:grid_id>/buildings")
def buildings(grid_id):
    grid = scoped_unit_or_404(grid_id)
    if grid.kind != UnitKind.grid:
        abort(404)
    return render_template("admin/buildings.html", grid=grid)


@bp.route("/grids/<int:grid_id>/buildings/new", methods=["GET", "POST"])
@bp.route("/buildings/<int:building_id>/edit", methods=["GET", "POST"], endpoint="edit_building")
def new_building(grid_id=None, building_id=None):
    building = None
    if building_id is not None:
        building = db.get_or_404(Building, building_id)
        grid = scoped_unit_or_404(building.grid_id)
    else:
        grid = scoped_unit_or_404(grid_id)
    if grid.kind != UnitKind.grid:
        abort(404)
    form = BuildingForm(obj=building)
    done = form_action(
        form,
        lambda: operations.save_building(current_user, grid, form.data, building),
        success=lambda saved: _("Building %(name)s has been saved.", name=saved.name),
        next_url=url_for(".buildings", grid_id=grid.id),
        once=building is None,
    )
    return done or render_template("admin/building_form.html", form=form, grid=grid, building=building)


# --- handling units --------------------------------------------------------------------------


@bp.get("/handling-units")
def handling_units():
    query = scope_query(select(HandlingUnit), HandlingUnit.org_unit_id).order_by(HandlingUnit.name)
    return render_template("admin/handling_units.html", units=db.session.scalars(query).all())


@bp.route("/handling-units/new", methods=["GET", "POST"])
@bp.route("/handling-units/<int:handling_unit_id>/edit", methods=["GET", "POST"], endpoint="edit_handling_unit")
def new_handling_unit(handling_unit_id=None):
    unit = None
    if handling_unit_id is not None:
        unit = db.get_or_404(HandlingUnit, handling_unit_id)
        if not unit.can_edit(current_user):
            abort(404)
    form = HandlingUnitForm(obj=unit)
    form.org_unit_id.choices = unit_choices()

    def save():
        data = dict(form.data, org_unit=scoped_unit_or_404(form.org_unit_id.data))
        return operations.save_handling_unit(current_user, data, unit)

    done = form_action(
        form,
        save,
        success=lambda saved: _("%(name)s has been saved.", name=saved.name),
        next_url=url_for(".handling_units"),
        once=unit is None,
    )
    return done or render_template("admin/handling_unit_form.html", form=form, unit=unit)


# --- users -----------------------------------------------------------------------------------


@bp.route("/users", methods=["GET", "POST"])
def users():
    args, moved = searches.list_args(("q",))  # a mobile number stays out of the URL
    if moved:
        return moved
    q = (args.get("q") or "").strip()[:60]
    query = (
        scope_query(select(User), User.org_unit_id)
        .options(selectinload(User.org_unit), selectinload(User.role_rows))
        .order_by(User.active.desc(), User.name)
    )
    if q:
        # what was typed, literally: a "%" or "_" is no wildcard
        query = query.where(or_(User.name.contains(q, autoescape=True), User.phone.contains(q, autoescape=True)))
    page = paginate(query, current_app.config["PAGE_SIZE"])
    return render_template("admin/users.html", page=page, q=q)


def prepare_user_form(form):
    form.org_unit_id.choices = unit_choices()
    hu_query = scope_query(select(HandlingUnit), HandlingUnit.org_unit_id).order_by(HandlingUnit.name)
    form.handling_unit_id.choices = choices([(0, _("(none)"))] + [(u.id, u.name) for u in db.session.scalars(hu_query)])
    building_query = (
        select(Building)
        .where(Building.grid_id.in_(queries.visible_unit_ids(current_user)))
        .options(selectinload(Building.grid))
        .order_by(Building.grid_id, Building.id)
    )
    form.home_building_id.choices = choices(
        [(0, _("(none)"))] + [(b.id, f"{b.grid.name} {b.name}") for b in db.session.scalars(building_query)]
    )


def fill_user_form(form, user):
    """Show the user's roles and relations in the edit form (the fields whose names differ from the model's)."""
    form.roles.data = sorted(str(r) for r in user.roles)
    form.handling_unit_id.data = user.handling_unit_id or 0
    form.home_building_id.data = user.home_building_id or 0


def resolve_user_form(form):
    """The units and building the form names, each one within the admin's scope (404 otherwise)."""
    home_building = None
    if form.home_building_id.data:
        home_building = db.get_or_404(Building, form.home_building_id.data)
        scoped_unit_or_404(home_building.grid_id)
    org_unit = scoped_unit_or_404(form.org_unit_id.data)
    handling_unit = None
    if form.handling_unit_id.data:
        handling_unit = db.get_or_404(HandlingUnit, form.handling_unit_id.data)
        if not handling_unit.can_edit(current_user):
            abort(404)
    return {"org_unit": org_unit, "handling_unit": handling_unit, "home_building": home_building}


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    prepare_user_form(form)
    done = form_action(
        form,
        lambda: operations.create_user(
            current_user,
            form.phone.data,
            form.name.data,
            form.password.data,
            form.roles.data,
            active=form.active.data,
            **resolve_user_form(form),
        ),
        success=lambda user: _("%(name)s can now log in with %(phone)s.", name=user.name, phone=user.phone),
        next_url=url_for(".users"),
        once=True,
    )
    return done or render_template("admin/user_form.html", form=form, user=None)


def scoped_user_or_404(user_id):
    user = db.get_or_404(User, user_id)
    if not user.can_edit(current_user):
        abort(404)
    return user


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id):
    user = scoped_user_or_404(user_id)
    form = UserForm(obj=user)
    prepare_user_form(form)
    if request.method == "GET":
        fill_user_form(form, user)
    done = form_action(
        form,
        lambda: operations.update_user(
            current_user, user, form.name.data, form.roles.data, active=form.active.data, **resolve_user_form(form)
        ),
        success=lambda saved: _("%(name)s has been saved.", name=saved.name),
        next_url=url_for(".users"),
    )
    return done or render_template("admin/user_form.html", form=form, user=user, reset_form=ResetPasswordForm())


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id):
    user = scoped_user_or_404(user_id)
    form = ResetPasswordForm()
    done = form_action(
        form,
        lambda: operations.reset_password(current_user, user, form.new_password.data),
        success=_("The password of %(name)s has been reset; their other sessions have ended.", name=user.name),
        next_url=url_for(".edit_user", user_id=user.id),
    )
    if done:
        return done
    user_form = UserForm(obj=user)
    prepare_user_form(user_form)
    fill_user_form(user_form, user)
    return render_template("admin/user_form.html", form=user_form, user=user, reset_form=form)


# --- audit log -------------------------------------------------------------------------------


def day_start(day, tz, days_later=0):
    """The moment ``day`` (plus ``days_later``) begins in ``tz``, in UTC; None at the ends of the calendar,
    where no stored moment lies beyond it (a bound there excludes nothing)."""
    try:
        return datetime.combine(day + timedelta(days=days_later), time.min, tz).astimezone(UTC)
    except OverflowError:
        return None


@bp.route("/audit", methods=["GET", "POST"])
def audit():
    args, moved = searches.list_args(("actor",))  # an actor's mobile number stays out of the URL
    if moved:
        return moved
    form = AuditFilterForm(args)
    # what entries can be about (their target_type is the target's table), named as features registered them
    targets = registry.audit_targets()
    form.target_type.choices = choices([("", _("(all)"))] + sorted(targets.items(), key=lambda item: str(item[1])))
    query = (
        select(AuditEntry)
        .outerjoin(AuditEntry.actor)
        .options(contains_eager(AuditEntry.actor))
        .where(queries.audit_scope(current_user))
        .order_by(AuditEntry.id.desc())
    )
    if form.validate():
        if form.action.data:
            query = query.where(AuditEntry.action.startswith(form.action.data, autoescape=True))
        if form.actor.data:
            query = query.where(
                or_(
                    User.name.contains(form.actor.data, autoescape=True),
                    User.phone.contains(form.actor.data, autoescape=True),
                )
            )
        if form.target_type.data:
            query = query.where(AuditEntry.target_type == form.target_type.data)
        tz = china_tz()
        start = day_start(form.date_from.data, tz) if form.date_from.data else None
        if start is not None:
            query = query.where(AuditEntry.created_at >= start)
        end = day_start(form.date_to.data, tz, days_later=1) if form.date_to.data else None
        if end is not None:
            query = query.where(AuditEntry.created_at < end)
    page = paginate(query, current_app.config["PAGE_SIZE"])
    return render_template("admin/audit.html", form=form, page=page, targets=targets)


def china_tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
