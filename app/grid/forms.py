"""The forms of grid work; every one goes through the input layer (app.core.forms.LinliForm)."""

from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import LinliForm, TelephoneField, choices
from app.core.i18n import lazy_gettext as _l
from app.grid.models import ResponseLevel, Satisfaction, VerificationMethod

DESCRIPTION_MAX = 500
RESULT_MAX = 2000
PHOTO_ACCEPT = {"accept": "image/*", "capture": "environment"}


def required(message=None):
    return DataRequired(message or _l("This field is required."))


def text_area(label, max_length, needed=True, **kwargs):
    validators = [required()] if needed else [Optional()]
    validators.append(Length(max=max_length, message=_l("Keep it under %(max)d characters.", max=max_length)))
    return TextAreaField(
        label, validators=validators, render_kw={"rows": kwargs.pop("rows", 3), "maxlength": max_length}, **kwargs
    )


def building_field():
    # any id is checked by the operation (the reporter's area), which says why it refuses one
    return SelectField(
        _l("Building"), coerce=int, validators=[required(_l("Choose the building."))], validate_choice=False
    )


def room_field():
    return StringField(
        _l("Entrance or room"),
        validators=[Optional(), Length(max=30, message=_l("Keep it under %(max)d characters.", max=30))],
        render_kw={"maxlength": 30},
    )


def level_field():
    return RadioField(
        _l("Urgency"),
        choices=choices([("", _l("As the category says"))] + ResponseLevel.choices()),
        default="",
        validators=[Optional()],
    )


class ReportForm(LinliForm):
    """A grid worker's report from a phone: photos, category, what is wrong, where, how urgent."""

    photos = MultipleFileField(
        _l("Photos"),
        description=_l("Take or choose up to 4 photos."),
        render_kw={**PHOTO_ACCEPT, "multiple": True},
    )
    category_id = RadioField(
        _l("Category"), coerce=int, validators=[required(_l("Choose a category."))], validate_choice=False
    )
    description = text_area(_l("What is wrong"), DESCRIPTION_MAX, rows=4)
    building_id = building_field()
    room = room_field()
    level = level_field()
    latitude = FloatField(
        _l("Latitude"),
        validators=[Optional(), NumberRange(-90, 90, message=_l("A latitude is between -90 and 90."))],
        render_kw={"inputmode": "decimal"},
    )
    longitude = FloatField(
        _l("Longitude"),
        validators=[Optional(), NumberRange(-180, 180, message=_l("A longitude is between -180 and 180."))],
        render_kw={"inputmode": "decimal"},
    )


class CallForm(LinliForm):
    """A call or a visit registered by staff (来电登记): who called, for the verification call, and what they
    report. The number is kept in full for staff and masked everywhere else."""

    caller_name = StringField(
        _l("Caller's name"),
        validators=[required(), Length(max=60, message=_l("Keep it under %(max)d characters.", max=60))],
        render_kw={"maxlength": 60, "autocomplete": "off"},
    )
    caller_phone = TelephoneField(
        _l("Caller's phone"),
        description=_l("For the verification call; shown in full to staff only."),
        validators=[required()],
    )
    category_id = SelectField(
        _l("Category"), coerce=int, validators=[required(_l("Choose a category."))], validate_choice=False
    )
    description = text_area(_l("What the caller reports"), DESCRIPTION_MAX, rows=4)
    building_id = building_field()
    room = room_field()
    level = level_field()


class ListFilterForm(LinliForm):
    """Narrow an order list (GET, nothing personal): by category (its name) and grid (its id)."""

    category = SelectField(_l("Category"), default="", validators=[Optional()])
    grid = SelectField(_l("Grid"), coerce=int, default=0, validators=[Optional()])


class DispatchForm(LinliForm):
    handling_unit_id = SelectField(
        _l("Handling unit"), coerce=int, validators=[required(_l("Choose the handling unit."))]
    )
    level = RadioField(_l("Response level"), choices=choices(ResponseLevel.choices()), validators=[required()])


class ReasonForm(LinliForm):
    reason = text_area(_l("Reason"), RESULT_MAX)


class NoteForm(LinliForm):
    note = text_area(_l("What the unit must do, and by when"), RESULT_MAX)


class ResultForm(LinliForm):
    """A reply or a settlement on the spot: what was done, and a photo of the result."""

    result = text_area(_l("What was done"), RESULT_MAX, rows=4)
    photo = FileField(
        _l("Photo of the result"), description=_l("A photo taken after the work, as proof."), render_kw=PHOTO_ACCEPT
    )


class VerifyForm(LinliForm):
    satisfaction = RadioField(
        _l("The resident is"),
        choices=choices(Satisfaction.choices()),
        validators=[required(_l("Record the resident's satisfaction."))],
    )
    method = RadioField(
        _l("Checked"),
        choices=choices(VerificationMethod.choices()),
        default=str(VerificationMethod.phone),
        validators=[required()],
    )
    note = text_area(_l("Note"), RESULT_MAX, needed=False)


class MergeForm(LinliForm):
    """Merge this order into another one (并单): the other order's number."""

    target = StringField(
        _l("Merge into work order"),
        description=_l("The number of the order that reports the same problem, e.g. WG2026-000123."),
        validators=[required(_l("Give the number of the order to merge into.")), Length(max=30)],
        render_kw={"maxlength": 30, "autocapitalize": "characters"},
    )


class ConfirmForm(LinliForm):
    """A button that changes something and asks nothing (sign, start, close)."""


class CategoryForm(LinliForm):
    name = StringField(
        _l("Name"),
        validators=[required(), Length(max=60, message=_l("Keep it under %(max)d characters.", max=60))],
        render_kw={"maxlength": 60},
    )
    group_name = StringField(
        _l("Group"),
        validators=[Optional(), Length(max=60, message=_l("Keep it under %(max)d characters.", max=60))],
        render_kw={"maxlength": 60},
    )
    sort_order = IntegerField(_l("Sort order"), default=0, validators=[Optional(), NumberRange(0, 10000)])
    default_level = SelectField(_l("Default response level"), choices=choices(ResponseLevel.choices()))
    default_unit_id = SelectField(_l("Default handling unit"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Offered to grid workers"), default=True)
    is_dispute = BooleanField(
        _l("A dispute between people"),
        description=_l("Its work orders can be turned into mediation cases by the community's mediation studio."),
    )


class ApiKeyForm(LinliForm):
    """A new Open311 API key: what it is for, and the community it posts into."""

    name = StringField(
        _l("What the key is for"),
        description=_l("For example the name of the app or the partner that uses it."),
        validators=[required(), Length(max=60, message=_l("Keep it under %(max)d characters.", max=60))],
        render_kw={"maxlength": 60},
    )
    org_unit_id = SelectField(
        _l("Community"), coerce=int, validators=[required(_l("Choose the community the key posts into."))]
    )


class FiguresForm(LinliForm):
    """The period and scope of the figures (GET: dates and scope ids are no personal data). Blank dates are
    this month up to today; the choices of area, unit and category are the user's (app.grid.figures)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    area = SelectField(_l("Area"), coerce=int, validators=[Optional()])
    unit = SelectField(_l("Handling unit"), coerce=int, validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("The end of the period comes before its start."))
