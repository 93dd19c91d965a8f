"""The help group's forms: the steps of the public sign-up, the profile, events, hours and corrections."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import IdNumberField, LinliForm, NewPasswordForm, PhoneField, choices
from app.core.i18n import lazy_gettext as _l
from app.volunteers.enums import Availability, EventKind, Quality, Sex, TeamKind, VolunteerStatus


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --- the public sign-up, one thing per screen -------------------------------------------------------


class NameStep(LinliForm):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=60)],
        render_kw={"autocomplete": "name"},
    )
    sex = RadioField(_l("Sex"), choices=choices(Sex.choices()), validators=[DataRequired(_l("Choose one."))])
    phone = PhoneField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number."))],
        description=_l("You will log in with this number."),
    )


def birth_years(this_year):
    return choices([(str(year), str(year)) for year in range(this_year - 16, this_year - 101, -1)])


class HomeStep(LinliForm):
    birth_year = SelectField(_l("Year of birth"), validators=[DataRequired(_l("Choose the year you were born."))])
    birth_month = SelectField(
        _l("Month of birth"),
        choices=choices([(str(m), str(m)) for m in range(1, 13)]),
        validators=[DataRequired(_l("Choose the month you were born."))],
    )
    building_id = SelectField(_l("Your building"), coerce=int, validators=[Optional()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=20)], description=_l("For example 302."))


class GroupStep(LinliForm):
    teams = MultiCheckboxField(
        _l("You are one of"),
        choices=choices(TeamKind.choices()),
        validators=[DataRequired(_l("Choose at least one."))],
    )
    skills = MultiCheckboxField(_l("What you can help with"), validators=[Optional()])
    availability = MultiCheckboxField(
        _l("When you can help"),
        choices=choices(Availability.choices()),
        validators=[DataRequired(_l("Choose at least one time."))],
    )


class ConsentStep(LinliForm):
    id_number = IdNumberField(
        _l("ID number (you may leave it empty)"),
        validators=[Optional()],
        description=_l("Only needed for a certificate of your service."),
    )
    consent = BooleanField(
        _l("I agree to how my details are used, as written above."),
        validators=[DataRequired(_l("Please agree, or you cannot join."))],
    )


class PasswordStep(NewPasswordForm):
    pass


# --- profiles and the coordinators' lists ----------------------------------------------------------


class ProfileForm(LinliForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=60)])
    building_id = SelectField(_l("Your building"), coerce=int, validators=[Optional()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=20)])
    teams = MultiCheckboxField(_l("You are one of"), choices=choices(TeamKind.choices()), validators=[Optional()])
    skills = MultiCheckboxField(_l("What you can help with"), validators=[Optional()])
    availability = MultiCheckboxField(
        _l("When you can help"), choices=choices(Availability.choices()), validators=[Optional()]
    )


class VolunteerFilterForm(LinliForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"), choices=choices([("", _l("All"))] + VolunteerStatus.choices()), validators=[Optional()]
    )
    team = SelectField(_l("Team"), choices=choices([("", _l("All"))] + TeamKind.choices()), validators=[Optional()])
    skill = SelectField(_l("Skill"), validators=[Optional()])
    availability = SelectField(
        _l("Available"), choices=choices([("", _l("Any time"))] + Availability.choices()), validators=[Optional()]
    )


class ReasonForm(LinliForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=500)])


class ConfirmForm(LinliForm):
    """A button with nothing typed: the CSRF token only."""


# --- events ----------------------------------------------------------------------------------------


class EventForm(LinliForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=100)])
    kind = SelectField(_l("Kind of service"), choices=choices(EventKind.choices()), validators=[DataRequired()])
    starts_at = DateTimeLocalField(
        _l("Starts"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_l("Enter when it starts."))]
    )
    ends_at = DateTimeLocalField(
        _l("Ends"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_l("Enter when it ends."))]
    )
    place = StringField(_l("Place"), validators=[DataRequired(_l("Enter the place.")), Length(max=200)])
    description = TextAreaField(_l("What volunteers will do"), validators=[Optional(), Length(max=2000)])
    capacity = IntegerField(
        _l("Places"),
        validators=[InputRequired(_l("Enter how many volunteers are needed.")), NumberRange(1, 500)],
    )
    leader_id = SelectField(_l("Leader"), coerce=int, validators=[DataRequired(_l("Choose the leader."))])
    skills = MultiCheckboxField(_l("Skills needed"), validators=[Optional()])
    beneficiary_count = IntegerField(_l("Residents served"), default=0, validators=[Optional(), NumberRange(0, 100000)])
    repeat_weeks = IntegerField(
        _l("Weekly occurrences"),
        default=1,
        validators=[Optional(), NumberRange(1, 52)],
        description=_l("1 for a single event; 4 makes the same event on the same weekday for four weeks."),
    )


class CheckInForm(LinliForm):
    pass


class HoursForm(LinliForm):
    quality = SelectField(_l("Quality of the service"), choices=choices(Quality.choices()), default="good")
    content = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=2000)])
    beneficiary = StringField(_l("Who was served"), validators=[Optional(), Length(max=200)])


class CorrectionForm(LinliForm):
    hours = DecimalField(
        _l("Hours you served"),
        places=2,
        validators=[InputRequired(_l("Enter the hours.")), NumberRange(0, 24, _l("Enter hours between 0 and 24."))],
    )
    reason = TextAreaField(_l("Why should it change?"), validators=[DataRequired(_l("Say why.")), Length(max=500)])


class CorrectionDecisionForm(LinliForm):
    decision = RadioField(
        _l("Decision"),
        choices=choices([("accept", _l("Accept the corrected hours")), ("reject", _l("Turn it down"))]),
        validators=[DataRequired(_l("Choose one."))],
    )
    note = TextAreaField(_l("Note to the volunteer"), validators=[Optional(), Length(max=500)])


class LoginLinkForm(LinliForm):
    pass


class TokenLoginForm(LinliForm):
    next = HiddenField()
