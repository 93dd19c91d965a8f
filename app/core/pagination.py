"""Pagination without COUNT(*): fetch one row more than a page to know whether there is a next one.

Counting a large, filtered table on every request costs more than rendering the page; lists show
"previous / next" instead of a page total.
"""

from flask import request

from app.extensions import db


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
