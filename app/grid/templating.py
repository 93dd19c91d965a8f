"""The status badge and deadline flag every order row and order page shows, written in Python (as
app.mediation.templating). Registered as template globals by the blueprint (views.py)."""

from markupsafe import Markup, escape

from app.core.i18n import gettext as _
from app.core.i18n import ngettext
from app.core.templating import cached_url_for, datetime_formatter, status_badge_of


def order_badge(order):
    """<span class="status status-<status>">title</span>"""
    return status_badge_of(order.status)


def order_flag(order, now, window):
    """ "overdue" or "due soon" for an order a unit is handling; empty otherwise."""
    state = order.deadline_state(now, window)
    if state == "overdue":
        return Markup('<span class="flag flag-overdue">%s</span>') % _("overdue")
    if state == "soon":
        return Markup('<span class="flag flag-soon">%s</span>') % _("due soon")
    return Markup("")


def order_rows(items, now, window):
    """The ``<ul class="orders">`` of a list of orders: each order's number and category (a link to it), status,
    deadline flag, supervision notices, reopenings, place, unit, deadline (or when it was reported) and why it
    was returned. Written here rather than as a Jinja macro: a row made a dozen template calls, each looking the
    language, the time zone or the request up again; here they are looked up once per list (the overdue
    board's 25 rows: bench/README.md)."""
    when = datetime_formatter("short")
    flags = {
        "overdue": Markup('<span class="flag flag-overdue">%s</span>') % _("overdue"),
        "soon": Markup('<span class="flag flag-soon">%s</span>') % _("due soon"),
    }
    due, returned = _("due %(when)s"), _("Returned: %(reason)s")
    rows = []
    for order in items:
        state = order.deadline_state(now, window)
        extra = ""
        if order.supervision_count:
            notices = ngettext("%(num)d supervision notice", "%(num)d supervision notices", order.supervision_count)
            extra += f' <span class="flag flag-risk">{escape(notices)}</span>'
        if order.reopen_count:
            reopened = ngettext("reopened %(num)d time", "reopened %(num)d times", order.reopen_count)
            extra += f' <span class="tag">{escape(reopened)}</span>'
        place = escape(order.place) + (f" · {escape(order.unit)}" if order.unit else "")
        moment = due % {"when": when(order.due_at)} if order.due_at else when(order.reported_at)
        reason = order.return_reason
        link = escape(cached_url_for("grid.show", order_id=order.id))
        rows.append(
            f'<li class="order-row{f" row-{state}" if state else ""}">'
            f'<a href="{link}"><strong>{escape(order.number)}</strong> {escape(order.category)}</a>'
            f' <span class="order-meta">{order_badge(order)} {flags[state] if state else ""}{extra}</span>'
            f' <span class="muted">{place} · {escape(moment)}</span>'
            + (f' <span class="muted">{escape(returned % {"reason": reason})}</span>' if reason else "")
            + "</li>"
        )
    return Markup(f'<ul class="orders">{"".join(rows)}</ul>')  # noqa: S704 (every value is escaped above)


def register(bp):
    bp.add_app_template_global(order_badge)
    bp.add_app_template_global(order_flag)
    bp.add_app_template_global(order_rows)
