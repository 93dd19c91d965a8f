"""Translated error pages (HTML) and JSON errors for API clients."""

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

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
LOGIN_THROTTLED = _l(
    "Too many failed logins for this number. For your safety, please wait one minute before trying again."
)
CSRF_MESSAGE = _l("The form had expired or did not come from this site. Please go back, reload the page and try again.")


def wants_json():
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def render_error(code, detail=None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if detail:
        message = detail
    if wants_json():
        return jsonify(error={"code": code, "title": str(title), "message": str(message)}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http_exception(error):
    code = error.code or 500
    if code not in MESSAGES:
        return error
    detail = LOGIN_THROTTLED if code == 429 and request.endpoint == "auth.login" else None
    response = make_response(render_error(code, detail))
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        response.headers["Retry-After"] = "60"
    return response


def handle_csrf_error(error):
    return render_error(400, CSRF_MESSAGE)


def handle_stale_data(error):
    """Two requests changed the same versioned row at once (optimistic locking): the later one is refused."""
    db.session.rollback()
    return render_error(409)


def handle_server_error(error):
    db.session.rollback()
    return render_error(500)


def register(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
