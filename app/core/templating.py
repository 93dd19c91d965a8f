"""Template globals and filters."""

from datetime import UTC, datetime
from functools import lru_cache

from babel import dates as babel_dates
from flask import current_app, request, url_for
from flask_babel import format_date, get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup, escape

from app.core import permissions, registry
from app.core.forms import choice_inputs
from app.core.i18n import LANGUAGE_NAMES, current_language, html_lang
from app.core.i18n import lazy_gettext as _l
from app.core.pagination import filter_names, list_url, page_url
from app.core.roles import Role


def unread_notifications():
    if not current_user.is_authenticated:
        return 0
    from sqlalchemy.exc import SQLAlchemyError

    from app.core.operations import unread_count

    if current_user.unread_count is not None:  # counted when the user was loaded
        return current_user.unread_count
    try:
        return unread_count(current_user)
    except SQLAlchemyError:  # an error page must render even when the database is down
        return 0


def nav_items():
    """(label, endpoint, url) of the sections the current user may open, in the order of the header menu:
    home first, then what the features registered (app.core.registry)."""
    if not current_user.is_authenticated:
        return []
    return [(_l("Home"), "core.home", url_for("core.home")), *registry.nav_items(current_user)]


# Templates build ~45 links a page (a case list's rows, a case page's actions); werkzeug builds each by
# matching the endpoint's rules again. A link depends only on the application (its URL map), its root
# (SCRIPT_NAME), the endpoint and the arguments, so templates' url_for keeps the links it built, per
# application and process (emptied when it holds URL_CACHE_SIZE of them). Relative endpoints (".name"), links
# with _external, _anchor and the like, and arguments that cannot be a dict key go to Flask's url_for as
# they are. On the case list this took ~0.3 ms off.
URL_CACHE_SIZE = 10_000


def cached_url_for(endpoint, **values):
    if endpoint[:1] == "." or any(key[:1] == "_" for key in values):
        return url_for(endpoint, **values)
    urls = current_app.extensions["linli_urls"]
    key = (request.script_root, endpoint, *values.items())
    try:
        return urls[key]
    except KeyError:
        pass
    except TypeError:  # a list argument, say: not hashable
        return url_for(endpoint, **values)
    if len(urls) >= URL_CACHE_SIZE:
        urls.clear()
    url = urls[key] = url_for(endpoint, **values)
    return url


def status_badge_of(status):
    """``<span class="status status-<value>">title</span>`` of a titled status (a case's, an order's), kept per
    status and language: lists show one on every row."""
    return _status_badge(status, str(get_locale()))


@lru_cache(maxsize=256)
def _status_badge(status, _locale):
    # a status's value is a plain identifier, its title is escaped
    return Markup(f'<span class="status status-{status.value}">{escape(str(status.title))}</span>')  # noqa: S704


def fields_in_error(form):
    """Every field of ``form`` marked with an error, those inside subforms and lists of rows (a case's parties)
    each counted, not their list as one; hidden fields and the CSRF token left out (nobody can correct them)."""
    found = []
    for field in form:
        if field.type == "FormField":
            found += fields_in_error(field.form)
        elif field.type == "FieldList":
            for entry in field.entries:
                found += fields_in_error(entry.form) if entry.type == "FormField" else ([entry] if entry.errors else [])
        elif field.errors and field.type not in ("CSRFTokenField", "HiddenField"):
            found.append(field)
    return found


def select_options(field):
    """The <option> elements of a SelectField, written in one pass: long lists (the mediators and grids
    of a street or county) render many times faster than through a template loop or WTForms' widget."""
    return option_tags((value, label, selected) for value, label, selected, _render_kw in field.iter_choices())


def option_tags(options):
    """``<option>`` elements of (value, label) or (value, label, selected) tuples, in one pass (a select written
    out in a template: the sign-up's communities)."""
    parts = []
    for value, label, *selected in options:
        parts.append(
            f'<option value="{escape(value)}"{" selected" if selected and selected[0] else ""}>{escape(label)}</option>'
        )
    return Markup("".join(parts))  # noqa: S704 (every value and label is escaped above)


# The form macro ``field`` (templates/macros/forms.html) writes every field through this: as Jinja it took
# 0.2-0.35 ms a field (a dozen sets, tests and attribute lookups each through the template runtime), as much
# as the rest of a short form's page (the sign-up's first step: bench/README.md).
_CHOICE_GROUPS = ("MultiCheckboxField", "RadioField")
_REQUIRED_MARK = Markup(' <span class="req" aria-hidden="true">*</span>')


def render_field(field, class_="", hint=None):
    """A form field with its visible label tied to it, its help text (``hint`` or the field's description)
    and its errors, both announced (aria-describedby), aria-invalid when in error, required when required:
    ``<div class="field ...">``. Choices (radios, checkboxes) are a fieldset with a legend, a select writes its
    options in one pass (select_options)."""
    errors, described = field.errors, field.description or hint
    required = field.flags.required
    describedby = " ".join(([f"{field.id}-help"] if described else []) + ([f"{field.id}-error"] if errors else []))
    attrs = {}
    if describedby:
        attrs["aria-describedby"] = describedby
    if errors:
        attrs["aria-invalid"] = "true"
    if required:
        attrs["required"] = True
    label = escape(field.label.text)
    mark = _REQUIRED_MARK if required else ""
    kind = field.type
    if kind == "BooleanField":
        body = f'<label class="check" for="{escape(field.id)}">{field(**attrs)} {label}</label>'
    elif kind in _CHOICE_GROUPS:
        options = "\n".join(
            f'<label class="check" for="{escape(option_id)}">{html} {escape(text)}</label>'
            for option_id, html, text in choice_inputs(field)
        )
        described_by = f' aria-describedby="{escape(describedby)}"' if describedby else ""
        body = (
            f"<fieldset{described_by}>\n<legend>{label}{mark}</legend>\n"
            f'<div class="choices">\n{options}\n</div>\n</fieldset>'
        )
    elif kind == "SelectField":
        written = "".join(f" {key}" if value is True else f' {key}="{escape(value)}"' for key, value in attrs.items())
        body = (
            f'<label for="{escape(field.id)}">{label}{mark}</label>\n'
            f'<select id="{escape(field.id)}" name="{escape(field.name)}"{written}>{select_options(field)}</select>'
        )
    else:
        body = f'<label for="{escape(field.id)}">{label}{mark}</label>\n{field(**attrs)}'
    field_id = escape(field.id)
    help_ = f'\n<p class="help" id="{field_id}-help">{escape(hint or field.description)}</p>' if described else ""
    in_error = "has-error" if errors else ""
    error = _error_paragraph(field)
    return Markup(  # noqa: S704 (every value is escaped above; the widgets escape their own)
        f'<div class="field {escape(class_)} {in_error} field-{kind.lower()}">\n{body}{help_}{error}\n</div>'
    )


def _error_paragraph(field):
    """The field's errors, announced by their id (``<id>-error``, which aria-describedby names); empty without."""
    if not field.errors:
        return ""
    return f'\n<p class="error" id="{escape(field.id)}-error">{" ".join(map(escape, field.errors))}</p>'


def render_big_choices(field):
    """Radios or checkboxes as big buttons, each the whole width of a phone (the help group's sign-up): a
    fieldset with its legend, help text and errors (announced)."""
    errors = field.errors
    options = "\n".join(
        f'<label class="big-choice" for="{escape(option_id)}">{html} <span>{escape(text)}</span></label>'
        for option_id, html, text in choice_inputs(field)
    )
    in_error = f' has-error" aria-describedby="{escape(field.id)}-error' if errors else ""
    help_ = f'\n<p class="help">{escape(field.description)}</p>' if field.description else ""
    return Markup(  # noqa: S704 (every value is escaped above; the widgets escape their own)
        f'<fieldset class="field big-choices{in_error}">\n'
        f"<legend>{escape(field.label.text)}{_REQUIRED_MARK if field.flags.required else ''}</legend>\n"
        f'<div class="choices">\n{options}\n</div>{help_}{_error_paragraph(field)}\n</fieldset>'
    )


# Formatting a date with Babel costs tens of microseconds and lists show the same dates again and again:
# both filters remember what they wrote, per value, format, language (and time zone).
@lru_cache(maxsize=4096)
def _format_date(value, fmt, locale):
    return babel_dates.format_date(value, fmt, locale=locale)


@lru_cache(maxsize=4096)
def _format_datetime(value, fmt, locale, timezone):
    return babel_dates.format_datetime(value, fmt, tzinfo=timezone, locale=locale)


def date_filter(value, fmt="medium"):
    """A calendar date in the current language."""
    if not value:
        return ""
    if isinstance(value, datetime):
        return format_date(value, fmt)
    return _format_date(value, fmt, get_locale())


def datetime_filter(value, fmt="medium"):
    """A moment in the current language and time zone (naive values are UTC, as Flask-Babel takes them)."""
    return _moment(value, fmt, get_locale(), get_timezone()) if value else ""


def datetime_formatter(fmt="medium"):
    """``datetime_filter`` with ``fmt``, the language and the time zone looked up once: for a list that writes a
    moment on every row."""
    locale, timezone = get_locale(), get_timezone()
    return lambda value: _moment(value, fmt, locale, timezone) if value else ""


def _moment(value, fmt, locale, timezone):
    return _format_datetime(value if value.tzinfo else value.replace(tzinfo=UTC), fmt, locale, timezone)


def register(app):
    app.extensions["linli_urls"] = {}
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
        select_options=select_options,
        option_tags=option_tags,
        render_field=render_field,
        render_big_choices=render_big_choices,
        fields_in_error=fields_in_error,
        url_for=cached_url_for,
        # links back to a list (other pages, its download) carry the page's own filters only
        filter_names=filter_names,
        list_url=list_url,
        page_url=page_url,
    )
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter

    @app.context_processor
    def current_path():
        return {"current_path": request.full_path.rstrip("?") if request else "/"}
