"""Mediation studio models: studios, dispute cases, parties, mediators, sessions, agreements, follow-ups,
attachments and the case timeline. Rules of the People's Mediation Law live in operations.py."""

import enum
from datetime import date
from functools import lru_cache

from flask_babel import get_locale
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.i18n import lazy_gettext as _l
from app.core.models import Building, OrgUnit, User, enum_check
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class TitledEnum(enum.StrEnum):
    """A string enum whose members carry a translated title (``TITLES`` is set after the class)."""

    @property
    def title(self):
        return self.TITLES[self]

    @classmethod
    def titles(cls):
        """{value: title} in the current language, for lists that show a title on every row."""
        return _translated_titles(cls, str(get_locale()))

    @classmethod
    def choices(cls):
        return [(str(m), m.title) for m in cls]


@lru_cache(maxsize=256)
def _translated_titles(enum_class, _locale):
    # the catalogs do not change while the process runs: one translation per title and language
    return {str(member): str(member.title) for member in enum_class}


class CaseSource(TitledEnum):
    party_application = "party_application"
    own_initiative = "own_initiative"
    grid_report = "grid_report"
    hotline_12345 = "hotline_12345"
    police_referral = "police_referral"
    court_referral = "court_referral"
    government_assignment = "government_assignment"


CaseSource.TITLES = {
    CaseSource.party_application: _l("Party application"),
    CaseSource.own_initiative: _l("Own initiative"),
    CaseSource.grid_report: _l("Grid report"),
    CaseSource.hotline_12345: _l("12345 hotline"),
    CaseSource.police_referral: _l("Police referral"),
    CaseSource.court_referral: _l("Court referral"),
    CaseSource.government_assignment: _l("Government assignment"),
}


class DisputeCategory(TitledEnum):
    marriage_family = "marriage_family"
    neighbour = "neighbour"
    housing_homestead = "housing_homestead"
    contract = "contract"
    production_business = "production_business"
    damages = "damages"
    forest_land = "forest_land"
    land_requisition = "land_requisition"
    environment = "environment"
    labour = "labour"
    consumer = "consumer"
    medical = "medical"
    traffic = "traffic"
    property_management = "property_management"
    other = "other"


DisputeCategory.TITLES = {
    DisputeCategory.marriage_family: _l("Marriage and family"),
    DisputeCategory.neighbour: _l("Neighbours"),
    DisputeCategory.housing_homestead: _l("Housing and homestead"),
    DisputeCategory.contract: _l("Contract"),
    DisputeCategory.production_business: _l("Production and business"),
    DisputeCategory.damages: _l("Damages"),
    DisputeCategory.forest_land: _l("Forest and land"),
    DisputeCategory.land_requisition: _l("Land requisition and demolition"),
    DisputeCategory.environment: _l("Environmental pollution"),
    DisputeCategory.labour: _l("Labour dispute"),
    DisputeCategory.consumer: _l("Consumer dispute"),
    DisputeCategory.medical: _l("Medical dispute"),
    DisputeCategory.traffic: _l("Road traffic"),
    DisputeCategory.property_management: _l("Property management"),
    DisputeCategory.other: _l("Other"),
}


class RiskLevel(TitledEnum):
    low = "low"
    medium = "medium"
    high = "high"


RiskLevel.TITLES = {RiskLevel.low: _l("Low"), RiskLevel.medium: _l("Medium"), RiskLevel.high: _l("High")}


class CaseStatus(TitledEnum):
    registered = "registered"
    accepted = "accepted"
    declined = "declined"
    referred = "referred"
    in_mediation = "in_mediation"
    agreement_reached = "agreement_reached"
    ended = "ended"
    withdrawn = "withdrawn"
    followed_up = "followed_up"
    archived = "archived"


CaseStatus.TITLES = {
    CaseStatus.registered: _l("Registered"),
    CaseStatus.accepted: _l("Accepted"),
    CaseStatus.declined: _l("Declined"),
    CaseStatus.referred: _l("Referred out"),
    CaseStatus.in_mediation: _l("In mediation"),
    CaseStatus.agreement_reached: _l("Agreement reached"),
    CaseStatus.ended: _l("Ended without agreement"),
    CaseStatus.withdrawn: _l("Withdrawn"),
    CaseStatus.followed_up: _l("Followed up"),
    CaseStatus.archived: _l("Archived"),
}

# The only status changes there are. Everything else is refused.
TRANSITIONS = {
    CaseStatus.registered: {CaseStatus.accepted, CaseStatus.declined, CaseStatus.referred, CaseStatus.withdrawn},
    CaseStatus.accepted: {CaseStatus.in_mediation, CaseStatus.referred, CaseStatus.withdrawn},
    CaseStatus.in_mediation: {CaseStatus.agreement_reached, CaseStatus.ended, CaseStatus.withdrawn},
    CaseStatus.agreement_reached: {CaseStatus.followed_up},
    CaseStatus.followed_up: {CaseStatus.archived},
    CaseStatus.declined: {CaseStatus.archived},
    CaseStatus.referred: {CaseStatus.archived},
    CaseStatus.ended: {CaseStatus.archived},
    CaseStatus.withdrawn: {CaseStatus.archived},
    CaseStatus.archived: set(),
}
OPEN_STATUSES = (CaseStatus.registered, CaseStatus.accepted, CaseStatus.in_mediation)
# Statuses in which the one-month limit runs.
RUNNING_STATUSES = (CaseStatus.accepted, CaseStatus.in_mediation)
HELPER_STATUSES = (CaseStatus.registered, CaseStatus.accepted, CaseStatus.in_mediation, CaseStatus.agreement_reached)


def days_left(status, due_on, today):
    """Days until the one-month limit of a running case (negative: overdue); None for other cases."""
    if status not in RUNNING_STATUSES or due_on is None:
        return None
    return (due_on - today).days


DUE_SOON_DAYS = 5  # a running case this close to its one-month limit is flagged


class CaseSummary:
    """What a case shows wherever it is listed: its status, its one-month limit and its title. Shared by
    Case and the plain rows of the lists (operations.CaseListItem); needs ``status``, ``due_on`` and
    ``parties`` (with ``name`` and ``role``)."""

    __slots__ = ()

    @property
    def status_enum(self):
        return CaseStatus(self.status)

    def days_left(self, today):
        return days_left(self.status, self.due_on, today)

    def is_overdue(self, today):
        left = self.days_left(today)
        return left is not None and left < 0

    def is_due_soon(self, today, days=DUE_SOON_DAYS):
        left = self.days_left(today)
        return left is not None and 0 <= left <= days

    @property
    def title(self):
        """"applicant — respondent" (the first of each)."""
        first = next((p.name for p in self.parties if p.role == PartyRole.applicant), "")
        second = next((p.name for p in self.parties if p.role == PartyRole.respondent), "")
        return f"{first} — {second}" if first and second else first or second
CLOSED_STATUSES = (CaseStatus.agreement_reached, CaseStatus.ended, CaseStatus.withdrawn, CaseStatus.followed_up,
                   CaseStatus.declined, CaseStatus.referred, CaseStatus.archived)


class PartyRole(TitledEnum):
    applicant = "applicant"
    respondent = "respondent"
    other = "other"


PartyRole.TITLES = {PartyRole.applicant: _l("Applicant"), PartyRole.respondent: _l("Respondent"),
                    PartyRole.other: _l("Other party")}


class Sex(TitledEnum):
    male = "male"
    female = "female"


Sex.TITLES = {Sex.male: _l("Male"), Sex.female: _l("Female")}


class HelperKind(TitledEnum):
    co_mediator = "co_mediator"
    legal_adviser = "legal_adviser"
    psychologist = "psychologist"
    police_officer = "police_officer"
    expert = "expert"
    other = "other"


HelperKind.TITLES = {
    HelperKind.co_mediator: _l("Co-mediator"),
    HelperKind.legal_adviser: _l("Legal adviser"),
    HelperKind.psychologist: _l("Psychologist"),
    HelperKind.police_officer: _l("Police officer"),
    HelperKind.expert: _l("Specialist"),
    HelperKind.other: _l("Other helper"),
}


class AgreementForm(TitledEnum):
    written = "written"
    oral = "oral"


AgreementForm.TITLES = {AgreementForm.written: _l("Written agreement"), AgreementForm.oral: _l("Oral agreement")}


class ConfirmationResult(TitledEnum):
    pending = "pending"
    confirmed = "confirmed"
    rejected = "rejected"


ConfirmationResult.TITLES = {ConfirmationResult.pending: _l("Waiting for the court"),
                             ConfirmationResult.confirmed: _l("Confirmed by the court"),
                             ConfirmationResult.rejected: _l("Not confirmed by the court")}


class FollowUpMethod(TitledEnum):
    phone = "phone"
    doorstep = "doorstep"


FollowUpMethod.TITLES = {FollowUpMethod.phone: _l("By phone"), FollowUpMethod.doorstep: _l("Door-step visit")}


class Performance(TitledEnum):
    performed = "performed"
    partly = "partly"
    not_performed = "not_performed"


Performance.TITLES = {Performance.performed: _l("Performed"), Performance.partly: _l("Partly performed"),
                      Performance.not_performed: _l("Not performed")}


class Satisfaction(TitledEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


Satisfaction.TITLES = {Satisfaction.satisfied: _l("Satisfied"),
                       Satisfaction.basically_satisfied: _l("Basically satisfied"),
                       Satisfaction.unsatisfied: _l("Unsatisfied")}


class AttachmentKind(TitledEnum):
    photo = "photo"
    evidence = "evidence"
    receipt = "receipt"
    party_id = "party_id"
    power_of_attorney = "power_of_attorney"
    investigation = "investigation"
    signed_agreement = "signed_agreement"
    court_papers = "court_papers"
    other = "other"


AttachmentKind.TITLES = {
    AttachmentKind.photo: _l("Photo"),
    AttachmentKind.evidence: _l("Evidence"),
    AttachmentKind.receipt: _l("Performance receipt"),
    AttachmentKind.party_id: _l("Copy of a party's ID"),
    AttachmentKind.power_of_attorney: _l("Power of attorney"),
    AttachmentKind.investigation: _l("Investigation record"),
    AttachmentKind.signed_agreement: _l("Signed agreement (scan)"),
    AttachmentKind.court_papers: _l("Court confirmation papers"),
    AttachmentKind.other: _l("Other document"),
}


class Studio(db.Model):
    """A mediation studio (调解工作室) of a community's people's mediation committee."""

    __tablename__ = "mediation_studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    committee_name: Mapped[str] = mapped_column(String(120))
    number_prefix: Mapped[str] = mapped_column(String(20))
    # Made of {prefix}, {year} and {seq}; e.g. 回龙调〔2026〕第012号
    number_format: Mapped[str] = mapped_column(String(60), default="{prefix}〔{year}〕第{seq:03d}号")
    follow_up_days: Mapped[int] = mapped_column(default=30)
    retention_years: Mapped[int] = mapped_column(default=10)
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))

    org_unit: Mapped[OrgUnit] = relationship()

    def format_number(self, year, seq):
        return self.number_format.format(prefix=self.number_prefix, year=year, seq=seq)

    def can_edit(self, user):
        from app.core import permissions

        return (permissions.has_role(user, "admin", "mediator")
                and permissions.unit_in_scope(user, self.org_unit))


class Case(CaseSummary, db.Model):
    """A dispute case (纠纷案件), from intake to archive."""

    __tablename__ = "mediation_cases"
    __table_args__ = (
        UniqueConstraint("studio_id", "year", "seq"),
        enum_check("status", "status", CaseStatus),
        enum_check("source", "source", CaseSource),
        enum_check("category", "category", DisputeCategory),
        enum_check("risk_level", "risk_level", RiskLevel),
        CheckConstraint("(status != 'archived') OR (archived_at IS NOT NULL)", name="archived_has_time"),
        CheckConstraint("(status != 'declined') OR (decline_reason IS NOT NULL)", name="declined_has_reason"),
        CheckConstraint("(status != 'referred') OR (referred_to IS NOT NULL)", name="referred_has_target"),
        CheckConstraint("(accepted_on IS NULL) OR (presiding_mediator_id IS NOT NULL)",
                        name="accepted_has_mediator"),
        Index("ix_mediation_cases_status_due", "status", "due_on"),
        Index("ix_mediation_cases_status_id", "status", "id"),
        Index("ix_mediation_cases_presiding_due", "presiding_mediator_id", "due_on"),
        Index("ix_mediation_cases_unit_created", "org_unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Optimistic locking: every UPDATE of a case checks and raises the version, so of two requests that
    # change the same case at the same moment (one accepts, the other declines) the second fails with
    # StaleDataError instead of overwriting the first (see app.mediation.views.run).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    studio_id: Mapped[int] = mapped_column(ForeignKey("mediation_studios.id"))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(60), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)  # the community
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    room: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200), index=True)

    source: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32), index=True)
    summary: Mapped[str] = mapped_column(Text)
    requests: Mapped[str | None] = mapped_column(Text)
    risk_level: Mapped[str] = mapped_column(String(8), default="low")
    may_escalate: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(24), default="registered", index=True)

    occurred_on: Mapped[date | None] = mapped_column(Date)
    registered_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    archived_at: Mapped[object | None] = mapped_column(UTCDateTime)

    presiding_mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # grid worker

    decline_reason: Mapped[str | None] = mapped_column(Text)
    referred_to: Mapped[str | None] = mapped_column(String(200))
    referral_note: Mapped[str | None] = mapped_column(Text)
    end_reason: Mapped[str | None] = mapped_column(Text)
    other_routes: Mapped[str | None] = mapped_column(Text)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)

    rights_notice_on: Mapped[date | None] = mapped_column(Date)
    rights_notice_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    file_number: Mapped[str | None] = mapped_column(String(60))
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retention_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    studio: Mapped[Studio] = relationship()
    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id])
    grid: Mapped[OrgUnit | None] = relationship(foreign_keys=[grid_id])
    building: Mapped[Building | None] = relationship()
    presiding_mediator: Mapped[User | None] = relationship(foreign_keys=[presiding_mediator_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    referred_by: Mapped[User | None] = relationship(foreign_keys=[referred_by_id])
    rights_notice_by: Mapped[User | None] = relationship(foreign_keys=[rights_notice_by_id])
    archived_by: Mapped[User | None] = relationship(foreign_keys=[archived_by_id])

    parties: Mapped[list["Party"]] = relationship(back_populates="case", order_by="Party.position",
                                                  cascade="all, delete-orphan")
    helpers: Mapped[list["CaseHelper"]] = relationship(back_populates="case", order_by="CaseHelper.id",
                                                       cascade="all, delete-orphan")
    sessions: Mapped[list["MediationSession"]] = relationship(back_populates="case",
                                                              order_by="MediationSession.started_at",
                                                              cascade="all, delete-orphan")
    agreement: Mapped["Agreement | None"] = relationship(back_populates="case", cascade="all, delete-orphan")
    follow_ups: Mapped[list["FollowUp"]] = relationship(back_populates="case", order_by="FollowUp.due_on",
                                                        cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="case", order_by="Attachment.id",
                                                           cascade="all, delete-orphan")
    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case", order_by="CaseEvent.id",
                                                     cascade="all, delete-orphan")
    recusals: Mapped[list["Recusal"]] = relationship(back_populates="case", order_by="Recusal.id",
                                                     cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Case {self.id} {self.number} {self.status}>"

    @property
    def source_enum(self):
        return CaseSource(self.source)

    @property
    def category_enum(self):
        return DisputeCategory(self.category)

    @property
    def risk_enum(self):
        return RiskLevel(self.risk_level)

    @property
    def is_read_only(self):
        return self.status == CaseStatus.archived

    @property
    def takes_helpers(self):
        """Co-mediators and specialists join a case while it is open: not yet decided, being mediated, or
        agreed and waiting for its follow-up visit."""
        return self.status in HELPER_STATUSES

    def allows(self, status):
        return CaseStatus(status) in TRANSITIONS[self.status_enum]

    def parties_with_role(self, role):
        return [p for p in self.parties if p.role == role]

    @property
    def applicants(self):
        return self.parties_with_role(PartyRole.applicant)

    @property
    def respondents(self):
        return self.parties_with_role(PartyRole.respondent)


    # who may do what -----------------------------------------------------------------------
    def mediator_ids(self):
        """The case's own mediators: the presiding one, active co-mediators, and whoever registered it
        (responsible for it until another mediator presides)."""
        ids = {h.user_id for h in self.helpers if h.user_id and h.active}
        if self.presiding_mediator_id:
            ids.add(self.presiding_mediator_id)
        elif self.registered_by_id:
            ids.add(self.registered_by_id)
        return ids

    def is_case_mediator(self, user):
        return getattr(user, "is_authenticated", False) and user.id in self.mediator_ids()

    def can_view(self, user):
        """Studio staff in scope see the case page (with masked numbers unless can_see_private)."""
        from app.core import permissions

        return permissions.has_role(user, "admin", "mediator") and permissions.unit_in_scope(user, self.org_unit)

    def can_view_status(self, user):
        """The grid worker who referred the case sees its status only."""
        return self.can_view(user) or (
            getattr(user, "is_authenticated", False) and self.referred_by_id == user.id)

    def can_see_private(self, user):
        """Full phone and ID numbers: the case's own mediators and admins."""
        from app.core import permissions

        return self.can_view(user) and (permissions.is_admin(user) or self.is_case_mediator(user))

    def can_manage(self, user):
        """Accept, decline, refer: any mediator of the studio (or an admin) while the case is registered;
        afterwards only the case's mediators and admins."""
        from app.core import permissions

        if not self.can_view(user) or self.is_read_only:
            return False
        if permissions.is_admin(user) or self.is_case_mediator(user):
            return True
        return self.status == CaseStatus.registered

    def can_edit(self, user):
        from app.core import permissions

        return (self.can_view(user) and not self.is_read_only
                and (permissions.is_admin(user) or self.is_case_mediator(user)))


class Party(db.Model):
    """A party of a case (当事人)."""

    __tablename__ = "mediation_parties"
    __table_args__ = (enum_check("role", "role", PartyRole), Index("ix_mediation_parties_name", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    sex: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(11), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(200), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    room: Mapped[str | None] = mapped_column(String(30))
    representative: Mapped[str | None] = mapped_column(String(120))

    case: Mapped[Case] = relationship(back_populates="parties")
    building: Mapped[Building | None] = relationship()

    @property
    def role_enum(self):
        return PartyRole(self.role)

    @property
    def sex_enum(self):
        return Sex(self.sex) if self.sex else None

    @property
    def masked_phone(self):
        return mask(self.phone, 3, 4)

    @property
    def masked_id_number(self):
        return mask(self.id_number, 4, 2)


def mask(value, keep_start, keep_end):
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


class CaseHelper(db.Model):
    """A co-mediator or an invited specialist on a case."""

    __tablename__ = "mediation_case_helpers"
    __table_args__ = (enum_check("kind", "kind", HelperKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    organisation: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    case: Mapped[Case] = relationship(back_populates="helpers")
    user: Mapped[User | None] = relationship()

    @property
    def kind_enum(self):
        return HelperKind(self.kind)


class Recusal(db.Model):
    """A party's request that a mediator step aside (回避), and who replaced them."""

    __tablename__ = "mediation_recusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    mediator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    replacement_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="recusals")
    mediator: Mapped[User] = relationship(foreign_keys=[mediator_id])
    replacement: Mapped[User] = relationship(foreign_keys=[replacement_id])


class MediationSession(db.Model):
    """A session record (调解笔录)."""

    __tablename__ = "mediation_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[object] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(120))
    is_open: Mapped[bool] = mapped_column(default=True)
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    attendees: Mapped[str] = mapped_column(Text)
    applicant_statement: Mapped[str] = mapped_column(Text)
    respondent_statement: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    recorder: Mapped[str | None] = mapped_column(String(60))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="sessions")


class Agreement(db.Model):
    """A written agreement (调解协议书) or an entry of the oral-agreement register."""

    __tablename__ = "mediation_agreements"
    __table_args__ = (
        enum_check("form", "form", AgreementForm),
        CheckConstraint("(form != 'oral') OR (oral_note IS NOT NULL)", name="oral_has_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # optimistic locking, as for cases; the correction forms also carry it (see operations.check_version)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), unique=True)
    form: Mapped[str] = mapped_column(String(8))
    concluded_on: Mapped[date] = mapped_column(Date)
    facts: Mapped[str] = mapped_column(Text)
    issues: Mapped[str] = mapped_column(Text)
    responsibilities: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    performance_method: Mapped[str | None] = mapped_column(String(200))
    performance_place: Mapped[str | None] = mapped_column(String(200))
    performance_deadline: Mapped[date | None] = mapped_column(Date)
    oral_note: Mapped[str | None] = mapped_column(Text)
    confirmation_applied_on: Mapped[date | None] = mapped_column(Date)
    confirmation_court: Mapped[str | None] = mapped_column(String(120))
    confirmation_result: Mapped[str | None] = mapped_column(String(16))
    confirmation_result_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="agreement")

    @property
    def form_enum(self):
        return AgreementForm(self.form)

    @property
    def confirmation_result_enum(self):
        return ConfirmationResult(self.confirmation_result) if self.confirmation_result else None

    @property
    def copies(self):
        """One copy per party plus one for the file."""
        return len(self.case.parties) + 1

    def confirmation_deadline(self):
        """Parties may apply for judicial confirmation within 30 days after the agreement takes effect."""
        from datetime import timedelta

        return self.concluded_on + timedelta(days=30)


class FollowUp(db.Model):
    """A follow-up visit (回访): scheduled after an agreement, recorded when done."""

    __tablename__ = "mediation_follow_ups"
    __table_args__ = (Index("ix_mediation_follow_ups_due", "done_on", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(16))
    performance: Mapped[str | None] = mapped_column(String(16))
    applicant_satisfaction: Mapped[str | None] = mapped_column(String(24))
    respondent_satisfaction: Mapped[str | None] = mapped_column(String(24))
    flare_up: Mapped[bool] = mapped_column(default=False)
    lawsuit: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="follow_ups")
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    def is_overdue(self, today):
        return self.done_on is None and self.due_on < today

    @property
    def performance_enum(self):
        return Performance(self.performance) if self.performance else None


class Attachment(db.Model):
    """A file kept with a case: photos of the leak, receipts, the signed agreement scan ..."""

    __tablename__ = "mediation_attachments"
    __table_args__ = (enum_check("kind", "kind", AttachmentKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str | None] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def kind_enum(self):
        return AttachmentKind(self.kind)


class CaseEvent(db.Model):
    """One entry of the case timeline."""

    __tablename__ = "mediation_case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    summary: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
