"""Named access rules about people, used by views (403), templates (show or hide) and models' can_<verb>()
alike. Every blueprint builds on these; nobody writes an access check by hand. This module imports no model:
models import it (their can_<verb>() methods are built from these rules); the list queries that scope rows to
what a user may see are in app.core.queries."""

from functools import wraps

from flask import abort
from flask_login import current_user

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


def works_in(user, unit):
    """The unit is in the user's scope, or, for a mediator attached to a grid, in the grid's community: a
    mediator registered on a grid belongs to the studio of that grid's community (its cases and settings)."""
    if unit_in_scope(user, unit):
        return True
    return has_role(user, Role.mediator) and user.org_unit.kind == "grid" and same_community(user, unit)


def same_grid(user, unit):
    return is_authenticated(user) and unit is not None and user.org_unit.kind == "grid" and user.org_unit.contains(unit)


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
