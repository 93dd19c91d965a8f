"""The one way a view changes data through a form: validate → run the operation → commit once → flash →
redirect. On a DomainError the message goes on the form (or into a flash) and the transaction is rolled
back; when somebody else changed the record meanwhile the user is told so, and the form comes back with
everything that was typed.

    form = ReasonForm()
    done = form_action(form, lambda: ops.decline_case(current_user, case, form.reason.data),
                       success=_("Case %(number)s declined.", number=case.number), next_url=case_url(case))
    return done or render_template("...", form=form)
"""

from flask import abort, flash, redirect, request
from sqlalchemy.orm.exc import StaleDataError

from app.core import submissions
from app.core.errors import MESSAGES
from app.core.forms import apply_domain_error
from app.core.i18n import gettext as _
from app.core.operations import ChangedMeanwhile, DomainError
from app.extensions import db


def form_action(form, operation, *, success, next_url, record=None, validate=True, conflict_page=False, once=False):
    """Run ``operation()`` for a submitted, valid ``form``; return the redirect to ``next_url`` after a
    success, or None when the form is to be shown (again) with its messages.

    ``record`` is the versioned row the form was opened on (its ``version`` field travels with the form):
    after a refusal because the record changed since, the form takes the current version, so that saving
    again, once the user has seen the change, is deliberate. ``success`` may be a callable, called after the
    operation (for messages that name what it created). ``validate=False`` is for forms validated already.
    ``conflict_page=True`` is for a button with nothing typed to keep: a conflict answers with the 409 page.
    ``once=True`` is for forms that create a record and carry a one-time ``submission_key`` (app.core.submissions):
    the same form sent again, even at the same moment, creates nothing more and is redirected to what the first
    one created.
    """
    if not form.is_submitted() or (validate and not form.validate_on_submit()):
        return None
    key = submissions.key_from_request() if once else None
    try:
        submission = submissions.claim(key) if key else None
        result = operation()
        url = next_url(result) if callable(next_url) else next_url
        if submission is not None:
            submissions.done(submission, url)
        db.session.commit()
    except submissions.AlreadySubmitted as earlier:
        flash(_("This form had already been sent. Here is what it saved."), "info")
        return redirect(earlier.url or request.url)
    except submissions.KeyOfSomebodyElse:
        abort(409)
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        if isinstance(error, ChangedMeanwhile):
            _take_current_version(form, record)
        return None
    except StaleDataError:  # another request changed the row between our read and our write
        db.session.rollback()
        if conflict_page:
            raise
        flash(MESSAGES[409][1], "error")
        _take_current_version(form, record)
        return None
    flash(success(result) if callable(success) else success, "success")
    return redirect(url)


def _take_current_version(form, record):
    version = getattr(form, "version", None)
    if record is None or version is None:
        return
    db.session.refresh(record)
    version.data = record.version
