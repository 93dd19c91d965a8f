"""The help group's models: volunteers, teams and skills, service events and who takes part, service records
with their corrections, the care roster, certificates, help requests and one-time login tokens. Rules live in
operations.py; who may do what is asked here, with the state (``can_<verb>(user, check_state=True)``)."""

from datetime import timedelta

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import permissions
from app.core.enums import enum_column
from app.core.models import Building, OrgUnit, User
from app.core.roles import Role
from app.core.types import UTCDateTime, utcnow
from app.extensions import db
from app.volunteers.enums import (  # noqa: F401  (the enums are part of the models' public names)
    AVAILABILITY_ALL,
    TAKING_PART,
    Availability,
    CorrectionStatus,
    EventKind,
    EventStatus,
    HelpRequestStatus,
    ParticipationStatus,
    Quality,
    Sex,
    TeamKind,
    VisitFrequency,
    VolunteerStatus,
)


def organises(user, unit):
    """The user runs the help group of ``unit``: a coordinator or an admin whose unit holds it."""
    return permissions.has_role(user, Role.coordinator, Role.admin) and permissions.unit_in_scope(user, unit)


volunteer_teams = Table(
    "volunteer_teams",
    db.metadata,
    Column("volunteer_id", Integer, ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", Integer, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)
volunteer_skills = Table(
    "volunteer_skills",
    db.metadata,
    Column("volunteer_id", Integer, ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", Integer, ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)
event_skills = Table(
    "service_event_skills",
    db.metadata,
    Column("event_id", Integer, ForeignKey("service_events.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", Integer, ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)
event_beneficiaries = Table(
    "service_event_beneficiaries",
    db.metadata,
    Column("event_id", Integer, ForeignKey("service_events.id", ondelete="CASCADE"), primary_key=True),
    Column("roster_entry_id", Integer, ForeignKey("care_roster_entries.id", ondelete="CASCADE"), primary_key=True),
)
help_request_skills = Table(
    "help_request_skills",
    db.metadata,
    Column("help_request_id", Integer, ForeignKey("help_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", Integer, ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)


class Team(db.Model):
    """A team of the help group (party-member volunteers, grid workers, ...); a volunteer may be in several."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("org_unit_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[TeamKind] = enum_column(TeamKind, "kind", 24)

    @property
    def name(self):
        return self.kind.title


class Skill(db.Model):
    """A skill volunteers offer and events need (repairs, medical care, legal advice, ...)."""

    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("org_unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    name: Mapped[str] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(default=0)


class Volunteer(db.Model):
    """A resident's membership of the help group: one per user, from the application to approval."""

    __tablename__ = "volunteers"
    __table_args__ = (
        # an approved (or suspended) volunteer has a number; a number means they were approved
        CheckConstraint(
            "(status NOT IN ('approved', 'suspended')) OR (number IS NOT NULL)", name="approved_has_number"
        ),
        CheckConstraint("(number IS NULL) OR (status IN ('approved', 'suspended'))", name="number_means_approved"),
        CheckConstraint(
            "(status NOT IN ('rejected', 'suspended')) OR (status_reason IS NOT NULL)", name="refusal_has_reason"
        ),
        CheckConstraint(f"availability >= 0 AND availability <= {AVAILABILITY_ALL}", name="availability_bits"),
        Index("ix_volunteers_unit_status", "org_unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    status: Mapped[VolunteerStatus] = enum_column(VolunteerStatus, "status", 16, default=VolunteerStatus.applied)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    sex: Mapped[Sex] = enum_column(Sex, "sex", 8)
    birth_month: Mapped[object] = mapped_column(Date)  # the first day of the month
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    room: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    availability: Mapped[int] = mapped_column(default=0)
    consent_at: Mapped[object] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    org_unit: Mapped[OrgUnit] = relationship()
    building: Mapped[Building | None] = relationship()
    teams: Mapped[list[Team]] = relationship(secondary=volunteer_teams, order_by=Team.id)
    skills: Mapped[list[Skill]] = relationship(secondary=volunteer_skills, order_by=Skill.sort_order)

    @property
    def audit_label(self):
        return self.number or self.user.name

    @property
    def name(self):
        return self.user.name

    @property
    def available(self):
        return Availability.from_bits(self.availability)

    @property
    def is_approved(self):
        return self.status == VolunteerStatus.approved

    def is_self(self, user):
        return permissions.is_authenticated(user) and user.id == self.user_id

    def can_view(self, user):
        return self.is_self(user) or organises(user, self.org_unit)

    def can_edit(self, user, check_state=True):
        return self.can_view(user) and (not check_state or self.status != VolunteerStatus.rejected)

    def can_decide(self, user, check_state=True):
        return organises(user, self.org_unit) and (not check_state or self.status == VolunteerStatus.applied)

    def can_give_login_link(self, user, check_state=True):
        return organises(user, self.org_unit) and (not check_state or self.user.active)


class ServiceEvent(db.Model):
    """A service event (暖心服务, home visits, repairs, advice ...) with its places and leader."""

    __tablename__ = "service_events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("beneficiary_count >= 0", name="beneficiaries_not_negative"),
        CheckConstraint("(status != 'cancelled') OR (cancel_reason IS NOT NULL)", name="cancelled_has_reason"),
        CheckConstraint(
            "(status = 'completed') = (confirmed_at IS NOT NULL AND confirmed_by_id IS NOT NULL)",
            name="completed_has_confirmation",
        ),
        Index("ix_service_events_unit_starts", "org_unit_id", "starts_at"),
        Index("ix_service_events_series", "series_id"),
        # the event lists (queries.events_for): planned events still to come, past events newest first
        Index("ix_service_events_status_ends", "status", "ends_at"),
        Index("ix_service_events_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[EventKind] = enum_column(EventKind, "kind", 16)
    starts_at: Mapped[object] = mapped_column(UTCDateTime)
    ends_at: Mapped[object] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int]
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    beneficiary_count: Mapped[int] = mapped_column(default=0)
    series_id: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[EventStatus] = enum_column(EventStatus, "status", 16, default=EventStatus.planned)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    org_unit: Mapped[OrgUnit] = relationship()
    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    skills: Mapped[list[Skill]] = relationship(secondary=event_skills, order_by=Skill.sort_order)
    participations: Mapped[list["Participation"]] = relationship(
        back_populates="event", order_by="Participation.id", cascade="all, delete-orphan"
    )
    beneficiaries: Mapped[list["CareRosterEntry"]] = relationship(secondary=event_beneficiaries)

    @property
    def audit_label(self):
        return self.title

    def taking_part(self):
        return [p for p in self.participations if p.status in TAKING_PART]

    def waiting(self):
        return sorted(
            (p for p in self.participations if p.status == ParticipationStatus.waiting), key=lambda p: p.position
        )

    @property
    def places_left(self):
        return max(0, self.capacity - len(self.taking_part()))

    def participation_of(self, user):
        if not permissions.is_authenticated(user):
            return None
        return next(
            (
                p
                for p in self.participations
                if p.volunteer.user_id == user.id and p.status != ParticipationStatus.cancelled
            ),
            None,
        )

    def is_leader(self, user):
        return permissions.is_authenticated(user) and user.id == self.leader_id

    def can_view(self, user):
        return self.is_leader(user) or organises(user, self.org_unit) or self._member(user)

    def _member(self, user):
        return permissions.has_role(user, Role.volunteer) and permissions.same_community(user, self.org_unit)

    def can_edit(self, user, check_state=True):
        return organises(user, self.org_unit) and (not check_state or self.status == EventStatus.planned)

    def can_sign_up(self, user, check_state=True):
        if not self._member(user):
            return False
        return not check_state or (
            self.status == EventStatus.planned and self.participation_of(user) is None and self.ends_at > utcnow()
        )

    def can_cancel_sign_up(self, user, check_state=True):
        if not self._member(user):
            return False
        if not check_state:
            return True
        mine = self.participation_of(user)
        return (
            self.status == EventStatus.planned
            and mine is not None
            and mine.status in (ParticipationStatus.signed_up, ParticipationStatus.waiting)
            and mine.checked_in_at is None
        )

    def can_lead(self, user, check_state=True):
        """Show the check-in code, mark attendance, confirm the hours: the leader, or the group's coordinators."""
        return (self.is_leader(user) or organises(user, self.org_unit)) and (
            not check_state or self.status == EventStatus.planned
        )

    def can_check_in(self, user, check_state=True):
        return self._member(user) and (not check_state or self.status == EventStatus.planned)

    def check_in_window(self, margin):
        return self.starts_at - timedelta(minutes=margin), self.ends_at + timedelta(minutes=margin)


class Participation(db.Model):
    """A volunteer's place at an event: signed up, waiting (with a position), cancelled or attended."""

    __tablename__ = "event_participations"
    __table_args__ = (
        UniqueConstraint("event_id", "volunteer_id"),
        CheckConstraint("(status = 'waiting') = (position IS NOT NULL)", name="waiting_has_position"),
        CheckConstraint("(status != 'cancelled') OR (cancelled_at IS NOT NULL)", name="cancelled_has_time"),
        CheckConstraint(
            "(confirmed_at IS NULL) OR (status = 'attended' AND hours IS NOT NULL AND confirmed_by_id IS NOT NULL)",
            name="confirmed_has_hours",
        ),
        CheckConstraint("(checked_out_at IS NULL) OR (checked_in_at IS NOT NULL)", name="out_after_in"),
        CheckConstraint("(hours IS NULL) OR (hours >= 0)", name="hours_not_negative"),
        Index("ix_event_participations_volunteer", "volunteer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("service_events.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    status: Mapped[ParticipationStatus] = enum_column(ParticipationStatus, "status", 16)
    position: Mapped[int | None]
    signed_up_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[object | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[object | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[object | None] = mapped_column(UTCDateTime)
    hours: Mapped[object | None] = mapped_column(Numeric(6, 2))
    confirmed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    event: Mapped[ServiceEvent] = relationship(back_populates="participations")
    volunteer: Mapped[Volunteer] = relationship()


class ServiceRecord(db.Model):
    """A service record (志愿服务记录): what a volunteer did, certified by whoever organised it."""

    __tablename__ = "service_records"
    __table_args__ = (
        CheckConstraint("hours >= 0", name="hours_not_negative"),
        CheckConstraint(
            "(correction_status IS NULL) = (correction_requested_at IS NULL)", name="correction_has_request"
        ),
        CheckConstraint(
            "(correction_status IS NULL) OR (correction_reason IS NOT NULL AND correction_hours IS NOT NULL)",
            name="correction_has_reason",
        ),
        CheckConstraint(
            "(correction_decided_at IS NULL) OR (correction_status IN ('accepted', 'rejected'))",
            name="decision_means_decided",
        ),
        CheckConstraint(
            "(correction_status IS NULL) OR (correction_status = 'requested')"
            " OR (correction_decided_at IS NOT NULL AND correction_decided_by_id IS NOT NULL)",
            name="decided_has_time",
        ),
        Index("ix_service_records_volunteer_date", "volunteer_id", "served_on"),
        Index("ix_service_records_unit_date", "org_unit_id", "served_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("service_events.id"), index=True)
    participation_id: Mapped[int | None] = mapped_column(ForeignKey("event_participations.id"), unique=True)
    project: Mapped[str] = mapped_column(String(100))
    served_on: Mapped[object] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    beneficiary: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    hours: Mapped[object] = mapped_column(Numeric(6, 2))
    quality: Mapped[Quality] = enum_column(Quality, "quality", 12, default=Quality.good)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    correction_status: Mapped[CorrectionStatus | None] = enum_column(CorrectionStatus, "correction_status", 12)
    correction_hours: Mapped[object | None] = mapped_column(Numeric(6, 2))
    correction_reason: Mapped[str | None] = mapped_column(String(500))
    correction_requested_at: Mapped[object | None] = mapped_column(UTCDateTime)
    correction_decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    correction_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    correction_note: Mapped[str | None] = mapped_column(String(500))

    org_unit: Mapped[OrgUnit] = relationship()
    volunteer: Mapped[Volunteer] = relationship()
    event: Mapped[ServiceEvent | None] = relationship()
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    recorder: Mapped[User | None] = relationship(foreign_keys=[recorder_id])

    @property
    def audit_label(self):
        return self.project

    def can_view(self, user):
        return self.volunteer.is_self(user) or organises(user, self.org_unit)

    def can_request_correction(self, user, check_state=True):
        return self.volunteer.is_self(user) and (
            not check_state or self.correction_status != CorrectionStatus.requested
        )

    def can_decide_correction(self, user, check_state=True):
        return organises(user, self.org_unit) and (
            not check_state or self.correction_status == CorrectionStatus.requested
        )


class CareRosterEntry(db.Model):
    """A resident who needs regular help (an elderly person living alone, ...): kept by coordinators only."""

    __tablename__ = "care_roster_entries"
    __table_args__ = (Index("ix_care_roster_entries_unit_visited", "org_unit_id", "last_visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    resident_name: Mapped[str] = mapped_column(String(60))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    room: Mapped[str | None] = mapped_column(String(20))
    # sensitive: coordinators only
    phone: Mapped[str | None] = mapped_column(String(20))
    needs: Mapped[str] = mapped_column(Text)
    health_notes: Mapped[str | None] = mapped_column(Text)
    contact_person: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    visit_frequency: Mapped[VisitFrequency] = enum_column(
        VisitFrequency, "visit_frequency", 12, default=VisitFrequency.weekly
    )
    last_visited_on: Mapped[object | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship()

    @property
    def audit_label(self):
        return self.resident_name

    def can_view(self, user):
        return organises(user, self.org_unit)


class Certificate(db.Model):
    """A certificate of volunteer service (志愿服务证明) with its unique number."""

    __tablename__ = "volunteer_certificates"
    __table_args__ = (CheckConstraint("hours_at_issue >= 0", name="hours_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    hours_at_issue: Mapped[object] = mapped_column(Numeric(8, 2))
    content: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    volunteer: Mapped[Volunteer] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def audit_label(self):
        return self.number

    def can_view(self, user):
        return self.volunteer.is_self(user) or organises(user, self.volunteer.org_unit)


class HelpRequest(db.Model):
    """A request for the group's help from a mediator, a grid worker or a coordinator."""

    __tablename__ = "help_requests"
    __table_args__ = (
        CheckConstraint("(event_id IS NULL) OR (status = 'accepted')", name="event_means_accepted"),
        CheckConstraint("(status != 'declined') OR (decline_reason IS NOT NULL)", name="declined_has_reason"),
        Index("ix_help_requests_unit_status", "org_unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[HelpRequestStatus] = enum_column(HelpRequestStatus, "status", 12, default=HelpRequestStatus.open)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("service_events.id"))
    grid_order_id: Mapped[int | None] = mapped_column(ForeignKey("grid_orders.id"))
    mediation_case_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_cases.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[object | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    wanted_on: Mapped[object | None] = mapped_column(Date)
    decline_reason: Mapped[str | None] = mapped_column(String(500))

    skills: Mapped[list[Skill]] = relationship(secondary=help_request_skills)
    org_unit: Mapped[OrgUnit] = relationship()
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])
    event: Mapped[ServiceEvent | None] = relationship()

    @property
    def audit_label(self):
        return self.description[:40]

    def can_view(self, user):
        """The group's organisers, and whoever asked."""
        return organises(user, self.org_unit) or (permissions.is_authenticated(user) and user.id == self.asked_by_id)

    def can_decide(self, user, check_state=True):
        return organises(user, self.org_unit) and (not check_state or self.status == HelpRequestStatus.open)


def can_ask_for_help(user):
    """Mediators, grid workers and coordinators may ask the help group of their community for help."""
    return permissions.has_role(user, Role.mediator, Role.grid_worker, Role.coordinator, Role.admin)


class LoginToken(db.Model):
    """A one-time login link a coordinator gives a volunteer who forgot the password: only its digest is kept."""

    __tablename__ = "volunteer_login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)
    used_at: Mapped[object | None] = mapped_column(UTCDateTime)
