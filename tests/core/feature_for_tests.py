"""A feature package as small as can be, plugged in by LINLI_FEATURES in tests/core/test_registry.py: it
shows that a new package needs no change in app/core."""

from flask import Blueprint

from app.core.registry import Feature, HomeCard, NavItem
from app.core.roles import Role

bp = Blueprint("sample", __name__)
DEMO_CALLS = []


@bp.get("/")
def index():
    return "sample"


def _demo():
    return [lambda: DEMO_CALLS.append("loaded")]


feature = Feature(
    name="sample",
    blueprint=lambda: bp,
    url_prefix="/sample",
    nav=[NavItem("Sample section", "sample.index", {Role.volunteer}, order=35)],
    home_cards=[HomeCard("core/_sample_card.html", {Role.volunteer}, context=lambda user: {"who": user.name}, order=1)],
    demo=_demo,
    audit_targets={"sample_rows": "Sample row"},
)
