"""The neighbourhood help group (邻舍帮帮团): volunteers and their service."""

from flask import Blueprint, render_template

from app.core.permissions import roles_required
from app.core.roles import Role

bp = Blueprint("volunteers", __name__)


@bp.get("/")
@roles_required(Role.volunteer, Role.coordinator, Role.admin)
def index():
    return render_template("volunteers/index.html")
