"""Translated error pages (HTML) and JSON errors for API clients.

Anything unexpected becomes the 500 page. Every response carries ``X-Request-Id``, a short random id of
the request; the 500 page shows it as a reference and the log line of the error has it too, so that a
user's report can be matched with the log. The log line names the method, the endpoint and its URL rule,
the user's id and the request id, never what was sent (no path values, query string or form fields), and
what the request sent is taken out of the exception messages of its traceback.
"""

import re
import secrets
from html import escape
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, make_response, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import StatementError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.i18n import gettext
from app.core.i18n import lazy_gettext as _l
from app.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you entered and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page or do this.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have been moved or removed.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (
        _l("Changed in the meantime"),
        _l(
            "Somebody else changed this at the same moment, so nothing was saved. Please reload the page, check "
            "what changed and try again."
        ),
    ),
    413: (_l("Upload too large"), _l("The file you sent is larger than allowed. Please choose a smaller file.")),
    429: (_l("Too many attempts"), _l("Too many requests in a short time. Please wait a minute and try again.")),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error happened on our side. It has been logged; please try again later."),
    ),
}
CSRF_MESSAGE = _l("The form had expired or did not come from this site. Please go back, reload the page and try again.")
REQUEST_ID_HEADER = "X-Request-Id"
DETAIL = re.compile(r"\n(?:DETAIL|HINT|CONTEXT):")


def request_id():
    """The id of the current request: 8 random hex digits, made on first use and kept in ``g``."""
    value = g.get("request_id")
    if value is None:
        value = g.request_id = secrets.token_hex(4)
    return value


def wants_json():
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code, detail=None, reference=None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if detail:
        message = detail
    if wants_json():
        error = {"code": code, "title": str(title), "message": str(message)}
        if reference:
            error["reference"] = reference
        return jsonify(error=error), code
    return render_template("errors/error.html", code=code, title=title, message=message, reference=reference), code


def handle_http_exception(error):
    code = error.code or 500
    if code not in MESSAGES:
        return error
    # (the login form answers its own 429 with the form and the wait: app.auth.views)
    response = make_response(render_error(code))
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        response.headers["Retry-After"] = "60"
    return response


def handle_csrf_error(error):
    """A request refused for its CSRF token. A form page is shown again with what was typed before it gets
    here (app.core.csrf); a button of an HTML page that posts to a POST-only address (log out, archive ...)
    goes back to the page it was pressed on, with the message, to be pressed again. Anything else: the 400
    error. Nothing the request asked for was done (a write attempted meanwhile is rolled back)."""
    from app.core.csrf import RESEND_MESSAGE

    rollback()
    back = same_site_referrer()
    if back and request.method == "POST" and not wants_json():
        if not g.get("csrf_refused"):  # (the form page's message is flashed already)
            flash(RESEND_MESSAGE, "error")
        return redirect(back, 303)
    return render_error(400, CSRF_MESSAGE)


def same_site_referrer():
    """The path (and query) of the page of this site the request came from, or None."""
    from app.core.security import is_safe_redirect

    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target if is_safe_redirect(target) else None


def handle_stale_data(error):
    """Two requests changed the same versioned row at once (optimistic locking): the later one is refused."""
    db.session.rollback()
    return render_error(409)


def rollback():
    """Give the session back in a usable state (a failed flush leaves it inactive until rolled back)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be what failed; the error page must still be sent
        current_app.logger.warning("request %s: rollback after an error failed", request_id(), exc_info=True)


def user_id():
    """The logged-in user's id, or "-" (loading the user is attempted, since it may not have happened yet)."""
    from flask_login import current_user

    try:
        return current_user.id if current_user.is_authenticated else "-"
    except Exception:  # noqa: BLE001 - an unreadable user must not hide the error being reported
        return "?"


def submitted_values():
    """What the request sent (query string, form fields, file names), longest first: text not to be logged."""
    try:
        files = [f.filename or "" for f in request.files.values()]
        values = [*request.args.values(), *request.form.values(), *files]
    except Exception:  # noqa: BLE001 - a body that cannot be parsed has nothing to repeat in a message
        values = list(request.args.values())
    return sorted({v.strip() for v in values if len(v.strip()) >= 3}, key=len, reverse=True)


def without_personal_data(error):
    """Take what the request sent out of the messages of ``error`` and of the exceptions it was raised from,
    before its traceback is logged: the SQL parameters and PostgreSQL's DETAIL lines (the values of the row)
    of a database error, and any submitted value an exception message repeats (``int("13912345678x")``)."""
    values = submitted_values()
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, StatementError):
            error.hide_parameters = True
        try:
            error.args = tuple(scrubbed(arg, values) if isinstance(arg, str) else arg for arg in error.args)
        except (AttributeError, TypeError):  # an exception class with read-only arguments keeps them
            pass
        error = error.__cause__ or error.__context__


def scrubbed(message, values):
    message = DETAIL.split(message, maxsplit=1)[0]
    for value in values:
        message = message.replace(value, "[…]")
    return message


def log_unexpected(error):
    """One log line per unexpected error, with its traceback: method, endpoint, rule, user, request id."""
    if g.get("error_logged"):
        return
    g.error_logged = True
    rollback()
    without_personal_data(error)
    rule = request.url_rule.rule if request.url_rule is not None else "-"
    current_app.logger.exception(
        "unexpected error: request %s, %s %s (%s), user %s",
        request_id(),
        request.method,
        request.endpoint or "-",
        rule,
        user_id(),
        exc_info=error,
    )


def log_exception(exc_info):
    """Replaces Flask's ``log_exception`` (which names the path): called for an exception no handler took."""
    log_unexpected(exc_info[1])


def handle_server_error(error):
    """The 500 page for an unhandled exception (``error.original_exception``) or ``abort(500)``."""
    log_unexpected(getattr(error, "original_exception", None) or error)
    reference = request_id()
    try:
        return render_error(500, reference=reference)
    except Exception:  # noqa: BLE001 - the page itself failed (a broken database behind the layout, ...)
        current_app.logger.exception("request %s: the error page could not be rendered", reference)
        return bare_error_page(reference)


def bare_error_page(reference):
    """The 500 page without the layout, for when the layout itself cannot be rendered."""
    title, message = (escape(str(text)) for text in MESSAGES[500])
    line = escape(gettext("Reference: %(id)s", id=reference))
    body = f"<!doctype html><meta charset='utf-8'><title>{title}</title><h1>{title}</h1><p>{message}</p><p>{line}</p>"
    return current_app.response_class(body, status=500, mimetype="text/html")


def add_request_id(response):
    response.headers.setdefault(REQUEST_ID_HEADER, request_id())
    return response


def register(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.after_request(add_request_id)
    # Flask calls app.log_exception(exc_info) for an exception no handler took, then the 500 handler.
    app.log_exception = log_exception
