"""The line every list of service events shows, written in Python (as app.grid.templating): as a Jinja macro
an event's line made six template calls (its link, its time, its kind's title, the places left), each looking
the language or the request up again. Registered as a template global by the blueprint (views.py)."""

from markupsafe import Markup, escape

from app.core.i18n import gettext as _
from app.core.templating import cached_url_for, datetime_filter


def event_line(event):
    """A link to the event: its title, when and where, its kind and how many of its places are left."""
    places = _("%(left)s of %(capacity)s places left", left=event.places_left, capacity=event.capacity)
    return Markup(  # noqa: S704 (every value is escaped)
        f'<a href="{escape(cached_url_for("volunteers.event", event_id=event.id))}" class="vol-event-link">\n'
        f"<strong>{escape(event.title)}</strong>\n"
        f'<span class="muted">{escape(datetime_filter(event.starts_at))} · {escape(event.place)}</span>\n'
        f'<span class="muted">{escape(event.kind.title)} · {escape(places)}</span>\n</a>'
    )


def register(bp):
    bp.add_app_template_global(event_line)
