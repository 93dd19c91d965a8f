"""Mediation studio models: studios, dispute cases, parties, mediators, sessions, agreements, follow-ups,
attachments and the case timeline. Rules of the People's Mediation Law live in operations.py."""

from datetime import date, timedelta

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import permissions, records
from app.core.enums import enum_column
from app.core.models import Building, OrgUnit, User
from app.core.roles import Role
from app.core.types import UTCDateTime, utcnow
from app.extensions import db
from app.mediation.enums import (  # noqa: F401  (the enums are part of the models' public names)
    CLOSED_STATUSES,
    HELPER_STATUSES,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    TRANSITIONS,
    AgreementForm,
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
        """ "applicant — respondent" (the first of each)."""
        first = next((p.name for p in self.parties if p.role == PartyRole.applicant), "")
        second = next((p.name for p in self.parties if p.role == PartyRole.respondent), "")
        return f"{first} — {second}" if first and second else first or second


def state_columns(status, columns, name, after=("archived",)):
    """CHECK constraints tying a status to the columns it sets, in both directions: in ``status`` every one of
    ``columns`` is set; any of them set means the case is in ``status`` or one of the statuses ``after`` it."""
    statuses = ", ".join(f"'{s}'" for s in (status, *after))
    all_set = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    none_set = " AND ".join(f"{c} IS NULL" for c in columns)
    return (
        CheckConstraint(f"(status != '{status}') OR ({all_set})", name=f"{name}_has_columns"),
        CheckConstraint(f"({none_set}) OR (status IN ({statuses}))", name=f"{name}_columns_mean_status"),
    )


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

    @property
    def audit_label(self):
        return self.name

    def format_number(self, year, seq):
        return self.number_format.format(prefix=self.number_prefix, year=year, seq=seq)

    def can_edit(self, user):
        return permissions.has_role(user, Role.admin, Role.mediator) and permissions.works_in(user, self.org_unit)


class Case(CaseSummary, db.Model):
    """A dispute case (纠纷案件), from intake to archive."""

    __tablename__ = "mediation_cases"
    __table_args__ = (
        UniqueConstraint("studio_id", "year", "seq"),
        # Each ending is tied to what it needs, both ways: a status has its columns set, and a column set
        # means the case went through that status (it may be archived since).
        *state_columns(
            "archived", ("archived_at", "archived_by_id", "file_number", "retention_until"), "archived", after=()
        ),
        *state_columns("declined", ("decline_reason",), "declined"),
        *state_columns("referred", ("referred_to",), "referred"),
        *state_columns("ended", ("end_reason", "other_routes"), "ended"),
        *state_columns("withdrawn", ("withdraw_reason",), "withdrawn"),
        CheckConstraint("(accepted_on IS NULL) OR (presiding_mediator_id IS NOT NULL)", name="accepted_has_mediator"),
        CheckConstraint(
            "(status NOT IN ('accepted', 'in_mediation', 'agreement_reached', 'ended', 'followed_up'))"
            " OR (accepted_on IS NOT NULL AND due_on IS NOT NULL)",
            name="accepted_has_dates",
        ),
        CheckConstraint("extended = (extension_reason IS NOT NULL)", name="extended_has_reason"),
        Index("ix_mediation_cases_status_due", "status", "due_on"),
        Index("ix_mediation_cases_status_id", "status", "id"),
        Index("ix_mediation_cases_presiding_due", "presiding_mediator_id", "due_on"),
        Index("ix_mediation_cases_unit_created", "org_unit_id", "id"),
        # the list's search by number or address, from its beginning (see Party)
        Index("ix_mediation_cases_number", "number", postgresql_ops={"number": "varchar_pattern_ops"}),
        Index("ix_mediation_cases_address", "address", postgresql_ops={"address": "varchar_pattern_ops"}),
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
    number: Mapped[str] = mapped_column(String(60))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)  # the community
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    room: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(200))

    source: Mapped[CaseSource] = enum_column(CaseSource, "source", 32)
    category: Mapped[DisputeCategory] = enum_column(DisputeCategory, "category", 32, index=True)
    summary: Mapped[str] = mapped_column(Text)
    requests: Mapped[str | None] = mapped_column(Text)
    risk_level: Mapped[RiskLevel] = enum_column(RiskLevel, "risk_level", 8, default=RiskLevel.low)
    may_escalate: Mapped[bool] = mapped_column(default=False)
    status: Mapped[CaseStatus] = enum_column(CaseStatus, "status", 24, default=CaseStatus.registered, index=True)

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

    parties: Mapped[list["Party"]] = relationship(
        back_populates="case", order_by="Party.position", cascade="all, delete-orphan"
    )
    helpers: Mapped[list["CaseHelper"]] = relationship(
        back_populates="case", order_by="CaseHelper.id", cascade="all, delete-orphan"
    )
    sessions: Mapped[list["MediationSession"]] = relationship(
        back_populates="case", order_by="MediationSession.started_at", cascade="all, delete-orphan"
    )
    agreement: Mapped["Agreement | None"] = relationship(back_populates="case", cascade="all, delete-orphan")
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="case", order_by="FollowUp.due_on", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    recusals: Mapped[list["Recusal"]] = relationship(
        back_populates="case", order_by="Recusal.id", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"<Case {self.id} {self.number} {self.status}>"

    @property
    def audit_label(self):
        return self.number

    @property
    def is_read_only(self):
        return self.status == CaseStatus.archived

    @property
    def takes_helpers(self):
        """Co-mediators and specialists join a case while it is open: not yet decided, being mediated, or
        agreed and waiting for its follow-up visit."""
        return self.status in HELPER_STATUSES

    def allows(self, status):
        return CaseStatus(status) in TRANSITIONS[self.status]

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
        return permissions.is_authenticated(user) and user.id in self.mediator_ids()

    def can_view(self, user):
        """Studio staff in scope see the case page (with masked numbers unless can_see_private)."""
        return permissions.has_role(user, Role.admin, Role.mediator) and permissions.works_in(user, self.org_unit)

    def can_view_status(self, user):
        """The grid worker who referred the case sees its status only."""
        return self.can_view(user) or (permissions.is_authenticated(user) and self.referred_by_id == user.id)

    def can_see_private(self, user):
        """Full phone and ID numbers: the case's own mediators and admins."""
        return self.can_view(user) and (permissions.is_admin(user) or self.is_case_mediator(user))

    # Each action is a can_<verb>(user, check_state=True), after Indico: the view asks it with
    # check_state=False (may this person do this to this case at all? else 403) and lets the operation
    # refuse a state with its own message; a template asks it with the state (is the button shown now?).

    def can_manage(self, user):
        """The first decisions (accept, decline, refer) and a withdrawal: any mediator of the studio (or an
        admin) while the case is registered; afterwards only the case's mediators and admins."""
        if not self.can_view(user) or self.is_read_only:
            return False
        return permissions.is_admin(user) or self.is_case_mediator(user) or self.status == CaseStatus.registered

    def can_edit(self, user):
        """Everything else that changes the case: its own mediators and admins, until it is archived."""
        return (
            self.can_view(user)
            and not self.is_read_only
            and (permissions.is_admin(user) or self.is_case_mediator(user))
        )

    def can_edit_party(self, user, check_state=True):
        """Correct or complete a party's details (an ID number, a home, age ...): until the case is archived."""
        return self.can_edit(user)

    def can_accept(self, user, check_state=True):
        return self.can_manage(user) and (not check_state or self.allows(CaseStatus.accepted))

    def can_decline(self, user, check_state=True):
        return self.can_manage(user) and (not check_state or self.allows(CaseStatus.declined))

    def can_refer(self, user, check_state=True):
        return self.can_manage(user) and (not check_state or self.allows(CaseStatus.referred))

    def can_withdraw(self, user, check_state=True):
        return self.can_manage(user) and (not check_state or self.allows(CaseStatus.withdrawn))

    @property
    def is_running(self):
        """Accepted or in mediation: the one-month limit runs, sessions are held."""
        return self.status in RUNNING_STATUSES

    def can_give_rights_notice(self, user, check_state=True):
        return self.can_edit(user) and (not check_state or (self.is_running and self.rights_notice_on is None))

    def can_record_session(self, user, check_state=True):
        return self.can_edit(user) and (not check_state or (self.is_running and self.rights_notice_on is not None))

    def can_extend(self, user, check_state=True):
        return self.can_edit(user) and (not check_state or self.is_running)

    def can_add_helper(self, user, check_state=True):
        return self.can_edit(user) and (not check_state or self.takes_helpers)

    def can_recuse(self, user, check_state=True):
        return self.can_edit(user) and (not check_state or self.is_running)

    def can_record_agreement(self, user, check_state=True):
        return self.can_edit(user) and (
            not check_state
            or (self.agreement is None and self.allows(CaseStatus.agreement_reached) and bool(self.sessions))
        )

    def can_correct_agreement(self, user, check_state=True):
        return self.can_edit(user) and (
            not check_state or (self.agreement is not None and self.status == CaseStatus.agreement_reached)
        )

    def can_confirm_judicially(self, user, check_state=True):
        """Record the application for judicial confirmation and the court's result (written agreements)."""
        return self.can_edit(user) and (not check_state or self.has_written_agreement)

    def can_end(self, user, check_state=True):
        return self.can_edit(user) and (not check_state or self.allows(CaseStatus.ended))

    def can_record_follow_up(self, user, visit=None, check_state=True):
        return self.can_edit(user) and (
            not check_state
            or (
                self.status in (CaseStatus.agreement_reached, CaseStatus.followed_up)
                and (visit is None or visit.done_on is None)
            )
        )

    def can_attach(self, user, check_state=True):
        return self.can_edit(user)

    def can_archive(self, user, check_state=True):
        return self.can_edit(user) and (not check_state or self.allows(CaseStatus.archived))

    @property
    def has_written_agreement(self):
        return self.agreement is not None and self.agreement.form == AgreementForm.written

    @property
    def confirmation_window_open(self):
        """A written agreement without an application for judicial confirmation, on a case still kept open."""
        return self.has_written_agreement and not self.agreement.confirmation_applied_on and not self.is_read_only


class Party(db.Model):
    """A party of a case (当事人)."""

    __tablename__ = "mediation_parties"
    # For the case list's search by name, mobile number or address from its beginning (prefix_match: LIKE 'q%'
    # on PostgreSQL, a range on SQLite) and the repeat-dispute lookup by equal values (=, IN). On PostgreSQL with
    # varchar_pattern_ops: under a collation other than C a b-tree in the collation's order cannot serve
    # LIKE 'q%' (the search read every party); the pattern class compares bytes, so it serves the prefix as a
    # range and equality as well, but not ORDER BY the column (nothing sorts by these). SQLite ignores the
    # option: plain indexes, which its ranges use. Migration 5e1f0a7c2b94; tests/mediation/test_plans.py.
    __table_args__ = (
        Index("ix_mediation_parties_name", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
        Index("ix_mediation_parties_phone", "phone", postgresql_ops={"phone": "varchar_pattern_ops"}),
        Index("ix_mediation_parties_address", "address", postgresql_ops={"address": "varchar_pattern_ops"}),
        CheckConstraint("age IS NULL OR (age >= 0 AND age <= 150)", name="age_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    role: Mapped[PartyRole] = enum_column(PartyRole, "role", 16)
    name: Mapped[str] = mapped_column(String(60))
    sex: Mapped[Sex | None] = enum_column(Sex, "sex", 8)
    phone: Mapped[str | None] = mapped_column(String(11))
    id_number: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(200))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    room: Mapped[str | None] = mapped_column(String(30))
    representative: Mapped[str | None] = mapped_column(String(120))
    # optional, as the 2010 formats of mediation documents print them (年龄、民族、职业)
    age: Mapped[int | None] = mapped_column(SmallInteger)
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    occupation: Mapped[str | None] = mapped_column(String(60))

    case: Mapped[Case] = relationship(back_populates="parties")
    building: Mapped[Building | None] = relationship()

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

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[HelperKind] = enum_column(HelperKind, "kind", 24)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    organisation: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    case: Mapped[Case] = relationship(back_populates="helpers")
    user: Mapped[User | None] = relationship()


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
        CheckConstraint("(form != 'oral') OR (oral_note IS NOT NULL)", name="oral_has_note"),
        CheckConstraint(
            "(confirmation_result IS NULL) = (confirmation_applied_on IS NULL)", name="confirmation_has_application"
        ),
        CheckConstraint(
            "(confirmation_result_on IS NULL) OR (confirmation_result != 'pending')",
            name="confirmation_result_has_date",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # optimistic locking, as for cases; the correction forms also carry it (see operations.check_version)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), unique=True)
    form: Mapped[AgreementForm] = enum_column(AgreementForm, "form", 8)
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
    confirmation_result: Mapped[ConfirmationResult | None] = enum_column(ConfirmationResult, "confirmation_result", 16)
    confirmation_result_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="agreement")

    @property
    def copies(self):
        """One copy per party plus one for the file."""
        return len(self.case.parties) + 1

    def confirmation_deadline(self):
        """Parties may apply for judicial confirmation within 30 days after the agreement takes effect."""
        return self.concluded_on + timedelta(days=30)


class FollowUp(db.Model):
    """A follow-up visit (回访): scheduled after an agreement, recorded when done."""

    __tablename__ = "mediation_follow_ups"
    __table_args__ = (
        Index("ix_mediation_follow_ups_due", "done_on", "due_on"),
        # a visit is either due (nothing recorded) or done (method and performance recorded)
        CheckConstraint(
            "(done_on IS NULL) = (method IS NULL) AND (done_on IS NULL) = (performance IS NULL)", name="done_has_result"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[FollowUpMethod | None] = enum_column(FollowUpMethod, "method", 16)
    performance: Mapped[Performance | None] = enum_column(Performance, "performance", 16)
    applicant_satisfaction: Mapped[Satisfaction | None] = enum_column(Satisfaction, "applicant_satisfaction", 24)
    respondent_satisfaction: Mapped[Satisfaction | None] = enum_column(Satisfaction, "respondent_satisfaction", 24)
    flare_up: Mapped[bool] = mapped_column(default=False)
    lawsuit: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="follow_ups")
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    def is_overdue(self, today):
        return self.done_on is None and self.due_on < today


class Attachment(db.Model):
    """A file kept with a case: photos of the leak, receipts, the signed agreement scan ..."""

    __tablename__ = "mediation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = enum_column(AttachmentKind, "kind", 24)
    title: Mapped[str | None] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()


class CaseEvent(db.Model):
    """One entry of the case timeline."""

    __tablename__ = "mediation_case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[CaseStatus | None] = enum_column(CaseStatus, "from_status", 24)
    to_status: Mapped[CaseStatus | None] = enum_column(CaseStatus, "to_status", 24)
    # the message (its English source) and its parameters, translated when shown (app.core.records);
    # entries from before have no parameters and keep their text
    summary: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict | None] = mapped_column(db.JSON)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def text(self):
        """What happened, in the reader's language."""
        return records.render(self.summary, self.params)
