"""The mediation studio (调解工作室): disputes from intake to a signed agreement and a follow-up visit."""

from app.core.i18n import lazy_gettext as _l
from app.core.registry import Feature, HomeCard, NavItem
from app.core.roles import Role


def _blueprint():
    from app.mediation.views import bp

    return bp


def _home_card(user):
    from app.mediation.queries import home_summary

    return home_summary(user)


def _demo():
    from app.mediation.demo import demo_steps

    return demo_steps()


feature = Feature(
    name="mediation",
    blueprint=_blueprint,
    url_prefix="/mediation",
    nav=[NavItem(_l("Mediation"), "mediation.index", {Role.mediator, Role.admin}, order=20)],
    home_cards=[HomeCard("mediation/_home_card.html", {Role.mediator}, context=_home_card, order=30)],
    demo=_demo,
    audit_targets={"mediation_cases": _l("Mediation case"), "mediation_studios": _l("Mediation studio")},
)
