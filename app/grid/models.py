"""Grid work orders (网格工单): categories, orders, their photos, timeline and supervision notices. The rules of
the closed loop live in operations.py; who may do what is asked here (can_<verb>)."""

from datetime import timedelta

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import permissions, records
from app.core.enums import enum_column
from app.core.models import Building, HandlingUnit, OrgUnit, User
from app.core.roles import Role
from app.core.types import UTCDateTime, utcnow
from app.extensions import db
from app.grid.enums import (  # noqa: F401  (the enums are part of the models' public names)
    ENDED,
    HANDLING,
    OPEN_STATUSES,
    TRANSITIONS,
    WITH_UNIT,
    OrderSource,
    OrderStatus,
    PhotoKind,
    ResponseLevel,
    Satisfaction,
    VerificationMethod,
)
from app.mediation.models import Case


class Category(db.Model):
    """A category of reports (事件类别), managed by the admins of ``org_unit`` and offered everywhere under it."""

    __tablename__ = "grid_categories"
    __table_args__ = (UniqueConstraint("org_unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    group_name: Mapped[str | None] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(default=0)
    default_level: Mapped[ResponseLevel] = enum_column(ResponseLevel, "default_level", 16)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("handling_units.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # a dispute between people (矛盾纠纷): its orders may be turned into mediation cases
    is_dispute: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    org_unit: Mapped[OrgUnit] = relationship()
    default_unit: Mapped[HandlingUnit | None] = relationship()

    @property
    def audit_label(self):
        return self.name

    def can_edit(self, user):
        return permissions.is_admin(user) and permissions.unit_in_scope(user, self.org_unit)


class OrderSummary:
    """What an order shows wherever it is listed: its deadline flags. Shared by WorkOrder and the plain rows
    of the lists (queries.OrderListItem); needs ``status``, ``due_at`` and ``sign_due_at``."""

    __slots__ = ()

    def is_overdue(self, now):
        """With a unit and past its deadline, or dispatched and not signed for in time."""
        if self.status not in WITH_UNIT:
            return False
        if self.due_at is not None and self.due_at < now:
            return True
        return self.status == OrderStatus.dispatched and self.sign_due_at is not None and self.sign_due_at < now

    def deadline_state(self, now, window):
        """ "overdue", "soon" (due within ``window``) or None: a listed order's class and flag."""
        if self.is_overdue(now):
            return "overdue"
        return "soon" if self.is_due_soon(now, window) else None

    def is_due_soon(self, now, window):
        """With a unit, not overdue, and due within ``window`` (a timedelta)."""
        return (
            self.status in WITH_UNIT
            and not self.is_overdue(now)
            and self.due_at is not None
            and self.due_at <= now + window
        )


# A status and the columns it needs, as CHECK constraints (the naming convention adds ck_grid_orders_).
WITH_UNIT_SQL = ", ".join(f"'{s}'" for s in WITH_UNIT)
# The conditions of the partial indexes below, statuses written out: SQLite uses a partial index only for a
# query that names its condition's values, not bound parameters (queries.py repeats them qualified).
WITH_UNIT_WHERE = f"status IN ({WITH_UNIT_SQL})"
OPEN_WHERE = "status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES))
QUEUE_WHERE = "status = 'reported'"
ORDER_CHECKS = {
    "with_unit_has_deadlines": f"(status NOT IN ({WITH_UNIT_SQL}))"
    " OR (handling_unit_id IS NOT NULL AND sign_due_at IS NOT NULL AND due_at IS NOT NULL)",
    "closed_has_time": "(status = 'closed') = (closed_at IS NOT NULL)",
    "closed_has_result": "(status != 'closed') OR (result IS NOT NULL)",
    "replied_has_result": "(status NOT IN ('replied', 'verified')) OR (result IS NOT NULL AND replied_at IS NOT NULL)",
    "verified_has_check": "(status NOT IN ('verified', 'closed')) OR settled_on_spot"
    " OR (satisfaction IS NOT NULL AND verification_method IS NOT NULL)",
    "position_pair": "(latitude IS NULL) = (longitude IS NULL)",
    "position_range": "(latitude IS NULL) OR (latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)",
    "counts": "reopen_count >= 0 AND supervision_count >= 0",
    # passed to mediation exactly when linked to its case
    "to_mediation_has_case": "(status = 'to_mediation') = (mediation_case_id IS NOT NULL)",
    # merged into another order exactly when it names that order (并单)
    "merged_has_target": "(status = 'merged') = (merged_into_id IS NOT NULL)",
    "merged_not_itself": "merged_into_id IS NULL OR merged_into_id != id",
}


# the columns the figures (app.grid.figures) read besides the grid and the time, carried by their indexes
FIGURES_REPORTED_COLUMNS = (
    "category_id",
    "handling_unit_id",
    "status",
    "settled_on_spot",
    "closed_at",
    "satisfaction",
    "reopen_count",
)
FIGURES_REPLIED_COLUMNS = ("category_id", "handling_unit_id", "status", "due_at")


def partial_index(name, where, *columns):
    """An index of the orders ``where`` holds (SQL), on both databases."""
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))


class WorkOrder(OrderSummary, db.Model):
    """A work order (工单): a problem reported in a grid, followed from the report to its closing."""

    __tablename__ = "grid_orders"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        *(CheckConstraint(sql, name=name) for name, sql in ORDER_CHECKS.items()),
        Index("ix_grid_orders_status_due", "status", "due_at"),
        # the overdue board, by deadline: only the orders with a unit (a few thousand of a million)
        partial_index("ix_grid_orders_with_unit", WITH_UNIT_WHERE, "due_at", "id"),
        # the dispatch queue, oldest first (the migration b2d4f6a8c0e1 says why partial)
        partial_index("ix_grid_orders_queue", QUEUE_WHERE, "id"),
        # a grid's open orders, newest first (a grid worker's list): the open orders are a few percent of all
        partial_index("ix_grid_orders_open_by_grid", OPEN_WHERE, "grid_id", "id"),
        Index("ix_grid_orders_unit_status", "handling_unit_id", "status", "due_at"),
        Index("ix_grid_orders_grid_status", "grid_id", "status", "id"),
        Index("ix_grid_orders_reporter", "reporter_id", "id"),
        Index("ix_grid_orders_community_status", "org_unit_id", "status", "id"),
        Index("ix_grid_orders_merged_into", "merged_into_id"),
        Index("ix_grid_orders_status_replied", "status", "replied_at"),
        # the figures of a period (app.grid.figures)
        Index("ix_grid_orders_community_reported", "org_unit_id", "reported_at"),
        Index("ix_grid_orders_reported", "reported_at"),  # Open311's public list, newest first
        # by grid and report time (received), and by grid and reply time (handled), each with every column the
        # figures read, so that they are computed from the index alone (no table row visited)
        Index("ix_grid_orders_figures_reported", "grid_id", "reported_at", *FIGURES_REPORTED_COLUMNS),
        Index("ix_grid_orders_figures_replied", "grid_id", "replied_at", *FIGURES_REPLIED_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # optimistic locking, as for mediation cases: of two changes at the same moment the second one fails
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(30), unique=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))  # the community
    grid_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    room: Mapped[str | None] = mapped_column(String(30))
    # the place in words, when no building of the tree fits (an Open311 request's address_string, a call)
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    category_id: Mapped[int] = mapped_column(ForeignKey("grid_categories.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    level: Mapped[ResponseLevel] = enum_column(ResponseLevel, "level", 16)
    status: Mapped[OrderStatus] = enum_column(OrderStatus, "status", 16, default=OrderStatus.reported)
    source: Mapped[OrderSource] = enum_column(OrderSource, "source", 16, default=OrderSource.grid_report)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # a call registered by staff (来电登记): who called, for the verification call; masked elsewhere
    caller_name: Mapped[str | None] = mapped_column(String(60))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("handling_units.id"))
    settled_on_spot: Mapped[bool] = mapped_column(default=False)

    reported_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[object | None] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[object | None] = mapped_column(UTCDateTime)
    due_at: Mapped[object | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    started_at: Mapped[object | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[object | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[object | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[object | None] = mapped_column(UTCDateTime)

    return_reason: Mapped[str | None] = mapped_column(Text)  # the last return's, shown in the dispatch queue
    result: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[Satisfaction | None] = enum_column(Satisfaction, "satisfaction", 24)
    verification_method: Mapped[VerificationMethod | None] = enum_column(VerificationMethod, "verification_method", 16)
    verification_note: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(default=0, server_default="0")
    supervision_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # the mediation case a dispute was turned into (to_mediation); one order per case
    mediation_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("mediation_cases.id", ondelete="SET NULL"), unique=True
    )
    # the order this duplicate was merged into (status merged)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("grid_orders.id"))

    org_unit: Mapped[OrgUnit] = relationship(foreign_keys=[org_unit_id])
    grid: Mapped[OrgUnit] = relationship(foreign_keys=[grid_id])
    building: Mapped[Building | None] = relationship()
    category: Mapped[Category] = relationship()
    reporter: Mapped[User | None] = relationship()
    handling_unit: Mapped[HandlingUnit | None] = relationship()
    mediation_case: Mapped[Case | None] = relationship()
    merged_into: Mapped["WorkOrder | None"] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id], back_populates="merged_orders"
    )
    # the duplicates merged into this order (并单), each with its reporter and photos
    merged_orders: Mapped[list["WorkOrder"]] = relationship(
        foreign_keys=[merged_into_id], back_populates="merged_into", order_by="WorkOrder.id"
    )
    photos: Mapped[list["OrderPhoto"]] = relationship(
        back_populates="order", order_by="OrderPhoto.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )
    notices: Mapped[list["SupervisionNotice"]] = relationship(
        back_populates="order", order_by="SupervisionNotice.id", cascade="all, delete-orphan"
    )

    def __repr__(self):
        return f"<WorkOrder {self.id} {self.number} {self.status}>"

    @property
    def audit_label(self):
        return self.number

    def allows(self, status):
        return OrderStatus(status) in TRANSITIONS[self.status]

    @property
    def place(self):
        """grid · building room"""
        parts = [self.grid.name if self.grid else ""]
        if self.building is not None:
            parts.append(f"{self.building.name}{(' ' + self.room) if self.room else ''}")
        elif self.room:
            parts.append(self.room)
        return " · ".join(part for part in parts if part)

    def photos_of(self, kind):
        return [photo for photo in self.photos if photo.kind == kind]

    @property
    def masked_caller_phone(self):
        phone = self.caller_phone or ""
        return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else phone

    # who is who ---------------------------------------------------------------------------------
    def is_staff(self, user):
        """Community staff: an admin whose unit holds the order's community (dispatch, verify, close,
        supervise)."""
        return permissions.is_admin(user) and permissions.unit_in_scope(user, self.org_unit)

    def is_unit_handler(self, user):
        """Staff of the handling unit the order is dispatched to."""
        return (
            permissions.has_role(user, Role.handler)
            and self.handling_unit_id is not None
            and user.handling_unit_id == self.handling_unit_id
        )

    def is_grid_worker(self, user):
        """A grid worker whose unit holds the order's grid."""
        return permissions.has_role(user, Role.grid_worker) and permissions.unit_in_scope(user, self.grid)

    def is_reporter(self, user):
        """Who reported it, or reported a duplicate merged into it (they follow it from then on)."""
        if not permissions.is_authenticated(user):
            return False
        if self.reporter_id is not None and user.id == self.reporter_id:
            return True
        return any(merged.reporter_id == user.id for merged in self.merged_orders)

    def is_studio_mediator(self, user):
        """A mediator of the studio of the order's community (Case.can_view's rule for its cases)."""
        return permissions.has_role(user, Role.mediator) and permissions.works_in(user, self.org_unit)

    def can_view(self, user):
        return self.is_staff(user) or self.is_grid_worker(user) or self.is_reporter(user) or self.is_unit_handler(user)

    def can_ask_help_group(self, user, check_state=True):
        """Ask the help group (邻舍帮帮团) for help with it: community staff and the grid worker of its grid."""
        return (self.is_staff(user) or self.is_grid_worker(user)) and (
            not check_state or self.status not in (OrderStatus.closed, OrderStatus.merged)
        )

    def can_see_case_status(self, user):
        """The status of the mediation case it became: whoever sees the order (the case's details are the
        studio's: Case.can_view)."""
        return self.mediation_case is not None and self.can_view(user)

    def can_see_caller(self, user):
        """The caller's full number: staff, for the verification call."""
        return self.is_staff(user)

    # Each action is a can_<verb>(user, check_state=True), as for mediation cases: the view asks without the
    # state (403 for the wrong person; the operation refuses a state with its reason), a template with it.

    def can_dispatch(self, user, check_state=True):
        return self.is_staff(user) and (not check_state or self.allows(OrderStatus.dispatched))

    def can_settle(self, user, check_state=True):
        """Settle on the spot (就地化解): the grid worker who reported it, or one of its grid."""
        return (
            self.is_grid_worker(user) or (self.is_reporter(user) and permissions.has_role(user, Role.grid_worker))
        ) and (not check_state or self.status == OrderStatus.reported)

    def can_sign(self, user, check_state=True):
        return self.is_unit_handler(user) and (not check_state or self.allows(OrderStatus.signed))

    def can_return(self, user, check_state=True):
        return self.is_unit_handler(user) and (not check_state or self.status == OrderStatus.dispatched)

    def can_start(self, user, check_state=True):
        return self.is_unit_handler(user) and (not check_state or self.allows(OrderStatus.in_progress))

    def can_reply(self, user, check_state=True):
        return self.is_unit_handler(user) and (not check_state or self.status in HANDLING)

    def can_verify(self, user, check_state=True):
        return self.is_staff(user) and (not check_state or self.allows(OrderStatus.verified))

    def can_close(self, user, check_state=True):
        return self.is_staff(user) and (not check_state or self.status == OrderStatus.verified)

    def can_supervise(self, user, check_state=True, now=None):
        return self.is_staff(user) and (not check_state or self.is_overdue(now or utcnow()))

    def can_refer_to_mediation(self, user, check_state=True):
        """Turn a dispute into a mediation case (from the studio's intake): community staff, or a mediator of
        the community's studio, who then sees what the order says (a mediator sees no other order). Only an
        order of a dispute category; with the state: reported, or dispatched and not yet signed for."""
        return (
            self.category.is_dispute
            and (self.is_staff(user) or self.is_studio_mediator(user))
            and (not check_state or (self.mediation_case_id is None and self.allows(OrderStatus.to_mediation)))
        )

    def can_merge(self, user, check_state=True):
        """Merge this duplicate into another order (并单): community staff, while nobody has signed for it
        (reported, or dispatched and not signed for)."""
        return self.is_staff(user) and (not check_state or self.allows(OrderStatus.merged))

    def can_see_photo(self, user):
        return self.can_view(user)


class OrderPhoto(db.Model):
    """A photo of an order: of the problem (report) or of the result (after), re-encoded without EXIF."""

    __tablename__ = "grid_order_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("grid_orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PhotoKind] = enum_column(PhotoKind, "kind", 8)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[WorkOrder] = relationship(back_populates="photos")


class OrderEvent(db.Model):
    """One entry of an order's timeline."""

    __tablename__ = "grid_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("grid_orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[OrderStatus | None] = enum_column(OrderStatus, "from_status", 16)
    to_status: Mapped[OrderStatus | None] = enum_column(OrderStatus, "to_status", 16)
    # the message (its English source) and its parameters, translated when shown (app.core.records)
    summary: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict | None] = mapped_column(db.JSON)

    order: Mapped[WorkOrder] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def text(self):
        return records.render(self.summary, self.params)


class SupervisionNotice(db.Model):
    """A supervision notice (督办) issued on an overdue order."""

    __tablename__ = "grid_supervision_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("grid_orders.id", ondelete="CASCADE"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("handling_units.id"))
    due_at: Mapped[object | None] = mapped_column(UTCDateTime)  # the order's deadline when it was issued
    note: Mapped[str] = mapped_column(Text)

    order: Mapped[WorkOrder] = relationship(back_populates="notices")
    issued_by: Mapped[User | None] = relationship()
    handling_unit: Mapped[HandlingUnit | None] = relationship()


class ApiKey(db.Model):
    """An Open311 API key (``api_key``) that posts requests into one community. Only a SHA-256 digest of the
    key is kept; ``prefix`` (its first characters, shown to admins) tells keys apart."""

    __tablename__ = "grid_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    prefix: Mapped[str] = mapped_column(String(12), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[object | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[object | None] = mapped_column(UTCDateTime)

    org_unit: Mapped[OrgUnit] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def audit_label(self):
        return self.name

    @property
    def active(self):
        return self.revoked_at is None

    def can_revoke(self, user, check_state=True):
        return (
            permissions.is_admin(user)
            and permissions.unit_in_scope(user, self.org_unit)
            and (not check_state or self.active)
        )


def deadline(start, minutes):
    return start + timedelta(minutes=minutes)
