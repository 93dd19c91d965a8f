from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.core.forms import (
    IdNumber,
    IdNumberField,
    LinliForm,
    LinliSubForm,
    MobileNumber,
    PhoneField,
    TelephoneField,
    ascii_digits,
    choices,
)
from app.core.i18n import lazy_gettext as _l
from app.core.types import utcnow
from app.mediation.models import AgreementForm as AgreementKind
from app.mediation.models import (
    AttachmentKind,
    CaseSource,
    CaseStatus,
    ConfirmationResult,
    DisputeCategory,
    FollowUpMethod,
    HelperKind,
    PartyRole,
    Performance,
    RiskLevel,
    Satisfaction,
    Sex,
)

TEXT = 2000
LONG_TEXT = 8000


def local_now(step=5):
    """Now where the community is, rounded down to ``step`` minutes (a time field's first value: 14:35)."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    now = utcnow().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return now.replace(minute=now.minute - now.minute % step, second=0, microsecond=0, tzinfo=None)


def required(message=None):
    return DataRequired(message or _l("This field is required."))


def text_area(label, max_length=TEXT, needed=True, **kwargs):
    validators = [required()] if needed else [Optional()]
    validators.append(Length(max=max_length, message=_l("Keep it under %(max)d characters.", max=max_length)))
    return TextAreaField(
        label,
        validators=validators,
        render_kw={"rows": kwargs.pop("rows", 3), "maxlength": max_length},
        **kwargs,
    )


def text(label, max_length=120, needed=True, **kwargs):
    validators = [required()] if needed else [Optional()]
    validators.append(Length(max=max_length, message=_l("Keep it under %(max)d characters.", max=max_length)))
    return StringField(label, validators=validators, render_kw={"maxlength": max_length}, **kwargs)


class PartyForm(LinliSubForm):
    role = SelectField(_l("Role"), choices=choices(PartyRole.choices()))
    name = text(_l("Full name"), 60, needed=False)
    sex = SelectField(_l("Sex"), choices=choices([("", "—")] + Sex.choices()), validators=[Optional()])
    # required for an applicant: the intake marks it on the applicant's rows (CaseForm.mark_required)
    phone = PhoneField(_l("Mobile number"), validators=[Optional(), MobileNumber()])
    id_number = IdNumberField(
        _l("ID number"),
        validators=[Optional(), IdNumber()],
        description=_l("18 characters. The case file needs it (or a copy of the ID) before it is archived."),
    )
    # the party's home is the place of the dispute (its building, and its room unless another one is typed):
    # nothing to choose or type twice
    at_place = BooleanField(_l("Lives at the place of the dispute"))
    room = text(_l("Room"), 30, needed=False, description=_l("Only if another room than the place's, e.g. 402."))
    address = text(_l("Home address"), 200, needed=False)
    building_id = SelectField(_l("Lives in building"), coerce=int, validators=[Optional()])
    age = IntegerField(
        _l("Age"),
        validators=[Optional(), NumberRange(0, 150, message=_l("Enter an age between 0 and 150."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 150},
    )
    ethnicity = text(_l("Ethnicity"), 20, needed=False, description=_l("E.g. Han."))
    occupation = text(_l("Occupation"), 60, needed=False)
    representative = text(
        _l("Representative or agent"),
        120,
        needed=False,
        description=_l("Name, relationship and phone, if someone acts for this party."),
    )

    def is_empty(self):
        return not any((self.name.data, self.phone.data, self.id_number.data, self.address.data))

    def mark_required(self):
        """The applicant's mobile number is required: its label says so (the role may change on the page)."""
        self.phone.flags.required = self.role.data == PartyRole.applicant

    def data_for_case(self):
        """What the operation stores of this party (``at_place``: its home is the place of the dispute)."""
        data = {
            key: self[key].data or None
            for key in (
                "role",
                "name",
                "sex",
                "phone",
                "id_number",
                "address",
                "building_id",
                "room",
                "ethnicity",
                "occupation",
                "representative",
            )
        }
        data.update(age=self.age.data, at_place=bool(self.at_place.data))
        return data


class PartyEditForm(LinliForm):
    """A party's details corrected or completed on a case (its role stays what the intake made it)."""

    name = text(_l("Full name"), 60)
    sex = PartyForm.sex
    phone = PartyForm.phone
    id_number = PartyForm.id_number
    building_id = PartyForm.building_id
    room = text(_l("Room"), 30, needed=False)
    address = PartyForm.address
    age = PartyForm.age
    ethnicity = PartyForm.ethnicity
    occupation = PartyForm.occupation
    representative = PartyForm.representative

    FIELDS = ("name", "sex", "phone", "id_number", "building_id", "room", "address", "age", "ethnicity", "occupation")

    def party_data(self):
        data = {key: self[key].data or None for key in (*self.FIELDS, "representative")}
        data["age"] = self.age.data
        return data


class CaseForm(LinliForm):
    # 口头申请 first: most disputes are brought to the studio by word of mouth
    source = SelectField(_l("Source"), choices=choices(CaseSource.choices()), default=str(CaseSource.oral_application))
    reported_by_id = SelectField(
        _l("Reported by grid worker"),
        coerce=int,
        default=0,
        validators=[Optional()],
        description=_l("For a grid report: the grid worker is told how the case goes, and sees its status only."),
    )
    category = SelectField(
        _l("Dispute category"), choices=choices(DisputeCategory.choices()), default=str(DisputeCategory.neighbour)
    )
    summary = text_area(_l("What happened"), rows=4)
    requests = text_area(_l("The parties' requests"), needed=False)
    risk_level = RadioField(_l("Risk level"), choices=choices(RiskLevel.choices()), default=str(RiskLevel.low))
    may_escalate = BooleanField(_l("May escalate"))
    occurred_on = DateField(_l("Dispute began on"), validators=[Optional()])
    registered_on = DateField(_l("Registered on"), validators=[required()])
    building_id = SelectField(
        _l("Building"),
        coerce=int,
        validators=[Optional()],
        description=_l("Its grid and community are taken from it."),
    )
    room = text(_l("Room"), 30, needed=False)
    address = text(
        _l("Place in words"),
        200,
        needed=False,
        description=_l("Only if there is more to say than the building and room: the estate, or a spot outside."),
    )
    grid_id = SelectField(
        _l("Grid"), coerce=int, validators=[Optional()], description=_l("Only for a place outside the buildings.")
    )
    parties = FieldList(FormField(PartyForm), min_entries=2, max_entries=20)

    def party_rows(self):
        """The parties that were filled in (empty rows are ignored)."""
        return [entry for entry in self.parties if not entry.form.is_empty()]

    def mark_required(self):
        for entry in self.parties:
            entry.form.mark_required()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        rows = self.party_rows()
        for entry in rows:
            if not entry.form.name.data:
                entry.form.name.errors = list(entry.form.name.errors) + [_l("Enter the party's name.")]
                ok = False
            if entry.form.role.data == PartyRole.applicant and not entry.form.phone.data:
                entry.form.phone.errors = list(entry.form.phone.errors) + [
                    _l("Enter the applicant's mobile number, so the studio can reach them.")
                ]
                ok = False
        self.party_errors = []
        if not any(entry.form.role.data == PartyRole.applicant for entry in rows):
            self.party_errors.append(_l("Enter at least one applicant."))
            ok = False
        return ok


class AcceptForm(LinliForm):
    presiding_mediator_id = SelectField(_l("Presiding mediator"), coerce=int, validators=[required()])
    accepted_on = DateField(_l("Accepted on"), validators=[required()])


class ReasonForm(LinliForm):
    reason = text_area(_l("Reason"))


class ReferForm(LinliForm):
    referred_to = text(
        _l("Referred to"), 200, description=_l("E.g. the police station, the court, the labour arbitration committee.")
    )
    note = text_area(_l("Note"), needed=False)


class EndForm(LinliForm):
    reason = text_area(_l("Why mediation ended without agreement"))
    other_routes = text_area(
        _l("Other routes the parties were told about"),
        description=_l("E.g. a lawsuit at the people's court, arbitration, an administrative department."),
    )


class ExtendForm(LinliForm):
    until = DateField(_l("New deadline"), validators=[required()])
    reason = text_area(_l("Reason for the extension"))
    both_consent = BooleanField(_l("Both parties agreed to the extension"))


class RightsNoticeForm(LinliForm):
    given_on = DateField(_l("Rights notice given on"), validators=[required()])


class SessionForm(LinliForm):
    started_at = DateTimeLocalField(_l("Time"), format="%Y-%m-%dT%H:%M", validators=[required()])
    place = text(_l("Place"), 120)
    is_open = BooleanField(_l("Open session (relatives and neighbours may attend)"), default=True)
    closed_reason = text(_l("Why the session is closed"), 200, needed=False)
    attendees = text_area(_l("Attendees"), rows=2)
    applicant_statement = text_area(_l("Applicant's statement"), LONG_TEXT, rows=4)
    respondent_statement = text_area(_l("Respondent's statement"), LONG_TEXT, rows=4)
    evidence = text_area(_l("Evidence checked"), LONG_TEXT, needed=False)
    outcome = text_area(_l("Outcome, or why no agreement yet"), LONG_TEXT)
    recorder = text(_l("Recorded by"), 60, needed=False)


class AgreementEditForm(LinliForm):
    version = HiddenField()  # of the agreement being corrected
    form = RadioField(
        _l("Form of the agreement"), choices=choices(AgreementKind.choices()), default=str(AgreementKind.written)
    )
    concluded_on = DateField(_l("Concluded on"), validators=[required()])
    facts = text_area(_l("Main facts"), LONG_TEXT, rows=4)
    issues = text_area(_l("Points in dispute"), LONG_TEXT)
    responsibilities = text_area(_l("Each side's responsibility"), LONG_TEXT, needed=False)
    terms = text_area(_l("Agreed rights and obligations"), LONG_TEXT, rows=5)
    performance_method = text(_l("Method of performance"), 200, needed=False)
    performance_place = text(_l("Place of performance"), 200, needed=False)
    performance_deadline = DateField(_l("Performance deadline"), validators=[Optional()])
    oral_note = text_area(_l("Mediator's note of the oral agreement"), LONG_TEXT, needed=False)


class ConfirmationForm(LinliForm):
    version = HiddenField()  # of the agreement
    applied_on = DateField(_l("Applied on"), validators=[required()])
    court = text(_l("Court"), 120)
    result = SelectField(_l("Result"), choices=choices(ConfirmationResult.choices()))
    result_on = DateField(_l("Decided on"), validators=[Optional()])


class FollowUpForm(LinliForm):
    done_on = DateField(_l("Visited on"), validators=[required()])
    method = RadioField(_l("Method"), choices=choices(FollowUpMethod.choices()), default=str(FollowUpMethod.phone))
    performance = RadioField(
        _l("Was the agreement performed?"),
        choices=choices(Performance.choices()),
        validators=[required(_l("Say whether the agreement was performed."))],
    )
    applicant_satisfaction = RadioField(
        _l("Applicant's satisfaction"),
        choices=choices(Satisfaction.choices()),
        validators=[required(_l("Record the applicant's satisfaction."))],
    )
    respondent_satisfaction = RadioField(
        _l("Respondent's satisfaction"),
        choices=choices(Satisfaction.choices()),
        validators=[required(_l("Record the respondent's satisfaction."))],
    )
    flare_up = BooleanField(_l("Signs that the dispute may flare up again"))
    lawsuit = BooleanField(_l("A party has gone to court"))
    note = text_area(_l("Note"), needed=False)
    next_visit_on = DateField(_l("Schedule another visit on"), validators=[Optional()])


class HelperForm(LinliForm):
    kind = SelectField(_l("Role on the case"), choices=choices(HelperKind.choices()))
    user_id = SelectField(_l("Mediator of the studio"), coerce=int, validators=[Optional()])
    name = text(_l("Name (if not a user of Linli)"), 60, needed=False)
    organisation = text(_l("Organisation"), 120, needed=False)


class RecusalForm(LinliForm):
    mediator_id = SelectField(_l("Mediator asked to step aside"), coerce=int, validators=[required()])
    replacement_id = SelectField(_l("Replaced by"), coerce=int, validators=[required()])
    requested_by = text(_l("Requested by (party)"), 60)
    reason = text_area(_l("Reason given"))


class AttachmentForm(LinliForm):
    kind = SelectField(_l("Kind of document"), choices=choices(AttachmentKind.choices()))
    title = text(_l("Description"), 120, needed=False)
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        description=_l("Photos (JPEG, PNG, WebP, GIF) or PDF, up to 10 MB."),
        render_kw={"accept": "image/*,application/pdf"},
    )


class ConfirmForm(LinliForm):
    """A button that changes something and asks nothing (archive ...)."""


class CaseFilterForm(LinliForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=60)],
        # a number typed with a Chinese keyboard's full-width digits (１３９…) finds the case stored in ASCII
        filters=[ascii_digits],
        description=_l("Case number, party name, phone or address."),
    )
    status = SelectField(
        _l("Status"), choices=choices([("", _l("(all)"))] + CaseStatus.choices()), validators=[Optional()]
    )
    category = SelectField(
        _l("Dispute category"),
        choices=choices([("", _l("(all)"))] + DisputeCategory.choices()),
        validators=[Optional()],
    )
    # any id is harmless here (the list is scoped anyway): skip WTForms' walk through long choice lists
    community = SelectField(_l("Community"), coerce=int, validators=[Optional()], validate_choice=False)
    mediator = SelectField(_l("Mediator"), coerce=int, validators=[Optional()], validate_choice=False)
    grid = SelectField(_l("Grid"), coerce=int, validators=[Optional()], validate_choice=False)
    overdue = BooleanField(_l("Only overdue or due soon"))


class StudioForm(LinliForm):
    name = text(_l("Studio name"), 100)
    committee_name = text(_l("People's mediation committee"), 120)
    number_prefix = text(_l("Case number prefix"), 20)
    number_format = text(
        _l("Case number format"),
        60,
        description=_l("Use {prefix}, {year} and {seq}, e.g. {prefix}〔{year}〕第{seq:03d}号"),
    )
    follow_up_days = IntegerField(_l("Follow-up visit after (days)"), validators=[required(), NumberRange(1, 365)])
    retention_years = IntegerField(_l("Keep archived files for (years)"), validators=[required(), NumberRange(1, 100)])
    address = text(_l("Address"), 200, needed=False)
    phone = TelephoneField(_l("Phone"), validators=[Optional(), Length(max=20)])


class StatsForm(LinliForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
