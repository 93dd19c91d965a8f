"""Template globals and filters."""

from flask import request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from app.core import permissions
from app.core.i18n import LANGUAGE_NAMES, current_language, html_lang
from app.core.roles import Role


def unread_notifications():
    if not current_user.is_authenticated:
        return 0
    from sqlalchemy.exc import SQLAlchemyError

    from app.core.operations import unread_count

    try:
        return unread_count(current_user)
    except SQLAlchemyError:  # an error page must render even when the database is down
        return 0


def nav_items():
    """Sections the current user may open, in the order of the header menu."""
    user = current_user
    items = []
    if not user.is_authenticated:
        return items
    items.append(("core.home", url_for("core.home")))
    if user.has_role(Role.mediator, Role.admin):
        items.append(("mediation.index", url_for("mediation.index")))
    if user.has_role(Role.grid_worker, Role.handler, Role.admin):
        items.append(("grid.index", url_for("grid.index")))
    if user.has_role(Role.volunteer, Role.coordinator, Role.admin):
        items.append(("volunteers.index", url_for("volunteers.index")))
    if user.has_role(Role.admin):
        items.append(("admin.index", url_for("admin.index")))
    return items


def register(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(
        permissions=permissions,
        Role=Role,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        get_locale=get_locale,
        current_language=current_language,
        html_lang=html_lang,
        unread_notifications=unread_notifications,
        nav_items=nav_items,
    )
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""

    @app.context_processor
    def current_path():
        return {"current_path": request.full_path.rstrip("?") if request else "/"}
