"""Form fields and validators shared by every feature."""

import re

from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from app.core.i18n import lazy_gettext as _l

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(value):
    if value is None:
        return value
    value = re.sub(r"[\s-]", "", str(value))
    if value.startswith("+86"):
        value = value[3:]
    return value


class MobileNumber:
    """A mainland China mobile number: 11 digits starting with 13-19."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.data and not MOBILE_RE.match(field.data):
            raise ValidationError(self.message or _l("Enter an 11-digit mainland mobile number, e.g. 13800138000."))


class PhoneField(StringField):
    """A text field for a mobile number; spaces, dashes and +86 are removed before validation."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "tel", "maxlength": 20})
        kwargs.setdefault("filters", [normalise_phone])
        super().__init__(label, validators, **kwargs)


class PasswordStrength:
    def __init__(self, min_length=8):
        self.min_length = min_length

    def __call__(self, form, field):
        value = field.data or ""
        if len(value) < self.min_length:
            raise ValidationError(_l("Use at least %(n)s characters.", n=self.min_length))
        if value.isdigit() or value.isalpha():
            raise ValidationError(_l("Mix letters with digits or symbols."))


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def apply_domain_error(form, error):
    """Show a refused operation's message next to the field it names, or as a flash message."""
    from flask import flash

    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def choices(pairs):
    """Select choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_number_valid(value):
    """A mainland resident ID number: 18 characters, a real birth date, the GB 11643 check digit."""
    from datetime import date

    if not re.fullmatch(r"\d{17}[\dX]", value or ""):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


class IdNumber:
    def __call__(self, form, field):
        if field.data and not id_number_valid(field.data):
            raise ValidationError(
                _l("This is not a valid 18-digit ID number (check the digits and the last character).")
            )


def upper_strip_filter(value):
    return value.strip().upper().replace(" ", "") if isinstance(value, str) else value
