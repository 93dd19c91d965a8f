"""The input layer every form goes through (app/core/forms.py): what any input becomes, for every kind of
field, and that every form of the app has it."""

import importlib
import inspect
import pkgutil
import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import String, select
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.form import BaseForm
from wtforms.validators import DataRequired, Length, Optional

import app as app_package
from app.core.forms import (
    COMMON_PASSWORDS,
    DATE_MAX,
    DATE_MIN,
    INT_MAX,
    INT_MIN,
    LinliForm,
    LinliSubForm,
    MobileNumber,
    PasswordStrength,
    PhoneField,
    TelephoneField,
    choices,
    id_number_valid,
    normalise_phone,
    normalise_telephone,
    upper_strip_filter,
)
from app.core.models import User
from app.extensions import db
from tests.conftest import PASSWORD, page_text

# --- forms to try the layer on -------------------------------------------------------------------------


class Row(LinliSubForm):
    name = StringField(validators=[Optional(), Length(max=10)])


class Sample(LinliForm):
    line = StringField(validators=[Optional(), Length(max=20)])
    free = StringField()  # no Length of its own
    text = TextAreaField(validators=[Length(max=50)])
    secret = PasswordField()
    kind = SelectField(choices=choices([("a", "A"), ("b", "B")]), validators=[Optional()])
    needed = RadioField(choices=choices([("a", "A"), ("b", "B")]), validators=[DataRequired()])
    blank_offered = SelectField(choices=choices([("", "(all)"), ("a", "A")]))
    ref = SelectField(coerce=int, choices=choices([(0, "—"), (1, "x"), (2, "y")]), validators=[Optional()])
    loose = SelectField(coerce=int, validators=[Optional()], validate_choice=False)
    many = SelectMultipleField(coerce=int, choices=choices([(1, "x"), (2, "y")]), validators=[Optional()])
    count = IntegerField(validators=[Optional()])
    amount = DecimalField(validators=[Optional()])
    ratio = FloatField(validators=[Optional()])
    day = DateField(validators=[Optional()])
    moment = DateTimeLocalField(format="%Y-%m-%dT%H:%M", validators=[Optional()])
    lines = FieldList(StringField(validators=[Optional()]), min_entries=1)
    rows = FieldList(FormField(Row), min_entries=1)


def submit(app, form_class=Sample, **values):
    """The form filled in with ``values`` (each a string or a list of strings) and validated."""
    data = MultiDict()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    with app.test_request_context(method="POST"):
        form = form_class(formdata=data, meta={"csrf": False})
        valid = form.validate()
    return form, valid


def has_unwanted(value, one_line):
    for ch in value:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") and not (ch == "\t" or (ch == "\n" and not one_line)):
            return True
        if ch in "\ufffe\uffff" or "\ufdd0" <= ch <= "\ufdef":
            return True
        if one_line and ch in "\t\n\r\u2028\u2029\u200c\u200d":
            return True
        if ch in BIDI_CONTROLS or ch in ZERO_WIDTH:
            return True
    return False


BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff"


# Every character, controls, lone surrogates and non-characters included.
ANY_TEXT = st.text(
    st.one_of(st.characters(), st.characters(categories=["Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp", "Zs", "Nd"])),
    max_size=80,
)
LAYER = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# --- text ----------------------------------------------------------------------------------------------


@LAYER
@given(value=ANY_TEXT)
@example(value="\x00")
@example(value="a\x00b\r\nc\td\u2028e\x85f\ud800g\ufffeh")
@example(value=" \t\n ")
def test_any_text_comes_back_clean_and_bounded_or_as_a_field_error(app, value):
    form, _ = submit(app, line=value, free=value, text=value, **{"lines-0": value, "rows-0-name": value})
    for field, one_line in (
        (form.line, True),
        (form.free, True),
        (form.text, False),
        (form.lines[0], True),
        (form.rows[0].form.name, True),
    ):
        assert isinstance(field.data, str)
        assert not has_unwanted(field.data, one_line), (field.name, field.data)
        assert field.data == field.data.strip()
        assert len(field.data) <= maximum(field) or field.errors


def test_text_keeps_what_a_person_typed(app):
    form, _ = submit(app, line="  回龙苑 3幢\t302室 ", text="第一行\r\n\t第二行\r第三行  ", free="a\u2028b")
    assert not (form.line.errors or form.text.errors or form.free.errors)
    assert form.line.data == "回龙苑 3幢 302室"
    assert form.text.data == "第一行\n\t第二行\n第三行"
    assert form.free.data == "a b"


def test_invisible_characters_that_change_how_text_reads_are_removed(app):
    """A right-to-left override makes "张三\u202e3021" display as "张三1203"; a zero-width space makes "张三" and
    "张\u200b三" two different names that look alike. Emoji sequences keep their joiners in free text."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    form, _ = submit(
        app,
        line="张\u200b三\u202e3021\u202c",
        free="\ufeff回龙苑\u20663幢\u2069\u200d",
        text=f"第一行\u200f {family}\n\u2060第二行",
    )
    assert not (form.line.errors or form.text.errors or form.free.errors)
    assert form.line.data == "张三3021"
    assert form.free.data == "回龙苑3幢"
    assert form.text.data == f"第一行 {family}\n第二行"


def test_every_text_field_has_a_maximum(app):
    form, _ = submit(app)
    assert form.free.flags.maxlength == 255 and form.text.flags.maxlength == 50
    form, valid = submit(app, free="x" * 256)
    assert not valid and form.free.errors


@LAYER
@given(value=ANY_TEXT)
@example(value="secret\x00pass-1234")
def test_a_password_is_kept_as_typed_or_refused(app, value):
    form, _ = submit(app, secret=value)
    assert form.secret.data == value
    if has_unwanted(value, one_line=True) or len(value) > 200:
        assert form.secret.errors


# --- choices -------------------------------------------------------------------------------------------


INTEGER_TEXT = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(2**80), max_value=2**80).map(lambda n: f" {n} "),
    st.sampled_from(["99999999999999999999", "-99999999999999999999", "2147483648", "1e3", "０", "1_0", "0x1"]),
    ANY_TEXT,
)


@LAYER
@given(value=st.one_of(ANY_TEXT, st.sampled_from(["a", "b", "", " ", "\t", "a ", "A", "a\x00"])))
def test_any_string_given_to_a_choice_field_is_a_choice_or_an_error(app, value):
    form, _ = submit(app, kind=value, needed=value, blank_offered=value)
    assert form.kind.data in ("a", "b", None) or form.kind.errors
    if not value.strip():
        assert form.kind.data is None and not form.kind.errors  # optional: blank is no value
    assert form.needed.data in ("a", "b") or form.needed.errors
    assert form.blank_offered.data in ("", "a") or form.blank_offered.errors


@LAYER
@given(value=INTEGER_TEXT)
@example(value="99999999999999999999")
def test_any_string_given_to_an_id_choice_is_a_choice_or_an_error(app, value):
    form, _ = submit(app, ref=value, loose=value, many=[value, "1"])
    assert form.ref.data in (0, 1, 2, None) or form.ref.errors
    if form.ref.data is None and value.strip():
        assert form.ref.errors
    assert form.loose.data is None or INT_MIN <= form.loose.data <= INT_MAX
    assert form.many.errors or all(item in (1, 2) for item in form.many.data)


def test_an_id_beyond_the_database_is_not_a_valid_choice(app):
    form, valid = submit(app, ref="99999999999999999999", loose="99999999999999999999")
    assert not valid and form.ref.data is None and form.loose.data is None
    # in the request's language (Chinese by default), kept with the error when it is read after the request
    assert [str(error) for error in form.ref.errors] == ["不是有效的选择。"]


# --- numbers -------------------------------------------------------------------------------------------


@LAYER
@given(value=INTEGER_TEXT)
def test_any_integer_string_is_within_bounds_or_an_error(app, value):
    form, valid = submit(app, count=value)
    if form.count.errors:
        assert not valid
    else:
        assert form.count.data is None or INT_MIN <= form.count.data <= INT_MAX


@LAYER
@given(value=st.one_of(st.decimals().map(str), st.floats().map(str), st.sampled_from(["nan", "inf", "-inf", "1e400"])))
def test_any_decimal_is_finite_and_bounded_or_an_error(app, value):
    form, _ = submit(app, amount=value, ratio=value)
    for field in (form.amount, form.ratio):
        if not field.errors and field.data is not None:
            assert field.data.is_finite() if hasattr(field.data, "is_finite") else abs(field.data) <= 10**15
            assert -(10**15) <= field.data <= 10**15


# --- dates ---------------------------------------------------------------------------------------------


DATE_TEXT = st.one_of(
    st.dates().map(date.isoformat),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d")),
    st.sampled_from(["0001-01-01", "1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01", "9999-12-31"]),
    ANY_TEXT,
)


@LAYER
@given(value=DATE_TEXT)
def test_any_date_string_is_within_the_range_or_an_error(app, value):
    form, _ = submit(app, day=value)
    if not form.day.errors:
        assert form.day.data is None or DATE_MIN <= form.day.data <= DATE_MAX
    else:
        assert form.day.data is None  # a view that reads it anyway gets no value


@LAYER
@given(value=st.one_of(st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")), ANY_TEXT))
@example(value="0001-01-01T00:00")
def test_any_date_time_string_is_within_the_range_or_an_error(app, value):
    form, _ = submit(app, moment=value)
    if not form.moment.errors:
        assert form.moment.data is None or DATE_MIN <= form.moment.data.date() <= DATE_MAX


@pytest.mark.parametrize(
    "value,valid",
    [("1900-01-01", True), ("2100-12-31", True), ("1899-12-31", False), ("2101-01-01", False), ("0001-01-01", False)],
)
def test_the_date_range(app, value, valid):
    form, _ = submit(app, day=value)
    assert (not form.day.errors) == valid
    assert form.day.flags.min == "1900-01-01" and form.day.flags.max == "2100-12-31"


# --- phone numbers, ID numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("13９１２３４５６７８", "13912345678"),
        ("１３９－１２３４－５６７８", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("＋８６１３９１２３４５６７８", "13912345678"),
        ("0086-13912345678", "13912345678"),
        ("١٣٩١٢٣٤٥٦٧٨", "13912345678"),
        ("139\u20141234\u20145678", "13912345678"),
        ("139ー1234ー5678", "13912345678"),
    ],
)
def test_mobile_numbers_are_stored_in_ascii_digits(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("0572-1234567", "0572-1234567"),
        ("０５７１ ８８８８ ８８８８", "0571-88888888"),
        ("010-12345678", "010-12345678"),
        ("02112345678", "021-12345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("12345", "12345"),
    ],
)
def test_telephone_numbers_are_stored_in_one_form(typed, stored):
    assert normalise_telephone(typed) == stored


class Phones(LinliForm):
    mobile = PhoneField(validators=[Optional(), MobileNumber()])
    telephone = TelephoneField(validators=[Optional()])


@LAYER
@given(value=ANY_TEXT)
@example(value="13９１２３４５６７８")
@example(value="１２３")
def test_any_phone_number_is_ascii_digits_or_an_error(app, value):
    form, _ = submit(app, Phones, mobile=value, telephone=value)
    assert form.mobile.errors or not form.mobile.data or (form.mobile.data.isascii() and form.mobile.data.isdigit())
    telephone = form.telephone.data
    assert form.telephone.errors or not telephone or (telephone.isascii() and telephone.replace("-", "").isdigit())


def test_id_numbers_in_full_width_are_read_as_ascii():
    assert upper_strip_filter("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("１１０１０５１９４９１２３１００２X")


# --- passwords -----------------------------------------------------------------------------------------


class NewPassword(LinliForm):
    password = PasswordField(validators=[DataRequired(), PasswordStrength()])


@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "qwerty1234",
        "1234567890",
        "a123456789",
        "woaini1314",
        "Password123",
        "short-1",
        "onlyletterslong",
        "a-b-c-d-e",
    ],
)
def test_short_plain_and_common_passwords_are_refused(app, password):
    form, valid = submit(app, NewPassword, password=password)
    assert not valid and form.password.errors


@pytest.mark.parametrize("password", ["linli-reset-2026", "start-1234", "邻里互助服务-2026", PASSWORD])
def test_good_passwords_are_accepted(app, password):
    assert submit(app, NewPassword, password=password)[1]


def test_the_common_password_list():
    assert len(COMMON_PASSWORDS) >= 200
    assert all(password == password.lower() for password in COMMON_PASSWORDS)


def test_a_common_password_is_refused_over_http(app, client, login_as, world):
    user_id = login_as("mediator")
    with app.app_context():
        before = db.session.get(User, user_id).password_hash
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "woaini1314", "confirm": "woaini1314"}
    )
    assert response.status_code == 200
    text = page_text(response)
    assert any(message in text for message in common_password_messages(app))
    with app.app_context():
        assert db.session.get(User, user_id).password_hash == before


def common_password_messages(app):
    from flask_babel import force_locale

    from app.core.i18n import as_locale, gettext

    message = "This password is one of the most common ones; choose another."
    with app.test_request_context(), force_locale(as_locale("zh_CN")):
        return {gettext(message), message}


# --- every form of the app -----------------------------------------------------------------------------


def app_form_classes():
    """Every form class defined in a module of the app."""
    found = []
    for module_info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_form_of_the_app_is_built_on_the_input_layer():
    forms = app_form_classes()
    names = {cls.__name__ for cls in forms}
    assert {"CaseForm", "PartyForm", "SessionForm", "CaseFilterForm", "NewUserForm", "LoginForm"} <= names
    outside = [f"{cls.__module__}.{cls.__name__}" for cls in forms if not issubclass(cls, LinliForm)]
    assert outside == []


def instances(app):
    with app.test_request_context():
        for cls in app_form_classes():
            if cls in (LinliForm, LinliSubForm):
                continue
            yield cls, cls(formdata=None, meta={"csrf": False})


def text_fields(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from text_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from text_fields(field.form)
        elif isinstance(field, StringField) and field.type != "CSRFTokenField":
            yield field


def maximum(field):
    """The longest value the field takes: its Length, or a validator that takes nothing longer (MobileNumber)."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max != -1]
    limits += [v.longest for v in field.validators if hasattr(v, "longest")]
    return min(limits, default=None)


def test_every_text_field_of_the_app_has_a_maximum(app):
    for cls, form in instances(app):
        for field in text_fields(form):
            assert maximum(field) is not None, f"{cls.__name__}.{field.name}"


def columns_for():
    from app.admin import forms as admin
    from app.auth import forms as auth
    from app.core.models import Building, HandlingUnit, OrgUnit
    from app.mediation import forms as mediation
    from app.mediation.models import Agreement, Attachment, Case, CaseHelper, MediationSession, Party, Recusal, Studio

    return {
        admin.UnitForm: (OrgUnit, {}),
        admin.BuildingForm: (Building, {}),
        admin.HandlingUnitForm: (HandlingUnit, {}),
        admin.UserForm: (User, {}),
        admin.NewUserForm: (User, {}),
        auth.AccountForm: (User, {}),
        mediation.PartyForm: (Party, {}),
        mediation.CaseForm: (Case, {}),
        mediation.ReferForm: (Case, {"note": "referral_note"}),
        mediation.SessionForm: (MediationSession, {}),
        mediation.AgreementEditForm: (Agreement, {}),
        mediation.ConfirmationForm: (Agreement, {"court": "confirmation_court"}),
        mediation.HelperForm: (CaseHelper, {}),
        mediation.RecusalForm: (Recusal, {}),
        mediation.AttachmentForm: (Attachment, {}),
        mediation.StudioForm: (Studio, {}),
    }


def test_text_fields_fit_their_database_columns(app):
    checked = 0
    with app.test_request_context():
        for cls, (model, renamed) in columns_for().items():
            form = cls(formdata=None, meta={"csrf": False})
            for field in text_fields(form):
                column = model.__table__.columns.get(renamed.get(field.short_name, field.short_name))
                if column is None or not isinstance(column.type, String) or column.type.length is None:
                    continue
                assert maximum(field) <= column.type.length, f"{cls.__name__}.{field.short_name}"
                checked += 1
    assert checked >= 35


@pytest.mark.parametrize("length", [121, 500])
def test_a_value_too_long_for_its_column_is_a_field_error_over_http(app, client, login_as, world, length):
    login_as("admin")
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(db.metadata.tables["handling_units"]))
    response = client.post(
        "/admin/handling-units/new",
        data={
            "name": "派" * length,
            "kind": "police_station",
            "org_unit_id": str(world.street),
            "contact_phone": "0572-1234567" * 3,
        },
    )
    assert response.status_code == 200
    assert "派" * length in response.get_data(as_text=True)
    with app.app_context():
        after = db.session.scalar(select(db.func.count()).select_from(db.metadata.tables["handling_units"]))
    assert after == before


# --- filter forms built from the query string ----------------------------------------------------------


def test_the_audit_filter_takes_any_query_string(app, client, login_as, world):
    login_as("admin")
    for args in (
        {"action": "\x00"},
        {"actor": "陈\x00管理"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"target_type": "\x00"},
        {"action": "a" * 1000},
    ):
        assert client.get("/admin/audit", query_string=args, follow_redirects=True).status_code == 200, args


# --- rendering: the app's html_params writes what WTForms' writes ------------------------------------

ATTRIBUTE_NAMES = st.sampled_from(["id", "name", "value", "class_", "for_", "data_role_x", "aria_describedby", "x"])
ATTRIBUTE_VALUES = st.one_of(st.booleans(), st.integers(), st.text(max_size=30))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(ATTRIBUTE_NAMES, ATTRIBUTE_VALUES, max_size=6))
@example({"value": '"><script>alert(1)</script>', "class_": "a&b", "required": True, "disabled": False})
def test_the_apps_html_params_writes_what_wtforms_writes(attributes):
    from markupsafe import Markup
    from wtforms.widgets.core import html_params as wtforms_html_params

    from app.core.forms import html_params

    ours = html_params(**attributes)
    assert isinstance(ours, Markup)
    assert str(ours) == str(wtforms_html_params(**attributes))


def test_every_field_renders_as_wtforms_renders_it(app):
    """Each field of a LinliForm (its widget's attributes written by the app's html_params) renders the HTML its
    class's own WTForms widget renders for it, option by option."""
    from wtforms import BooleanField
    from wtforms.widgets import CheckboxInput, ListWidget

    from app.core.forms import LinliForm, choice_inputs, choices

    class Checkboxes(SelectMultipleField):
        widget = ListWidget(prefix_label=False)
        option_widget = CheckboxInput()

    class Everything(LinliForm):
        name = StringField("Name", render_kw={"autocomplete": "name"}, validators=[DataRequired(), Length(max=9)])
        note = TextAreaField("Note")
        sex = RadioField(
            "Sex", choices=choices([("f", 'F"<'), ("m", "M")]), validators=[DataRequired()], render_kw={"data-x": 1}
        )
        kind = SelectField("Kind", choices=choices([("a", "A&"), ("b", "B")]))
        teams = Checkboxes("Teams", choices=choices([("x", "X"), ("y", "Y")]))
        ok = BooleanField("OK")
        secret = PasswordField("Secret")
        day = DateField("Day")  # its min and max flags (the layer's bounds) become attributes

    data = MultiDict(
        [("name", 'Zhou "Xiu" <lan>'), ("sex", "f"), ("kind", "b"), ("teams", "y"), ("ok", "y"), ("day", "2026-11-30")]
    )
    with app.test_request_context():
        form = Everything(formdata=data, meta={"csrf": False})
        for field in form:
            original = type(field).widget
            if hasattr(type(original), "html_params"):  # WTForms' hook: inputs and buttons (not select, textarea)
                assert type(field.widget) is not type(original) and isinstance(field.widget, type(original))
            assert str(field()) == str(original(field, **(field.render_kw or {}))), field.name
            if hasattr(field, "option_widget"):
                extra = field.render_kw or {}
                for option in field:
                    assert str(option()) == str(type(field).option_widget(option, **extra)), field.name
            if field.type in ("RadioField", "Checkboxes"):  # the app's render_field writes options without them
                written = [(option_id, str(html), str(text)) for option_id, html, text in choice_inputs(field)]
                assert written == [(o.id, str(o()), str(o.label.text)) for o in field], field.name
        assert 'value="Zhou &#34;Xiu&#34; &lt;lan&gt;"' in str(form.name())
        assert 'maxlength="9"' in str(form.name()) and 'min="' in str(form.day()) and " required" in str(form.name())
