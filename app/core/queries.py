"""Query helpers shared by every feature: index-friendly prefix matching, and the scope of what a user may
see (every list is limited by scope_query, in one place per model)."""

from flask_login import current_user
from sqlalchemy import select

from app.core.models import OrgUnit
from app.core.permissions import is_authenticated
from app.extensions import db


def prefix_match(column, text):
    """``column`` starts with ``text``, written so that an index on the column is used: a range on SQLite
    (binary collation, where LIKE cannot use a plain index), LIKE elsewhere."""
    if db.engine.dialect.name == "sqlite":
        return (column >= text) & (column < text + "\U0010ffff")
    return column.startswith(text, autoescape=True)


def visible_unit_ids(user):
    """A subquery of the ids of every org unit the user may see (their unit and all under it)."""
    if not is_authenticated(user):
        return select(OrgUnit.id).where(False)
    return select(OrgUnit.id).where(prefix_match(OrgUnit.path, user.org_unit.path))


def scope_query(query, unit_column, user=None):
    """Limit a select() to rows whose ``unit_column`` lies in what ``user`` may see."""
    user = current_user if user is None else user
    return query.where(unit_column.in_(visible_unit_ids(user)))
