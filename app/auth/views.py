"""Login, logout and the user's own account."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.forms import AccountForm, LoginForm, PasswordChangeForm
from app.core import operations, throttle
from app.core.actions import form_action
from app.core.i18n import gettext as _
from app.core.i18n import ngettext
from app.core.security import safe_next
from app.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    try:
        # the number as normalised by the form: "138 0000 0006" and "+86 13800000006" count as one
        attempt = throttle.begin_login(form.phone.data, request.remote_addr)
    except throttle.TooManyAttempts as refused:
        return throttled(form, refused.minutes)
    user = operations.authenticate(form.phone.data, form.password.data)
    if user is None:
        operations.record_failed_login(form.phone.data)
        db.session.commit()
        form.password.errors.append(_("The mobile number or password is not correct."))
        return render_template("auth/login.html", form=form)
    if not user.active:
        form.phone.errors.append(_("This account has been deactivated. Please contact your administrator."))
        return render_template("auth/login.html", form=form)
    throttle.succeeded(attempt)
    # A language picked on the login page outlives the new session and becomes the user's own,
    # so that their other devices get it too.
    chosen = session.get("lang")
    chosen = chosen if chosen in current_app.config["LANGUAGES"] else None
    session.clear()
    log_in(user, remember=form.remember.data)
    if chosen:
        session["lang"] = chosen
        operations.set_language(user, chosen)
    operations.record_login(user)
    db.session.commit()
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    return redirect(safe_next(form.next.data, url_for("core.home")))


def throttled(form, minutes):
    """The login form again, with 429 and how long to wait; no password was checked."""
    flash(
        ngettext(
            "Too many failed logins. For your safety, please try again in %(num)d minute.",
            "Too many failed logins. For your safety, please try again in %(num)d minutes.",
            minutes,
        ),
        "error",
    )
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(minutes * 60)}


def log_in(user, remember=False):
    """Log ``user`` in on this browser: a new live session (app.core.models.UserSession), whose token the
    session cookie and, with ``remember``, the remember-me cookie carry. The caller commits."""
    value = operations.start_session(user, remember=remember)
    login_user(user, remember=remember)  # the remember-me cookie lasts REMEMBER_COOKIE_DURATION
    session["_user_id"] = value


@bp.post("/logout")
@login_required
def logout():
    # the live session ends on the server: a copy of this browser's cookies no longer logs anybody in
    operations.end_session(session.get("_user_id"))
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it also tells Flask-Login to delete the remember-me cookie
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    form = AccountForm(obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or str(current_app.config["LINLI_LANGUAGE"])
    done = form_action(
        form,
        lambda: operations.update_account(user, form.name.data, form.locale.data),
        success=_("Your account has been saved."),
        next_url=url_for("auth.account"),
    )
    if done:
        # This browser's language follows the saved one, once it is saved.
        session["lang"] = user.locale
        return done
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    done = form_action(
        form,
        lambda: operations.change_own_password(user, form.current_password.data, form.new_password.data),
        success=_("Your password has been changed. Other devices have been logged out."),
        next_url=url_for("auth.account"),
    )
    if done:
        # The login token changed with the password, which ends every session, this one too. Log in again
        # with the new token, here only, once the change is committed. This is done here, in the open, rather
        # than in form_action's success or next_url callables, which are for the message and the address.
        remembered = operations.session_remembered(session.get("_user_id"))
        operations.end_session(session.get("_user_id"))
        log_in(user, remember=remembered)
        db.session.commit()
        return done
    return render_template("auth/password.html", form=form)
