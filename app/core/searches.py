"""Searches kept out of URLs.

A list searched by a mobile number, an ID number or a name would otherwise carry it in its URL
(``/mediation/?q=13912345678``): into the browser's history, the Referer of the next request and the server's
access log. So a list page whose filters can hold personal data takes them by POST (its filter form has
``method="post"`` and a CSRF token) and answers with a redirect to ``?search=<token>``: the token names the
filters, kept in the user's session (signed, sent back by the browser, never in a URL or a log line) for
``SEARCH_TTL`` seconds; the last ``SEARCHES_KEPT`` searches are kept. A GET whose query string still names one
of the private arguments (an old bookmark, a link) is moved the same way. Other filters (a status, a
category) may still be plain GET arguments, and links to other pages of the list carry ``search`` along.

In a view::

    args, moved = searches.list_args(PRIVATE)
    if moved:
        return moved
    form = FilterForm(args)
"""

import secrets
import time

from flask import flash, redirect, request, session, url_for
from werkzeug.datastructures import MultiDict

from app.core.i18n import gettext as _

SEARCH_TTL = 60 * 60
SEARCHES_KEPT = 5
SESSION_KEY = "searches"
NOT_KEPT = frozenset({"csrf_token", "page", "search"})


def list_args(private=("q",)):
    """(the list's arguments, None), or (None, a redirect) when the request carries a search to move out of
    the URL: a POST of the filter form, or a GET naming one of ``private``."""
    if request.method == "POST":
        return None, _moved(request.form)
    if any(request.args.get(name) for name in private):
        return None, _moved(request.args)
    token = request.args.get("search")
    if not token:
        return request.args, None
    values = recall(token)
    if values is None:
        flash(_("That search is no longer kept; please search again."), "info")
        values = {}
    args = MultiDict(values)
    if "page" in request.args:
        args["page"] = request.args["page"]
    return args, None


def _moved(source):
    values = {name: source.getlist(name) for name in source if name not in NOT_KEPT and any(source.getlist(name))}
    target = {**(request.view_args or {})}
    if values:
        target["search"] = remember(values)
    if source.get("page", "").isdigit():
        target["page"] = source["page"]
    return redirect(url_for(request.endpoint, **target))


def remember(values):
    """Keep ``values`` ({name: [value, ...]}) in the session; the token that names them."""
    now = int(time.time())
    kept = {
        token: entry
        for token, entry in (session.get(SESSION_KEY) or {}).items()
        if isinstance(entry, list) and len(entry) == 2 and now - entry[0] < SEARCH_TTL
    }
    token = secrets.token_urlsafe(9)
    kept[token] = [now, values]
    session[SESSION_KEY] = dict(sorted(kept.items(), key=lambda item: item[1][0])[-SEARCHES_KEPT:])
    return token


def recall(token):
    """The values named by ``token``, or None when it is unknown or older than SEARCH_TTL."""
    entry = (session.get(SESSION_KEY) or {}).get(token)
    if not isinstance(entry, list) or len(entry) != 2 or time.time() - entry[0] >= SEARCH_TTL:
        return None
    return entry[1]
