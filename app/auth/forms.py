from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.core.forms import PASSWORD_MAX, LinliForm, MobileNumber, NewPasswordForm, PhoneField, choices
from app.core.i18n import LANGUAGE_NAMES
from app.core.i18n import lazy_gettext as _l


class LoginForm(LinliForm):
    phone = PhoneField(_l("Mobile number"), validators=[DataRequired(_l("Enter your mobile number.")), MobileNumber()])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class AccountForm(LinliForm):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter your name.")), Length(max=60)])
    locale = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))


class PasswordChangeForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
