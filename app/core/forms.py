"""The input layer every form goes through, and the fields and validators shared by every feature.

Every form of the app subclasses ``LinliForm`` (a subform inside a ``FormField`` subclasses ``LinliSubForm``).
Its ``Meta.bind_field`` hardens each field as it is bound, so a new form is safe without asking:

- text (``StringField`` and its kinds): control characters, lone surrogates and non-characters are removed,
  line breaks too in a one-line field (a textarea keeps ``\\n`` and ``\\t``), surrounding whitespace is
  stripped, and a field without a ``Length`` gets a default maximum;
- passwords are kept as typed, but refused when they hold a control character, and capped in length;
- choices (``SelectField``, ``RadioField``, ...): ``coerce=int`` becomes ``bounded_int`` (an id beyond the
  database's integers is "Not a valid choice"), and an optional choice left blank (or sent as spaces) is None;
- numbers stay within the database's 32-bit integers (finite and bounded for decimals), dates and times
  within ``DATE_MIN`` .. ``DATE_MAX``.

A field that needs less says so with its own validators; the layer only adds what is missing.
"""

import math
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from weakref import WeakKeyDictionary

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    DateTimeField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    MonthField,
    PasswordField,
    SelectFieldBase,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    WeekField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, ValidationError
from wtforms.validators import Optional as OptionalValidator
from wtforms.widgets.core import Input, clean_key

from app.core.i18n import lazy_gettext as _l

# --- limits --------------------------------------------------------------------------------------

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1  # an INTEGER column on PostgreSQL
DECIMAL_LIMIT = 10**15
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
LINE_MAX = 255  # a one-line text field without a Length of its own
HIDDEN_MAX = 2000  # a hidden field (a version, the page to go back to) without a Length of its own
TEXT_MAX = 8000  # a textarea without a Length of its own
PASSWORD_MAX = 200

# --- text ----------------------------------------------------------------------------------------

# C0 and C1 controls (tab and line feed are dealt with apart), DEL, lone surrogates, and the non-characters
# U+FDD0..U+FDEF and U+xFFFE/U+xFFFF of every plane: none of them is text a person typed, and PostgreSQL
# refuses NUL outright. Also the invisible characters that change how text reads without showing: the
# bidirectional controls (U+202A..U+202E, U+2066..U+2069, the marks U+200E, U+200F, U+061C), which can make a
# name or a file name display reversed, and zero-width spaces, word joiners and byte-order marks (U+200B,
# U+2060..U+2064, U+FEFF), which make two equal-looking names differ.
_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
_INVISIBLE = "\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
UNWANTED = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}{_INVISIBLE}]")
# Zero-width joiners and non-joiners make emoji sequences (and some scripts) in free text; a one-line field
# (a name, an address, a number) has no use for them.
JOINERS = re.compile("[\u200c\u200d]")
LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
ONE_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")


def clean_line(value):
    """One line of text as typed, without control or invisible characters; line breaks and tabs become a
    space."""
    if not isinstance(value, str):
        return value
    return JOINERS.sub("", UNWANTED.sub("", ONE_LINE_BREAKS.sub(" ", value))).strip()


def clean_text(value):
    """Text of several lines: line breaks become ``\\n``, tabs stay, other control characters go."""
    if not isinstance(value, str):
        return value
    return UNWANTED.sub("", LINE_BREAKS.sub("\n", value)).strip()


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class NoControlCharacters:
    """Refuses a value holding a control character (for passwords, which are kept exactly as typed)."""

    def __call__(self, form, field):
        value = field.data
        if isinstance(value, str) and (
            UNWANTED.search(value) or ONE_LINE_BREAKS.search(value) or JOINERS.search(value)
        ):
            raise ValidationError(_l("This field contains invisible control characters; remove them."))


# --- numbers and dates ---------------------------------------------------------------------------


def bounded_int(value):
    """``int`` for choice fields, refusing what no integer column can hold (a ValueError: not a valid choice)."""
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError("out of range")
    return number


class WithinBounds:
    """The layer's limit for numbers, dates and times; a value that is missing is left to other validators."""

    def __init__(self, low, high, message):
        self.low = low
        self.high = high
        self.message = message

    def __call__(self, form, field):
        if field.data is not None and not self.within(field.data):
            # no value rather than one the database cannot take, for a view that reads it anyway; the page
            # still shows what was typed (the field's raw data)
            field.data = None
            raise ValidationError(self.message)

    def within(self, value):
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if hasattr(value, "is_finite") and not value.is_finite():  # Decimal NaN and infinities
            return False
        return self.low <= value <= self.high


def int_bounds():
    return WithinBounds(INT_MIN, INT_MAX, _l("Enter a number between %(min)s and %(max)s.", min=INT_MIN, max=INT_MAX))


def decimal_bounds():
    low, high = -DECIMAL_LIMIT, DECIMAL_LIMIT
    return WithinBounds(low, high, _l("Enter a number between %(min)s and %(max)s.", min=low, max=high))


def _reader_date(day):
    from app.core.templating import date_filter

    return date_filter(day)


def date_bounds():
    """The range of dates and times, told in the reader's way of writing dates."""
    earliest, latest = LazyString(_reader_date, DATE_MIN), LazyString(_reader_date, DATE_MAX)
    return WithinBounds(DATE_MIN, DATE_MAX, _l("Enter a date between %(min)s and %(max)s.", min=earliest, max=latest))


# --- the layer -----------------------------------------------------------------------------------


def _has(field, kind, test=lambda validator: True):
    return any(isinstance(v, kind) and test(v) for v in field.validators)


def _add_validator(field, validator):
    # a field without validators of its own shares its class's list: give it a new one
    field.validators = [*field.validators, validator]
    for flag, value in getattr(validator, "field_flags", {}).items():
        if getattr(field.flags, flag) is None:
            setattr(field.flags, flag, value)


def _add_filter(field, first):
    field.filters = (first, *field.filters)


def _blank_to_none(value):
    return None if isinstance(value, str) and not value.strip() else value


class TextLength(Length):
    """Length of what the field holds as text: a hidden field filled from a record may hold a number."""

    def __call__(self, form, field):
        if field.data is not None and len(str(field.data)) > self.max:
            raise ValidationError(self.message)


def _harden_text(field):
    if isinstance(field, PasswordField):
        _add_validator(field, NoControlCharacters())
        default_max = PASSWORD_MAX
    elif isinstance(field, TextAreaField):
        _add_filter(field, clean_text)
        default_max = TEXT_MAX
    else:
        _add_filter(field, clean_line)
        default_max = HIDDEN_MAX if isinstance(field, HiddenField) else LINE_MAX
    if not _has(field, Length, lambda v: v.max != -1) and not any(hasattr(v, "longest") for v in field.validators):
        _add_validator(
            field, TextLength(max=default_max, message=_l("Keep it under %(max)d characters.", max=default_max))
        )


def _keep_coerce_error(field):
    """A value that could not be coerced is "Not a valid choice", even when a required() validator, seeing no
    data, would replace that message by its own; a blank value is left to Optional() and required()."""
    post_validate = field.post_validate

    def keeping(form, validation_stopped):
        if field.process_errors and any(isinstance(raw, str) and raw.strip() for raw in field.raw_data or ()):
            field.errors = list(field.process_errors)
        post_validate(form, validation_stopped)

    field.post_validate = keeping


def _harden_choice(field):
    coerce = getattr(field, "coerce", None)
    if coerce is int:
        field.coerce = bounded_int
    if hasattr(field, "invalid_value_message") and field.invalid_value_message is None:
        field.invalid_value_message = LazyString(field.gettext, "Not a valid choice.")
    _keep_coerce_error(field)
    if isinstance(field, SelectMultipleField):
        return
    if _has(field, OptionalValidator):
        _add_filter(field, _blank_to_none)
    if not getattr(field, "validate_choice", True) and field.coerce is str:
        _add_filter(field, clean_line)


def _has_number_range_within(field, low, high):
    return _has(
        field,
        NumberRange,
        lambda v: v.min is not None and v.max is not None and v.min >= low and v.max <= high,
    )


# --- rendering ------------------------------------------------------------------------------------


def html_params(**kwargs):
    """WTForms' ``html_params`` (the attributes of an input, sorted; ``True`` alone, ``False`` left out, every
    name and value escaped), with the same output. WTForms 3.3 writes each attribute through ``Markup.format``,
    whose formatter made up a quarter of the sign-up's first step (three inputs): an f-string of escaped parts
    does the same work."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            params.append(f'{escape(key)}="{escape(value)}"')
    return Markup(" ".join(params))  # noqa: S704 (every name and value escaped above)


def _input_call(widget, field, **kwargs):
    """WTForms' ``Input.__call__`` (an input's id, type, value, datalist and validation attributes from the
    field's flags), with the same output, reading the flags set on the field from their ``__dict__``: WTForms
    lists them with ``dir()``, which gathers and sorts every attribute name of the object, a third of the
    time of an input. (``Flags`` answers None for any other name, so the flags that are set are the ones in
    its ``__dict__``.)"""
    kwargs.setdefault("id", field.id)
    kwargs.setdefault("type", widget.input_type)
    if "value" not in kwargs:
        kwargs["value"] = field._value()
    datalist = getattr(field, "_datalist", None)
    if datalist is not None and "list" not in kwargs:
        kwargs["list"] = datalist if isinstance(datalist, str) else datalist.id
    flags = getattr(field, "flags", None)
    for key, value in (vars(flags) if flags is not None else {}).items():
        if key in widget.validation_attrs and key not in kwargs:
            kwargs[key] = value() if callable(value) else value
    return Markup(f"<input {widget.html_params(name=field.name, **kwargs)}>")  # noqa: S704 (escaped by html_params)


def choice_inputs(field):
    """(id, input, label) of each option of a field of radios or checkboxes: the ``<input>`` its option widget
    writes for it (id, name, type, value, checked, the validation attributes of the field's validators, the
    field's render_kw), the same HTML as WTForms' ``option()``, without the field WTForms builds for every option
    when the field is iterated (two thirds of the time of a list of big choices)."""
    widget = field.option_widget
    common = {clean_key(key): value for key, value in (field.render_kw or {}).items()}
    flags = {}
    for validator in (*field.validators, widget):
        flags.update(getattr(validator, "field_flags", None) or {})
    common.setdefault("type", widget.input_type)
    for index, (value, label, selected, _render_kw) in enumerate(field.iter_choices()):
        attrs = dict(common)
        attrs.setdefault("id", f"{field.id}-{index}")
        attrs.setdefault("value", str(value))
        if selected:
            attrs.setdefault("checked", True)
        for key, flag in flags.items():
            if key in widget.validation_attrs and key not in attrs:
                attrs[key] = flag() if callable(flag) else flag
        html = Markup(f"<input {html_params(name=field.name, **attrs)}>")  # noqa: S704 (escaped by html_params)
        yield attrs["id"], html, label or value


class _FastInput(Input):
    __call__ = _input_call


_FAST_CLASSES = {}  # a widget class -> its subclass with html_params above
_FAST_WIDGETS = WeakKeyDictionary()  # a widget -> its copy as an instance of that subclass


def fast_widget(widget):
    """``widget`` rendering its attributes with html_params above: a copy of it (its settings: input type and
    the like) as an instance of a subclass overriding ``html_params``, the hook WTForms gives on its inputs and
    buttons (a select, a textarea or a list of options call the module's function: left as they are), and
    for an input that WTForms' own ``__call__`` renders, ``_input_call``. Kept per widget (fields share their
    class's widget)."""
    if getattr(type(widget), "html_params", None) is None:
        return widget
    try:
        return _FAST_WIDGETS[widget]
    except (KeyError, TypeError):
        pass
    cls = type(widget)
    fast_cls = _FAST_CLASSES.get(cls)
    if fast_cls is None:
        bases = (cls,)
        if issubclass(cls, Input):  # its own __call__ (a radio's, a checkbox's) calls super(): _FastInput's
            bases = (_FastInput,) if cls is Input else (cls, _FastInput)
        fast_cls = _FAST_CLASSES[cls] = type(cls.__name__, bases, {"html_params": staticmethod(html_params)})
    copy = object.__new__(fast_cls)
    copy.__dict__.update(vars(widget))
    try:
        _FAST_WIDGETS[widget] = copy
    except TypeError:  # a widget that cannot be weakly referenced: copied again next time
        pass
    return copy


def harden(field):
    """Add the layer's filters and validators to a bound field (see the module's docstring), and render it
    with html_params above."""
    field.widget = fast_widget(field.widget)
    if isinstance(field, SelectFieldBase):  # (hasattr would recurse into a FormField's __getattr__)
        field.option_widget = fast_widget(field.option_widget)
    if isinstance(field, CSRFTokenField):
        return field
    if isinstance(field, StringField):
        _harden_text(field)
    elif isinstance(field, SelectFieldBase):
        _harden_choice(field)
    elif isinstance(field, IntegerField):
        if not _has_number_range_within(field, INT_MIN, INT_MAX):
            _add_validator(field, int_bounds())
    elif isinstance(field, DecimalField | FloatField):
        if not _has_number_range_within(field, -DECIMAL_LIMIT, DECIMAL_LIMIT):
            _add_validator(field, decimal_bounds())
    elif isinstance(field, DateTimeField) and not isinstance(field, TimeField):
        if isinstance(field, DateField) and not isinstance(field, MonthField | WeekField):
            field.flags.min, field.flags.max = DATE_MIN.isoformat(), DATE_MAX.isoformat()
        _add_validator(field, date_bounds())
    return field


class InputMeta:
    """The Meta of every form: fields are hardened as they are bound (subforms and FieldList entries too), and
    WTForms' own messages ("Not a valid choice.") are in the page's language."""

    def bind_field(self, form, unbound_field, options):
        return harden(super().bind_field(form, unbound_field, options))

    def get_translations(self, form):
        # Flask-WTF's translations read WTForms' catalog from its file again in every request that translates a
        # message (a list's filter form does, on every page view); it is read once per language here instead
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return wtforms_translations(str(get_locale()))


@lru_cache(maxsize=16)
def wtforms_translations(locale):
    """WTForms' catalog of ``locale`` (its own messages), read once per process."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class LinliForm(FlaskForm):
    """The base of every form of the app."""

    class Meta(InputMeta):
        pass

    def validate(self, extra_validators=None):
        # a form sent with an expired CSRF token is shown again with what was typed, and nothing is done
        # (app.core.csrf)
        from app.core.csrf import refused

        if refused():
            return False
        return super().validate(extra_validators)


class LinliSubForm(LinliForm):
    """A form inside another form's ``FormField``: the layer without a CSRF token of its own."""

    class Meta:
        csrf = False


# --- phone numbers and ID numbers ----------------------------------------------------------------

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
TELEPHONE_RE = re.compile(r"^(1[3-9][0-9]{9}|0[12][0-9]-[0-9]{8}|0[3-9][0-9]{2}-[0-9]{7,8}|[0-9]{3,8})$")
DASHES = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\uff0d]")


def ascii_digits(value):
    """NFKC (full-width letters and digits become ASCII), then digits of any script as 0-9."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFKC", value)
    return "".join(str(unicodedata.digit(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in value)


def normalise_phone(value):
    """A mobile number as stored: ASCII digits, without spaces, dashes or a +86 prefix."""
    if not isinstance(value, str):
        return value
    value = DASHES.sub("", ascii_digits(value))
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value


def normalise_telephone(value):
    """A mobile number as ``normalise_phone``; a landline as area code, dash, number (0571-88888888)."""
    if not isinstance(value, str):
        return value
    digits = normalise_phone(value)
    if re.fullmatch(r"0[1-9][0-9]{8,10}", digits):
        area = 3 if digits[1] in "12" else 4  # 010 and 02x have three digits, the others four
        return f"{digits[:area]}-{digits[area:]}"
    return digits


class MobileNumber:
    """A mainland China mobile number: 11 digits starting with 13-19."""

    longest = 11  # no longer value passes: the layer adds no Length of its own

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.data and not MOBILE_RE.match(field.data):
            raise ValidationError(self.message or _l("Enter an 11-digit mainland mobile number, e.g. 13800138000."))


class TelephoneNumber:
    """A mobile number, a landline with its area code, or a short local or service number."""

    longest = 13

    def __call__(self, form, field):
        if field.data and not TELEPHONE_RE.match(field.data):
            raise ValidationError(_l("Enter a mobile or landline number, e.g. 13800138000 or 0571-88888888."))


def _with(validators, kind):
    validators = list(validators or [])
    return validators if any(isinstance(v, kind) for v in validators) else [*validators, kind()]


class PhoneField(StringField):
    """A text field for a mobile number, stored in ASCII digits without spaces, dashes or +86; it validates
    itself (``MobileNumber``, unless its validators name one with a message of its own)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "tel", "maxlength": 20})
        kwargs.setdefault("filters", [normalise_phone])
        super().__init__(label, _with(validators, MobileNumber), **kwargs)


class TelephoneField(StringField):
    """A text field for a phone number that may be a landline; it validates itself (``TelephoneNumber``)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "tel", "autocomplete": "tel", "maxlength": 20})
        kwargs.setdefault("filters", [normalise_telephone])
        super().__init__(label, _with(validators, TelephoneNumber), **kwargs)


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_number_valid(value):
    """A mainland resident ID number: 18 characters, a real birth date, the GB 11643 check digit."""
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value or ""):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


class IdNumber:
    longest = 18

    def __call__(self, form, field):
        if field.data and not id_number_valid(field.data):
            raise ValidationError(
                _l("This is not a valid 18-digit ID number (check the digits and the last character).")
            )


def upper_strip_filter(value):
    """An ID number as stored: ASCII, upper case, without spaces or dashes."""
    return DASHES.sub("", ascii_digits(value)).upper() if isinstance(value, str) else value


class IdNumberField(StringField):
    """A text field for a mainland ID number, stored in ASCII and upper case; it validates itself (``IdNumber``)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"maxlength": 18, "autocomplete": "off"})
        kwargs.setdefault("filters", [upper_strip_filter])
        super().__init__(label, _with(validators, IdNumber), **kwargs)


# --- passwords -----------------------------------------------------------------------------------

# The most common passwords of the published leak lists (Chinese sites among them), lower case; a password
# shorter than the minimum is refused anyway, so the long ones matter most.
COMMON_PASSWORDS = frozenset(
    """
    123456 123456789 12345678 1234567890 12345 1234567 111111 123123 000000 password password1 password12
    password123 password1234 passw0rd p@ssw0rd p@ssword qwerty qwerty123 qwerty1234 qwerty12345 qwertyuiop
    qwertyuiop123 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx 1qaz2wsx3edc 1qazxsw2 zaq12wsx zxcvbnm zxcvbnm123
    asdfghjkl asdfghjkl123 abc123 abc12345 abc123456 abc1234567 abcd1234 abcd12345 abcd123456 abcdefg123
    a12345678 a123456789 a1234567890 aa12345678 aa123456789 aaa123456 a1b2c3d4 a1b2c3d4e5 1a2b3c4d5e
    q1w2e3r4 q1w2e3r4t5 qwe123456 qwe1234567 qweasdzxc qweasdzxc123 qazwsxedc qazwsxedc123 1234qwer 1234qwer!
    12345qwert 123456abc 123456aa 123456qwe 123456qwerty 12345678a 123456789a 123456789q 1234567890a
    987654321 9876543210 0987654321 1111111111 0000000000 1234512345 1231231234 1122334455 1212121212
    5201314 52013140 5201314520 520520520 woaini woaini1314 woaini520 woaini123 woaini12345 iloveyou
    iloveyou1 iloveyou123 iloveyou1314 5211314 1314520 13145200 131452000 woaiwojia aini1314 wangyang123
    zhang123456 li123456 wang123456 liu123456 chen123456 huang123456 zhangwei zhangwei123 wangwei123
    admin admin123 admin1234 admin12345 administrator root123456 welcome welcome1 welcome123 letmein
    letmein123 monkey dragon dragon123 master master123 football baseball sunshine sunshine123 princess
    princess123 shadow shadow123 superman superman123 batman batman123 starwars pokemon michael jennifer
    jordan23 trustno1 whatever 654321 666666 888888 88888888 8888888888 66666666 6666666666 11111111
    00000000 12341234 11223344 147258369 1472583690 159357 159753 147852369 741852963 789456123 7894561230
    456123789 qq123456 qq1234567 qq12345678 1qaz1qaz 2wsx3edc 3edc4rfv changeme changeme123 secret secret123
    linli123456 linli12345 test123456 test1234 testtest 12qwaszx 123qweasd 123qweasdzxc 123abc123 abc123abc
    computer computer123 internet internet123 hello123 hello12345 helloworld helloworld123 nihao123
    nihao123456 baobao1314 xiaoming123 love1314 love123456 lovelove 1234abcd 1234abcd! passpass mima123456
    mima12345678 woshishui 123456789abc
    """.split()
)


class PasswordStrength:
    """At least ``min_length`` characters, not only digits or only letters, and not a common password."""

    def __init__(self, min_length=10):
        self.min_length = min_length

    def __call__(self, form, field):
        value = field.data or ""
        if len(value) < self.min_length:
            raise ValidationError(_l("Use at least %(n)s characters.", n=self.min_length))
        if value.isdigit() or value.isalpha():
            raise ValidationError(_l("Mix letters with digits or symbols."))
        if value.lower() in COMMON_PASSWORDS:
            raise ValidationError(_l("This password is one of the most common ones; choose another."))


# --- helpers -------------------------------------------------------------------------------------


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


class NewPasswordForm(LinliForm):
    """A new password typed twice: the admin's reset and the user's own change."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=PASSWORD_MAX), PasswordStrength()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", _l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
