"""Grid work: reports and work orders (网格工单)."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.core.models import OrgUnit, UnitKind
from app.core.permissions import roles_required
from app.core.queries import scope_query
from app.core.roles import Role
from app.extensions import db

bp = Blueprint("grid", __name__)


@bp.get("/")
@roles_required(Role.grid_worker, Role.handler, Role.admin)
def index():
    grids = db.session.scalars(
        scope_query(db.select(OrgUnit).where(OrgUnit.kind == UnitKind.grid), OrgUnit.id)
        .options(selectinload(OrgUnit.buildings), selectinload(OrgUnit.parent))
        .order_by(OrgUnit.path)
    ).all()
    from app.mediation.queries import cases_reported_by

    reported = cases_reported_by(current_user) if current_user.has_role(Role.grid_worker) else []
    return render_template("grid/index.html", grids=grids, user=current_user, reported=reported)
