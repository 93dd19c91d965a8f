"""Shared models: the organisation tree, handling units, users and roles, audit log, notifications."""

import hashlib
import secrets
from functools import cache

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, bindparam, func, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, query_expression, relationship, with_expression
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import permissions
from app.core.enums import TitledEnum, enum_column
from app.core.i18n import lazy_gettext as _l
from app.core.roles import Role
from app.core.types import UTCDateTime, utcnow
from app.extensions import db, login_manager


class UnitKind(TitledEnum):
    county = "county", _l("County")
    street = "street", _l("Street")
    town = "town", _l("Town")
    community = "community", _l("Community")
    village = "village", _l("Village")
    grid = "grid", _l("Grid")

    @property
    def level(self):
        """Depth in the tree: county 0, street or town 1, community or village 2, grid 3."""
        return UNIT_LEVELS[self]


UNIT_LEVELS = {
    UnitKind.county: 0,
    UnitKind.street: 1,
    UnitKind.town: 1,
    UnitKind.community: 2,
    UnitKind.village: 2,
    UnitKind.grid: 3,
}
COMMUNITY_KINDS = (UnitKind.community, UnitKind.village)


class OrgUnit(db.Model):
    """A unit of the organisation tree: county > street/town > community/village > grid.

    ``path`` is the materialised path of ids ("/1/4/9/"), so "everything under this unit" is one
    indexed prefix match.
    """

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[UnitKind] = enum_column(UnitKind, "kind", 16)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["OrgUnit"]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    buildings: Mapped[list["Building"]] = relationship(back_populates="grid", order_by="Building.name")

    def __repr__(self):
        return f"<OrgUnit {self.id} {self.kind} {self.name}>"

    @property
    def depth(self):
        return self.path.count("/") - 2 if self.path else 0

    @property
    def ancestor_ids(self):
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def audit_label(self):
        return self.name

    def contains(self, other):
        """True when ``other`` is this unit or lies under it."""
        return other is not None and bool(self.path) and other.path.startswith(self.path)

    @property
    def community(self):
        """The community (or village) this unit belongs to, if any."""
        unit = self
        while unit is not None:
            if unit.kind in COMMUNITY_KINDS:
                return unit
            unit = unit.parent
        return None

    @property
    def full_name(self):
        names = []
        unit = self
        while unit is not None:
            names.append(unit.name)
            unit = unit.parent
        return " / ".join(reversed(names))

    def can_edit(self, user):
        return permissions.is_admin(user) and permissions.unit_in_scope(user, self)


class Building(db.Model):
    """A building (楼栋) inside a grid."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(255))
    entrances: Mapped[int | None]
    households: Mapped[int | None]
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    grid: Mapped[OrgUnit] = relationship(back_populates="buildings")

    @property
    def audit_label(self):
        return self.name

    def can_edit(self, user):
        return self.grid.can_edit(user)


class HandlingUnitKind(TitledEnum):
    property_company = "property_company", _l("Property management company")
    police_station = "police_station", _l("Police station")
    township_office = "township_office", _l("Street or township office")
    government_department = "government_department", _l("Government department")
    utility = "utility", _l("Utility company")
    other = "other", _l("Other organisation")


class HandlingUnit(db.Model):
    """An organisation that receives work orders (承办单位), serving an area of the tree."""

    __tablename__ = "handling_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    kind: Mapped[HandlingUnitKind] = enum_column(HandlingUnitKind, "kind", 32)
    name: Mapped[str] = mapped_column(String(120))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship()

    @property
    def audit_label(self):
        return self.name

    def can_edit(self, user):
        return self.org_unit.can_edit(user)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = enum_column(Role, "role", 32, primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("handling_units.id"), index=True)
    # where the user lives, if they tell us: mediators' conflict checks compare it with the parties'
    home_building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    locale: Mapped[str | None] = mapped_column(String(10))
    # Changes with the password or deactivation: every session that holds the old one ends.
    login_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_hex(16))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # unread notifications, counted in the query that loads the logged-in user (None when not loaded)
    unread_count: Mapped[int | None] = query_expression()

    org_unit: Mapped[OrgUnit] = relationship()
    handling_unit: Mapped[HandlingUnit | None] = relationship()
    home_building: Mapped[Building | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", order_by=UserRole.role)

    def __repr__(self):
        return f"<User {self.id} {self.phone}>"

    @property
    def audit_label(self):
        return self.name  # never the phone number: the audit log is personal data enough

    # Flask-Login
    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.login_token

    # passwords
    def set_password(self, password):
        self.password_hash = generate_password_hash(password)
        self.login_token = secrets.token_hex(16)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    # roles
    @property
    def roles(self):
        return {row.role for row in self.role_rows}

    def set_roles(self, roles):
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - self.roles)
        ]

    def has_role(self, *roles):
        return bool(self.roles.intersection(Role(r) for r in roles))

    @property
    def community(self):
        return self.org_unit.community if self.org_unit else None

    def can_edit(self, user):
        return permissions.is_admin(user) and permissions.unit_in_scope(user, self.org_unit)


@login_manager.user_loader
def load_user(value):
    """The user of a live session. What the session (and the remember-me cookie) holds is
    ``<login token>.<session token>``: the login token changes with the password or deactivation, which ends
    every session of the user; the session token names one row of user_sessions, deleted at logout, which
    ends that one session (one device) only. Anything else (an ended or expired session, an older cookie
    without a session token) is nobody."""
    token, _, session_token = (value or "").partition(".")
    if not token or not session_token:
        return None
    params = {"token": token, "session": session_digest(session_token), "now": utcnow()}
    return db.session.scalars(_load_user_statement(), params).unique().first()


def session_digest(session_token):
    """What user_sessions keeps of a session token: its SHA-256, so that the table cannot be replayed."""
    return hashlib.sha256(session_token.encode()).hexdigest()


@cache
def _load_user_statement():
    # One query for the live session, the user, their roles, their unit and their unread notifications: every
    # page shows them. Built once: putting a statement with these options together costs more than running it.
    unread = (
        select(func.count())
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    return (
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.login_token == bindparam("token"),
            UserSession.id == bindparam("session"),
            UserSession.expires_at > bindparam("now"),
        )
        .options(joinedload(User.role_rows), joinedload(User.org_unit), with_expression(User.unread_count, unread))
    )


class UserSession(db.Model):
    """A live login: one browser or device of a user, from login to logout or expiry.

    The session cookie (and the remember-me cookie) carries the token whose SHA-256 is ``id``. Logging out
    deletes the row, so a copy of either cookie is worth nothing afterwards, on every app server; the user's
    other devices stay logged in. ``expires_at`` is the login plus PERMANENT_SESSION_LIFETIME, or plus
    REMEMBER_COOKIE_DURATION with "keep me logged in". Not bound to the address or the browser: a phone that
    moves from Wi-Fi to mobile data keeps its session.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[object] = mapped_column(UTCDateTime)


class LoginFailure(db.Model):
    """One failed login (or one being checked), counted per ``key``: ``phone:13800000006`` (the number as
    normalised) and ``ip:1.2.3.4`` (the client's address). Rows older than LOGIN_FAILURE_WINDOW are deleted
    as new attempts come (app.core.throttle)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_created_at", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FormSubmission(db.Model):
    """A form sent once: its one-time key (made when the form was shown), who sent it and where its result
    is. A second request with the same key (a double tap, a resent offline report) is answered with the
    first one's result instead of creating the record again (app.core.submissions)."""

    __tablename__ = "form_submissions"
    __table_args__ = (Index("ix_form_submissions_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    result_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(db.Model):
    """One thing somebody did: written by operations, browsed by admins."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[int | None]
    target_label: Mapped[str | None] = mapped_column(String(200))  # the target's name or number when written
    # the message (its English source) and its parameters, translated when shown (app.core.records);
    # entries from before have no parameters and keep their text
    summary: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict | None] = mapped_column(db.JSON)
    data: Mapped[dict] = mapped_column(db.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))

    actor: Mapped[User | None] = relationship()

    @property
    def text(self):
        """What was done, in the reader's language."""
        from app.core.records import render

        return render(self.summary, self.params)


class Notification(db.Model):
    """An in-app message to one user, with a link to what it is about."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # a message id and its parameters (app.core.records), translated when read, in the reader's language;
    # ``params`` None: a notification written before, whose message is text in the recipient's language
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict | None] = mapped_column(db.JSON)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[object | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def text(self):
        from app.core.records import render

        return render(self.message, self.params)

    def can_open(self, user):
        return user.is_authenticated and user.id == self.user_id
