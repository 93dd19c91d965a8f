"""The status badge and deadline flag every order row and order page shows, written in Python (as
app.mediation.templating). Registered as template globals by the blueprint (views.py)."""

from markupsafe import Markup

from app.core.i18n import gettext as _
from app.core.templating import status_badge_of


def order_badge(order):
    """<span class="status status-<status>">title</span>"""
    return status_badge_of(order.status)


def order_flag(order, now, window):
    """ "overdue" or "due soon" for an order a unit is handling; empty otherwise."""
    if order.is_overdue(now):
        return Markup('<span class="flag flag-overdue">%s</span>') % _("overdue")
    if order.is_due_soon(now, window):
        return Markup('<span class="flag flag-soon">%s</span>') % _("due soon")
    return Markup("")


def register(bp):
    bp.add_app_template_global(order_badge)
    bp.add_app_template_global(order_flag)
