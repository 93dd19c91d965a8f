"""The status badge and deadline flag every order row and order page shows, written in Python (as
app.mediation.templating). Registered as template globals by the blueprint (views.py)."""

from functools import lru_cache

from flask_babel import get_locale
from markupsafe import Markup, escape

from app.core.i18n import gettext as _


def order_badge(order):
    """<span class="status status-<status>">title</span>"""
    return _badge(order.status, str(get_locale()))


@lru_cache(maxsize=64)
def _badge(status, _locale):
    return Markup(f'<span class="status status-{status.value}">{escape(str(status.title))}</span>')  # noqa: S704


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
