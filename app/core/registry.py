"""Where features plug in. Core imports no feature: each feature package (app.mediation, app.grid,
app.volunteers, app.admin) describes itself with a :class:`Feature` in its ``__init__.py``, and create_app
registers the packages named by the ``LINLI_FEATURES`` setting. Core then asks the registry for the header
menu, the home-page cards, the demo data and the names of what audit entries are about.

    # app/grid/__init__.py
    feature = Feature(
        name="grid", blueprint=lambda: bp, url_prefix="/grid",
        nav=[NavItem(_l("Grid work"), "grid.index", {Role.grid_worker, Role.handler, Role.admin}, order=30)],
        home_cards=[HomeCard("grid/_home_card.html", {Role.grid_worker})],
        demo=demo_steps, audit_targets={"grid_orders": _l("Work order")},
    )

See docs/architecture.md for the whole recipe.
"""

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app, url_for

from app.core.i18n import lazy_gettext as _l

EXTENSION_KEY = "linli.features"


@dataclass(frozen=True)
class NavItem:
    """An entry of the header menu, shown to users holding one of ``roles``."""

    label: object  # a lazy string
    endpoint: str
    roles: frozenset
    order: int = 50

    def __init__(self, label, endpoint, roles, order=50):
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "endpoint", endpoint)
        object.__setattr__(self, "roles", frozenset(roles))
        object.__setattr__(self, "order", order)


@dataclass(frozen=True)
class HomeCard:
    """A card of the home page: ``template`` is included for users holding one of ``roles``, with ``card``
    set to what ``context(user)`` returns (a dict; None when the card has nothing to add)."""

    template: str
    roles: frozenset
    context: Callable | None = None
    order: int = 50

    def __init__(self, template, roles, context=None, order=50):
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "roles", frozenset(roles))
        object.__setattr__(self, "context", context)
        object.__setattr__(self, "order", order)


@dataclass
class Feature:
    """What a feature package brings to the platform."""

    name: str
    blueprint: Callable  # returns the Blueprint (called when the app is built, so importing stays cheap)
    url_prefix: str | None = None
    nav: Iterable[NavItem] = ()
    home_cards: Iterable[HomeCard] = ()
    demo: Callable | None = None  # returns a list of steps (callables) loading the feature's demo data
    audit_targets: dict = field(default_factory=dict)  # table name -> lazy title of what is in it
    # more blueprints outside ``url_prefix`` (e.g. a public API at its standard path): callables returning
    # Blueprints that carry their own url_prefix
    more_blueprints: Iterable[Callable] = ()


def register_features(app):
    """Import the packages named by ``LINLI_FEATURES``, register their blueprints and keep their features."""
    features = []
    for module_name in app.config["LINLI_FEATURES"]:
        feature = importlib.import_module(module_name).feature
        app.register_blueprint(feature.blueprint(), url_prefix=feature.url_prefix)
        for blueprint in feature.more_blueprints:
            app.register_blueprint(blueprint())
        features.append(feature)
    app.extensions[EXTENSION_KEY] = features


def features(app=None):
    return (app or current_app).extensions.get(EXTENSION_KEY, [])


def _holds(user, roles):
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*roles))


def nav_items(user):
    """(label, endpoint, url) of the menu entries ``user`` may open, in menu order."""
    items = sorted(
        (item for feature in features() for item in feature.nav if _holds(user, item.roles)),
        key=lambda item: item.order,
    )
    return [(item.label, item.endpoint, url_for(item.endpoint)) for item in items]


def home_cards(user):
    """(template, context) of the home-page cards for ``user``, in page order."""
    cards = sorted(
        (card for feature in features() for card in feature.home_cards if _holds(user, card.roles)),
        key=lambda card: card.order,
    )
    return [(card.template, card.context(user) if card.context else None) for card in cards]


def demo_steps(app=None):
    return [step for feature in features(app) if feature.demo for step in feature.demo()]


# what the shared tables hold, for the audit log; features add theirs
CORE_AUDIT_TARGETS = {
    "org_units": _l("Organisation unit"),
    "buildings": _l("Building"),
    "handling_units": _l("Handling unit"),
    "users": _l("User"),
}


def audit_targets(app=None):
    """{table name: lazy title} of everything audit entries can be about."""
    targets = dict(CORE_AUDIT_TARGETS)
    for feature in features(app):
        targets.update(feature.audit_targets)
    return targets
