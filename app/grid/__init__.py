"""Grid work (网格工作): problems reported by grid workers and the work orders of handling units."""

from app.core.i18n import lazy_gettext as _l
from app.core.registry import Feature, HomeCard, NavItem
from app.core.roles import Role


def _blueprint():
    from app.grid import api_keys  # noqa: F401  (the API keys' pages, on the grid blueprint)
    from app.grid.views import bp

    return bp


def _open311():
    from app.grid.open311 import bp

    return bp


def _demo():
    from app.grid.demo import demo_steps

    return demo_steps()


feature = Feature(
    name="grid",
    blueprint=_blueprint,
    url_prefix="/grid",
    nav=[NavItem(_l("Grid work"), "grid.index", {Role.grid_worker, Role.handler, Role.admin}, order=30)],
    home_cards=[
        HomeCard("grid/_home_card_grid_worker.html", {Role.grid_worker}, order=10),
        HomeCard("grid/_home_card_handler.html", {Role.handler}, order=20),
    ],
    demo=_demo,
    audit_targets={"grid_orders": _l("Work order"), "grid_categories": _l("Category"), "grid_api_keys": _l("API key")},
    more_blueprints=[_open311],  # Open311 GeoReport v2 at /open311/v2 (app.grid.open311)
)
