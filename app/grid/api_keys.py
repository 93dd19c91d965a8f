"""API keys of the Open311 API (app.grid.open311), managed by community admins on the grid blueprint:
the list, a new key (shown once, right after it is made: only its digest is kept) and revoking one."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import permissions
from app.core.actions import form_action
from app.core.forms import apply_domain_error, choices
from app.core.i18n import gettext as _
from app.core.models import COMMUNITY_KINDS, OrgUnit
from app.core.operations import DomainError
from app.core.pagination import page_number, paginate
from app.core.permissions import admin_required
from app.core.queries import prefix_match, scope_query
from app.extensions import db
from app.grid import forms
from app.grid import operations as ops
from app.grid.models import ApiKey
from app.grid.views import bp


def can_create_api_key(user, community):
    """An admin whose unit holds ``community`` (a community or village) may give it a key."""
    return (
        community is not None
        and community.kind in COMMUNITY_KINDS
        and permissions.is_admin(user)
        and permissions.unit_in_scope(user, community)
    )


def communities_for(user):
    """The communities an admin may make keys for: those in their unit (theirs, if it is one)."""
    return db.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.kind.in_(COMMUNITY_KINDS), prefix_match(OrgUnit.path, user.org_unit.path))
        .order_by(OrgUnit.path)
    ).all()


@bp.get("/api-keys")
@admin_required
def api_keys():
    query = (
        scope_query(select(ApiKey), ApiKey.org_unit_id)
        .options(selectinload(ApiKey.org_unit), selectinload(ApiKey.created_by))
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    page = paginate(query, 50, page_number())
    return render_template(
        "grid/api_keys.html", page=page, may_create=bool(communities_for(current_user)), confirm_form=forms.ConfirmForm
    )


@bp.route("/api-keys/new", methods=["GET", "POST"])
@admin_required
def new_api_key():
    communities = communities_for(current_user)
    if not communities:
        abort(403)
    form = forms.ApiKeyForm()
    form.org_unit_id.choices = choices([(unit.id, unit.full_name) for unit in communities])
    if form.validate_on_submit():
        community = db.session.get(OrgUnit, form.org_unit_id.data)
        if not can_create_api_key(current_user, community):
            form.org_unit_id.errors = [*form.org_unit_id.errors, _("Choose the community the key posts into.")]
        else:
            try:
                row, key = ops.create_api_key(current_user, community, form.name.data)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                # the key itself is in this answer only (never in a redirect, the session or a log line)
                return render_template("grid/api_keys_created.html", api_key=row, key=key)
    return render_template("grid/api_keys_new.html", form=form)


@bp.post("/api-keys/<int:key_id>/revoke")
@admin_required
def revoke_api_key(key_id):
    api_key = db.session.get(ApiKey, key_id)
    if api_key is None or not api_key.can_revoke(current_user, check_state=False):
        abort(404)
    form_action(
        forms.ConfirmForm(),
        lambda: ops.revoke_api_key(current_user, api_key),
        success=_("API key %(name)s revoked.", name=api_key.name),
        next_url=url_for(".api_keys"),
    )
    return redirect(url_for(".api_keys"))
