"""Named access rules, used by views (403), templates (show or hide) and list queries alike.

Every blueprint builds on these; nobody writes an access check by hand.
"""

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.core.roles import Role


def is_authenticated(user):
    return user is not None and getattr(user, "is_authenticated", False)


def has_role(user, *roles):
    return is_authenticated(user) and user.has_role(*roles)


def is_admin(user):
    return has_role(user, Role.admin)


def unit_in_scope(user, unit):
    """The unit is the user's own unit or lies under it."""
    return is_authenticated(user) and unit is not None and user.org_unit.contains(unit)


def same_community(user, unit):
    """The unit belongs to the same community (or village) as the user."""
    if not is_authenticated(user) or unit is None:
        return False
    mine = user.community
    return mine is not None and mine.contains(unit)


def same_grid(user, unit):
    return is_authenticated(user) and unit is not None and user.org_unit.kind == "grid" and user.org_unit.contains(unit)


def visible_unit_ids(user):
    """A subquery of the ids of every org unit the user may see (their unit and all under it)."""
    from app.core.models import OrgUnit

    if not is_authenticated(user):
        return select(OrgUnit.id).where(False)
    from app.core.queries import prefix_match

    return select(OrgUnit.id).where(prefix_match(OrgUnit.path, user.org_unit.path))


def scope_query(query, unit_column, user=None):
    """Limit a select() to rows whose ``unit_column`` lies in what ``user`` may see."""
    user = current_user if user is None else user
    return query.where(unit_column.in_(visible_unit_ids(user)))


def require(rule, *args):
    """Abort with 403 unless ``rule(current_user, *args)`` holds."""
    if not rule(current_user, *args):
        abort(403)


def roles_required(*roles):
    """View decorator: the current user must hold one of ``roles`` (login is checked first)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from app.extensions import login_manager

            if not is_authenticated(current_user):
                return login_manager.unauthorized()
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required(Role.admin)
