"""Pagination without COUNT(*): fetch one row more than a page to know whether there is a next one.

Counting a large, filtered table on every request costs more than rendering the page; lists show
"previous / next" instead of a page total.
"""

from flask import request, url_for

from app.extensions import db

# What url_for() takes as its endpoint: never copied from a query string (nor any name starting with "_", which
# url_for() keeps for itself: _method, _external, _anchor, _scheme).
RESERVED_ARGS = frozenset({"endpoint"})


class Page:
    def __init__(self, items, page, per_page, has_next):
        self.items = items
        self.page = page
        self.per_page = per_page
        self.has_next = has_next
        self.has_prev = page > 1
        self.prev_num = page - 1 if self.has_prev else None
        self.next_num = page + 1 if has_next else None
        self.pages = None  # unknown on purpose


def page_number():
    """The ``page`` argument of the request, between 1 and 10,000."""
    page = request.args.get("page", 1, type=int) or 1
    return max(1, min(page, 10_000))


def paginate(query, per_page, page=None):
    page = page_number() if page is None else max(1, min(page, 10_000))
    rows = db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return Page(rows[:per_page], page, per_page, len(rows) > per_page)


def filter_names(form):
    """The names of a filter form's fields (what a list page is filtered by), without its CSRF token."""
    return [field.name for field in form if field.type not in ("CSRFTokenField", "SubmitField")]


def query_args(names):
    """The request's query arguments named in ``names``, every value of each: what a link back to the same
    list (another page of it, its download) carries over. Only the page's own filter names are copied, never
    whatever else the query string holds (``endpoint``, ``_method``, ``_external`` ... would be taken by
    url_for() for itself)."""
    return {
        name: request.args.getlist(name)
        for name in (*names, "search")  # a search kept out of the URL (app.core.searches) goes along
        if name in request.args and name not in RESERVED_ARGS and not name.startswith("_")
    }


def list_url(endpoint, names=(), /, **changes):
    """The URL of ``endpoint`` with the current request's filters ``names`` (see query_args) and ``changes``
    (say ``page=3``) on top."""
    return url_for(endpoint, **{**query_args(names), **changes})


def page_url(endpoint, page_num, names=()):
    """The URL of page ``page_num`` of the list ``endpoint`` shows: the current view arguments and filters
    ``names``."""
    return list_url(endpoint, names, **{**(request.view_args or {}), "page": page_num})
