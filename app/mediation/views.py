"""The mediation studio (调解工作室)."""

from flask import Blueprint, render_template

from app.core.permissions import roles_required
from app.core.roles import Role

bp = Blueprint("mediation", __name__)


@bp.get("/")
@roles_required(Role.mediator, Role.admin)
def index():
    return render_template("mediation/index.html")
