"""The neighbourhood help group (邻舍帮帮团): volunteers, service events, hours and stars."""

from app.core.i18n import lazy_gettext as _l
from app.core.registry import Feature, HomeCard, NavItem
from app.core.roles import Role


def _blueprint():
    from app.volunteers.views import bp

    return bp


def _demo():
    from app.volunteers.demo import demo_steps

    return demo_steps()


feature = Feature(
    name="volunteers",
    blueprint=_blueprint,
    url_prefix="/volunteers",
    nav=[NavItem(_l("Help group"), "volunteers.index", {Role.volunteer, Role.coordinator, Role.admin}, order=40)],
    home_cards=[
        HomeCard("volunteers/_home_card_coordinator.html", {Role.coordinator}, order=40),
        HomeCard("volunteers/_home_card_volunteer.html", {Role.volunteer}, order=50),
    ],
    demo=_demo,
    audit_targets={
        "volunteers": _l("Volunteer"),
        "service_events": _l("Service event"),
        "service_records": _l("Service record"),
        "volunteer_certificates": _l("Certificate of volunteer service"),
        "care_roster_entries": _l("Care roster entry"),
        "help_requests": _l("Help request"),
    },
)
