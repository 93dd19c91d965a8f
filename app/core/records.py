"""Records that people read later (timeline entries, audit entries) are stored as a message and its parameters,
not as text in the writer's language, and translated when shown: an English reader sees English, a Chinese
reader Chinese.

A writer passes a lazy string, exactly as it would write the message for the screen::

    record_event(case, actor, "declined", _l("Declined: %(reason)s", reason=reason))

:func:`to_record` keeps its message id (the English source) and its parameters in a JSON-safe form; a
parameter that is itself translatable (an enum's title, another lazy string) is kept as its message id, a
date as an ISO date. :func:`render` translates both back in the reader's language. A message id that has left
the catalog still renders, in English; an entry written before records were kept this way has no parameters
(``None``) and shows its stored text as it is.
"""

from datetime import date, datetime

from flask_babel.speaklater import LazyString

from app.core.enums import TitledEnum
from app.core.i18n import gettext
from app.core.types import utcnow


def to_record(message):
    """(message id, parameters) of a lazy string; (text, {}) of anything else (stored and shown as it is)."""
    if isinstance(message, LazyString):
        msgid = message._args[0]
        return msgid, {key: _param(value) for key, value in message._kwargs.items()}
    return str(message), {}


def timeline_entry(model, actor, kind, summary, **fields):
    """A new row of a feature's timeline ``model`` (its columns ``actor_id``, ``kind``, ``summary``, ``params``,
    ``at``, and ``fields``: the record it belongs to, the statuses) for ``summary``, kept as message and
    parameters."""
    message, params = to_record(summary)
    return model(actor_id=getattr(actor, "id", None), kind=kind, summary=message, params=params, at=utcnow(), **fields)


def _param(value):
    if isinstance(value, TitledEnum):
        value = value.title
    if isinstance(value, LazyString):
        msgid, params = to_record(value)
        return {"msg": msgid, "params": params} if params else {"msg": msgid}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def render(message, params):
    """The record's text in the current language. ``params`` None: an older entry, stored as text."""
    if params is None:
        return message or ""
    values = {key: _shown(value) for key, value in params.items()}
    if not message:
        return ""
    try:
        return gettext(message, **values)
    except (KeyError, ValueError, TypeError):
        # the translation's placeholders no longer match what was stored: the English source, filled in if it
        # still can be, else as it is (an entry always reads, never breaks the page that lists it)
        try:
            return message % values
        except (KeyError, ValueError, TypeError):
            return message


def _shown(value):
    if not isinstance(value, dict):
        return value
    if "msg" in value:
        return render(value["msg"], value.get("params") or {})
    if "date" in value:
        from app.core.templating import date_filter

        return date_filter(date.fromisoformat(value["date"]))
    if "datetime" in value:
        from app.core.templating import datetime_filter

        return datetime_filter(datetime.fromisoformat(value["datetime"]), "short")
    return str(value)
