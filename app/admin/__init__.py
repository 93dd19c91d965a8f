"""Administration: the organisation tree, buildings, handling units, users and the audit log."""

from app.core.i18n import lazy_gettext as _l
from app.core.registry import Feature, HomeCard, NavItem
from app.core.roles import Role


def _blueprint():
    from app.admin.views import bp

    return bp


feature = Feature(
    name="admin",
    blueprint=_blueprint,
    url_prefix="/admin",
    nav=[NavItem(_l("Administration"), "admin.index", {Role.admin}, order=90)],
    home_cards=[HomeCard("admin/_home_card.html", {Role.admin}, order=90)],
)
