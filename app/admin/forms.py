from wtforms import BooleanField, DateField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import (
    PASSWORD_MAX,
    LinliForm,
    MobileNumber,
    NewPasswordForm,
    PasswordStrength,
    PhoneField,
    TelephoneField,
    choices,
)
from app.core.i18n import lazy_gettext as _l
from app.core.models import HandlingUnitKind
from app.core.roles import Role


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UnitForm(LinliForm):
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=100)])
    code = StringField(
        _l("Code"),
        validators=[Optional(), Length(max=32)],
        description=_l("Optional administrative code, unique in the whole tree."),
    )


class BuildingForm(LinliForm):
    name = StringField(
        _l("Building"),
        validators=[DataRequired(_l("Enter the building's name or number.")), Length(max=100)],
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    entrances = IntegerField(_l("Entrances"), validators=[Optional(), NumberRange(min=1, max=99)])
    households = IntegerField(_l("Households"), validators=[Optional(), NumberRange(min=0, max=9999)])


class HandlingUnitForm(LinliForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=choices(HandlingUnitKind.choices()))
    org_unit_id = SelectField(_l("Area served"), coerce=int)
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=60)])
    contact_phone = TelephoneField(_l("Contact phone"), validators=[Optional(), Length(max=20)])
    active = BooleanField(_l("Receives work orders"), default=True)


class UserForm(LinliForm):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter a name.")), Length(max=60)])
    roles = MultiCheckboxField(
        _l("Roles"), choices=choices(Role.choices()), validators=[DataRequired(_l("Choose at least one role."))]
    )
    org_unit_id = SelectField(_l("Organisation unit"), coerce=int)
    handling_unit_id = SelectField(_l("Handling unit (for handlers)"), coerce=int)
    home_building_id = SelectField(
        _l("Home building"),
        coerce=int,
        default=0,
        validators=[Optional()],
        description=_l("Optional. Used to warn when a mediator lives in the same building as a party."),
    )
    active = BooleanField(_l("Active"), default=True)


class NewUserForm(UserForm):
    phone = PhoneField(_l("Mobile number"), validators=[DataRequired(_l("Enter a mobile number.")), MobileNumber()])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Enter an initial password.")), Length(max=PASSWORD_MAX), PasswordStrength()],
        render_kw={"autocomplete": "new-password"},
    )


class ResetPasswordForm(NewPasswordForm):
    """An administrator sets a new password for a user."""


class AuditFilterForm(LinliForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor (name or mobile)"), validators=[Optional(), Length(max=60)])
    target_type = SelectField(_l("Target"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
