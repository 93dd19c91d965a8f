"""Login, logout and the user's own account."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.auth.forms import AccountForm, LoginForm, PasswordChangeForm
from app.core import operations
from app.core.actions import form_action
from app.core.i18n import gettext as _
from app.core.models import User
from app.core.security import safe_next
from app.extensions import db, limiter

bp = Blueprint("auth", __name__)


def login_phone_key():
    return "login:" + (request.form.get("phone") or "").strip()


def login_failed(response):
    # Only failed attempts count: a successful login redirects.
    return response.status_code == 200


def login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], key_func=login_phone_key, deduct_when=login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.phone == form.phone.data))
        if user is not None and user.check_password(form.password.data):
            if not user.active:
                form.phone.errors.append(_("This account has been deactivated. Please contact your administrator."))
            else:
                # A language picked on the login page outlives the new session and becomes the user's own,
                # so that their other devices get it too.
                chosen = session.get("lang")
                chosen = chosen if chosen in current_app.config["LANGUAGES"] else None
                session.clear()
                login_user(user, remember=form.remember.data)
                if chosen:
                    session["lang"] = chosen
                    operations.set_language(user, chosen)
                operations.record_login(user)
                db.session.commit()
                flash(_("Welcome, %(name)s.", name=user.name), "success")
                return redirect(safe_next(form.next.data, url_for("core.home")))
        else:
            operations.record_failed_login(form.phone.data)
            db.session.commit()
            form.password.errors.append(_("The mobile number or password is not correct."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
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
        login_user(user)
        return done
    return render_template("auth/password.html", form=form)
