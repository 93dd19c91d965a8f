"""One-time submission keys: a form that creates a record is saved once, however often it is sent.

A double tap, a slow network that makes the user press again, or the offline queue sending a report a second
time all send the same form with the same key. The key is made when the form is shown (the template global
``submission_key()``) and travels in a hidden field::

    <input type="hidden" name="submission_key" value="{{ submission_key() }}">

``form_action(..., once=True)`` (app.core.actions) then writes the key into form_submissions *before* it runs
the operation, in the same transaction, and the address of the result with it. The key is unique: of two
requests with the same key, the second one's insert waits for the first one's transaction (PostgreSQL: the
unique index; SQLite: the database's write lock) and then fails, and it is answered with a redirect to what
the first one created. If the first one failed, its key went with its rolled-back transaction and the second
one runs as if it were the first. A form sent without a key is saved as before.
"""

import re
import secrets
from datetime import timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.core.models import FormSubmission
from app.core.types import utcnow
from app.extensions import db

FIELD = "submission_key"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# a key is kept this long; a form older than that is saved again when it is sent again
KEEP = timedelta(days=2)


def submission_key():
    """A new random key for a form being shown (a template global)."""
    return secrets.token_urlsafe(24)


def key_from_request():
    """The key the form was sent with, or None (no key, or not one that submission_key() makes)."""
    value = request.form.get(FIELD, "")
    return value if KEY_PATTERN.fullmatch(value) else None


class AlreadySubmitted(Exception):
    """The form was sent before with this key, and saved: ``url`` is what it created."""

    def __init__(self, submission):
        super().__init__(submission.key)
        self.submission = submission
        self.url = submission.result_url


class KeyOfSomebodyElse(Exception):
    """The key was used by another user (never by the forms themselves: keys are random)."""


def claim(key):
    """Write ``key`` as this request's, first thing in its transaction (flushed, not committed). Raises
    AlreadySubmitted, after rolling the session back, when an earlier request saved a form with the key."""
    user_id = current_user.id if current_user.is_authenticated else None
    db.session.flush()  # whatever is pending is not this insert's business
    submission = FormSubmission(key=key, user_id=user_id, created_at=utcnow())
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        earlier = db.session.scalar(select(FormSubmission).where(FormSubmission.key == key))
        if earlier is None:  # some other constraint failed
            raise
        if earlier.user_id != user_id:
            raise KeyOfSomebodyElse(key) from None
        raise AlreadySubmitted(earlier) from None
    if user_id is not None:
        db.session.execute(
            delete(FormSubmission).where(FormSubmission.user_id == user_id, FormSubmission.created_at < utcnow() - KEEP)
        )
    return submission


def done(submission, url):
    """Keep where the result of the form is (flushed with the operation's changes, committed with them)."""
    submission.result_url = url[:500] if url else None
    db.session.flush()


def register(app):
    app.add_template_global(submission_key)
