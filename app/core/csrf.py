"""CSRF protection that loses nothing a person typed.

A form left open longer than its token lives (``WTF_CSRF_TIME_LIMIT``), or sent after the session cookie was
renewed, arrives with a token that no longer holds. Instead of an error page that asks to reload (and so throws
away everything typed), the form page comes back with what was sent, a fresh token and a message asking to
check and send again. Nothing of what the request asked for is done:

- only a POST of an HTML form (urlencoded or multipart, not an API or JSON call) to a page that also answers
  GET (a form page: its POST branch is the form's submission) is "resumed": ``g.csrf_refused`` holds the
  reason and the view runs as for a form that does not validate;
- every form of the app (``app.core.forms.LinliForm``) refuses to validate during such a request, so
  ``form.validate_on_submit()`` and ``form_action`` run no operation;
- and, should a view write anyway, the database refuses to commit during such a request: the CSRF error is
  raised again, answered by the error page, and the transaction is rolled back.

Any other refused request (an API call, a button that posts to a POST-only address) gets the usual CSRF error
(``app.core.errors.handle_csrf_error``).
"""

from flask import flash, g, has_request_context, request
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect as _CSRFProtect
from sqlalchemy import event

from app.core.i18n import lazy_gettext as _l

RESEND_MESSAGE = _l(
    "The form had expired, so nothing was saved. Check what you entered (choose any file again) and send it again."
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refused():
    """The reason the current request's CSRF token was refused while its form page is shown again, or None."""
    return g.get("csrf_refused") if has_request_context() else None


def resumable():
    """Whether the current request, refused for its CSRF token, may be answered with its form page."""
    from app.core.errors import wants_json

    rule = request.url_rule
    return (
        request.method == "POST"
        and rule is not None
        and "GET" in (rule.methods or ())
        and request.mimetype in FORM_TYPES
        and not wants_json()
    )


class CSRFProtect(_CSRFProtect):
    """Flask-WTF's CSRFProtect; a refused form page is shown again with what was sent (see the module)."""

    def protect(self, apply_exemptions=False):
        try:
            super().protect(apply_exemptions)
        except CSRFError as error:
            if not resumable():
                raise
            g.csrf_refused = error.description or "refused"
            g.csrf_valid = False
            flash(RESEND_MESSAGE, "error")


@event.listens_for(Session, "before_commit")
def _no_commit_without_a_valid_token(session):
    reason = refused()
    if reason:
        raise CSRFError(reason)
