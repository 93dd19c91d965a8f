"""Every change of grid work orders and its rules. Views call these; each one checks what may happen, changes
the rows, writes the order's timeline and the audit log, notifies who needs to know, and flushes. The view
commits once (app.core.actions.form_action)."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from app.core import operations as core_ops
from app.core import records, storage
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.models import User, UserRole
from app.core.operations import DomainError
from app.core.roles import Role
from app.core.types import as_local, utcnow
from app.extensions import db
from app.grid.models import (
    ENDED,
    ApiKey,
    Category,
    OrderEvent,
    OrderPhoto,
    OrderSource,
    OrderStatus,
    PhotoKind,
    ResponseLevel,
    Satisfaction,
    SupervisionNotice,
    VerificationMethod,
    WorkOrder,
)

PHOTO_FOLDER = "grid"
MAX_PHOTO_BYTES = 8 * 1024 * 1024


class InvalidTransition(DomainError):
    pass


# --- timeline and transitions ----------------------------------------------------------------


def record_event(order, actor, kind, summary, from_status=None, to_status=None, data=None):
    """Write the order's timeline and the audit log (``summary`` a lazy string, kept as message and
    parameters). Every change of an order comes here, so the order's row is updated with its version checked
    (WorkOrder.version): an operation that only adds rows (a notice, a photo) is refused if the order changed
    meanwhile."""
    flag_modified(order, "status")
    fields = {"order": order, "from_status": from_status, "to_status": to_status}
    db.session.add(records.timeline_entry(OrderEvent, actor, kind, summary, **fields))
    core_ops.log(actor, f"grid.{kind}", order, summary, data)


STATUS_REFUSALS = {
    OrderStatus.dispatched: _l("Only a reported (or returned) order can be dispatched."),
    OrderStatus.signed: _l("Only a dispatched order can be signed for."),
    OrderStatus.reported: _l("Only a dispatched order that was not signed for can be returned."),
    OrderStatus.in_progress: _l("Handling starts after the order was signed for."),
    OrderStatus.replied: _l("A reply is given while the unit handles the order."),
    OrderStatus.verified: _l("Only a replied order can be verified with the resident."),
    OrderStatus.reopened: _l("Only a replied order can be reopened."),
    OrderStatus.closed: _l("Only a verified order can be closed."),
    OrderStatus.to_mediation: _l(
        "Only a reported order, or one dispatched and not yet signed for, can be passed to mediation."
    ),
    OrderStatus.merged: _l("Only a reported order, or one dispatched and not yet signed for, can be merged."),
}


def require_transition(order, to_status):
    to_status = OrderStatus(to_status)
    if order.status == OrderStatus.closed:
        raise InvalidTransition(_("This work order is closed and can no longer be changed."))
    if order.status == OrderStatus.to_mediation:
        raise InvalidTransition(
            _(
                "This work order was passed to mediation as case %(number)s and can no longer be changed.",
                number=order.mediation_case.number,
            )
        )
    if order.status == OrderStatus.merged:
        raise InvalidTransition(
            _(
                "This work order was merged into %(number)s and can no longer be changed.",
                number=order.merged_into.number,
            )
        )
    if not order.allows(to_status):
        raise InvalidTransition(
            _("%(reason)s This work order is %(status)s.", reason=STATUS_REFUSALS[to_status], status=order.status.title)
        )


def transition(order, to_status, actor, kind, summary, data=None):
    require_transition(order, to_status)
    before = order.status
    order.status = to_status = OrderStatus(to_status)
    record_event(order, actor, kind, summary, from_status=before, to_status=to_status, data=data)
    db.session.flush()


def order_link(order):
    return f"/grid/orders/{order.id}"


# --- deadlines -------------------------------------------------------------------------------


def minutes_for(level, setting="GRID_DEADLINE_MINUTES"):
    return int(current_app.config[setting][ResponseLevel(level).value])


def deadlines(level, start):
    """(sign by, finish by) for an order of ``level`` dispatched at ``start``."""
    return (
        start + timedelta(minutes=minutes_for(level, "GRID_SIGN_MINUTES")),
        start + timedelta(minutes=minutes_for(level)),
    )


def due_soon_window():
    return timedelta(minutes=int(current_app.config["GRID_DUE_SOON_MINUTES"]))


# --- categories ------------------------------------------------------------------------------

CATEGORY_FIELDS = ("name", "group_name", "sort_order", "default_level", "default_unit", "active", "is_dispute")


def save_category(actor, unit, data, category=None):
    """Create (in ``unit``) or change a category."""
    name = data["name"].strip()
    owner = category.org_unit if category is not None else unit
    clash = db.session.scalar(select(Category.id).where(Category.org_unit_id == owner.id, Category.name == name))
    if clash and (category is None or clash != category.id):
        raise DomainError(_("There is already a category with this name."), field="name")
    default_unit = data.get("default_unit")
    if (
        default_unit is not None
        and not default_unit.org_unit.contains(owner)
        and not owner.contains(default_unit.org_unit)
    ):
        raise DomainError(_("This handling unit does not serve the category's area."), field="default_unit_id")
    created = category is None
    if created:
        category = Category(org_unit=owner)
        db.session.add(category)
    category.name = name
    category.group_name = data.get("group_name") or None
    category.sort_order = data.get("sort_order") or 0
    category.default_level = data["default_level"]
    category.default_unit = default_unit
    category.active = bool(data.get("active", True))
    category.is_dispute = bool(data.get("is_dispute"))
    db.session.flush()
    action = "grid.category_created" if created else "grid.category_updated"
    core_ops.log(actor, action, category, _l("Category %(name)s", name=name))
    return category


# --- reporting -------------------------------------------------------------------------------


def check_place(actor, data):
    """The building (and its grid) where the reporter works, a category offered there, and a position that
    is one: DomainError on the field otherwise."""
    building = data.get("building")
    if building is None:
        raise DomainError(_("Choose the building."), field="building_id")
    if not actor.org_unit.contains(building.grid):
        raise DomainError(_("You can report only in your own grid."), field="building_id")
    category = data.get("category")
    if category is None or not category.active or not category.org_unit.contains(building.grid):
        raise DomainError(_("Choose one of the categories offered."), field="category_id")
    latitude, longitude = data.get("latitude"), data.get("longitude")
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both the latitude and the longitude, or neither."), field="latitude")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise DomainError(_("This is not a position on Earth."), field="latitude")
    return building, category


def report_order(actor, data, photos=()):
    """A grid worker reports a problem (上报): the order, its photos (at most GRID_MAX_PHOTOS, each checked,
    re-encoded without EXIF and scaled down) and its first timeline entry."""
    building, category = check_place(actor, data)
    photos = [photo for photo in photos if photo is not None and photo.filename]
    if len(photos) > current_app.config["GRID_MAX_PHOTOS"]:
        raise DomainError(_("Add at most %(n)d photos.", n=current_app.config["GRID_MAX_PHOTOS"]), field="photos")
    grid = building.grid
    now = utcnow()
    year = as_local(now).year
    order = WorkOrder(
        year=year,
        seq=0,
        number=f"new-{secrets.token_hex(8)}",  # until the row has its id
        org_unit_id=grid.parent_id,
        grid=grid,
        building=building,
        room=data.get("room") or None,
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        category=category,
        description=data["description"],
        level=data.get("level") or category.default_level,
        status=OrderStatus.reported,
        source=data.get("source") or OrderSource.grid_report,
        reporter_id=actor.id,
        caller_name=data.get("caller_name") or None,
        caller_phone=data.get("caller_phone") or None,
        reported_at=now,
    )
    db.session.add(order)
    db.session.flush()
    # the number is made of the year and the row's id: unique without a lock or a retry, however many
    # reports arrive at the same moment
    order.seq = order.id
    order.number = f"WG{year}-{order.id:06d}"
    for photo in photos:
        add_photo(actor, order, PhotoKind.report, photo, field="photos")
    record_event(
        order,
        actor,
        "reported",
        _l("Reported: %(category)s", category=category.name),
        to_status=OrderStatus.reported,
        data={"photos": len(photos), "level": order.level},
    )
    db.session.flush()
    return order


def add_photo(actor, order, kind, file_storage, field="photo"):
    """Keep a photo with the order: checked by its content, re-encoded without EXIF, scaled down."""
    try:
        checked = storage.check_upload(
            file_storage,
            allow=("image",),
            max_bytes=MAX_PHOTO_BYTES,
            max_side=current_app.config["GRID_PHOTO_MAX_SIDE"],
        )
    except DomainError as error:
        raise DomainError(error.message, field=field) from error
    key = storage.save(checked, PHOTO_FOLDER)  # removed again if the change is not committed
    photo = OrderPhoto(
        order=order,
        kind=kind,
        filename=checked.filename,
        stored_name=key.removeprefix(PHOTO_FOLDER + "/"),
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    db.session.add(photo)
    return photo


def photo_key(photo):
    return f"{PHOTO_FOLDER}/{photo.stored_name}"


def send_photo(photo):
    return storage.send(photo_key(photo), filename=photo.filename, content_type=photo.content_type, as_attachment=False)


def _require_after_photo(file_storage):
    if file_storage is None or not getattr(file_storage, "filename", ""):
        raise DomainError(_("Add a photo of the result."), field="photo")


# --- the closed loop -------------------------------------------------------------------------


def dispatch(actor, order, unit, level=None):
    """Dispatch (交办) to a handling unit that serves the order's place; the clocks start now."""
    require_transition(order, OrderStatus.dispatched)
    if unit is None or not unit.active or not unit.org_unit.contains(order.grid):
        raise DomainError(_("Choose an active handling unit that serves this place."), field="handling_unit_id")
    now = utcnow()
    order.level = level or order.level
    order.handling_unit = unit
    order.dispatched_at = now
    order.sign_due_at, order.due_at = deadlines(order.level, now)
    order.return_reason = None
    transition(
        order,
        OrderStatus.dispatched,
        actor,
        "dispatched",
        _l("Dispatched to %(unit)s, %(level)s", unit=unit.name, level=order.level),
        {"handling_unit_id": unit.id, "level": order.level},
    )
    _notify_handlers(order, _l("Work order %(number)s was dispatched to your unit.", number=order.number))


def sign(actor, order):
    """The unit signs for the order (签收)."""
    require_transition(order, OrderStatus.signed)
    order.signed_at = utcnow()
    transition(order, OrderStatus.signed, actor, "signed", _l("Signed for by %(unit)s", unit=order.handling_unit.name))


def return_order(actor, order, reason):
    """The unit returns the order with a reason (退单): back to the dispatch queue, without a unit."""
    require_transition(order, OrderStatus.reported)
    unit = order.handling_unit
    order.return_reason = reason
    order.handling_unit = None
    order.dispatched_at = order.sign_due_at = order.due_at = None
    transition(
        order,
        OrderStatus.reported,
        actor,
        "returned",
        _l("Returned by %(unit)s: %(reason)s", unit=unit.name, reason=reason),
        {"handling_unit_id": unit.id},
    )
    _notify_staff(
        order, actor, _l("Work order %(number)s was returned: %(reason)s", number=order.number, reason=reason)
    )


def start(actor, order):
    require_transition(order, OrderStatus.in_progress)
    order.started_at = utcnow()
    transition(order, OrderStatus.in_progress, actor, "started", _l("Handling started"))


def reply(actor, order, result, photo):
    """The unit's reply (办理回复): the result and an "after" photo as proof."""
    require_transition(order, OrderStatus.replied)  # allowed from HANDLING only
    _require_after_photo(photo)
    add_photo(actor, order, PhotoKind.after, photo)
    order.result = result
    order.replied_at = utcnow()
    transition(order, OrderStatus.replied, actor, "replied", _l("Replied: %(result)s", result=result))
    _notify_staff(order, actor, _l("Work order %(number)s was replied to.", number=order.number))
    _notify_reporter(order, actor)


def verify(actor, order, satisfaction, method, note=None):
    """Verification with the resident (回访核实): satisfied or basically satisfied verifies the order;
    unsatisfied reopens it for the same unit, with a new deadline from now."""
    require_transition(order, OrderStatus.verified)
    satisfaction, method = Satisfaction(satisfaction), VerificationMethod(method)
    order.satisfaction = satisfaction
    order.verification_method = method
    order.verification_note = note or None
    data = {"satisfaction": satisfaction, "method": method}
    summary = _l("Verified (%(method)s): %(satisfaction)s", method=method, satisfaction=satisfaction)
    if satisfaction == Satisfaction.unsatisfied:
        order.reopen_count += 1
        order.due_at = deadlines(order.level, utcnow())[1]
        transition(order, OrderStatus.reopened, actor, "reopened", summary, data)
        _notify_handlers(
            order, _l("Work order %(number)s was reopened: the resident is not satisfied.", number=order.number)
        )
        return
    order.verified_at = utcnow()
    transition(order, OrderStatus.verified, actor, "verified", summary, data)


def close(actor, order):
    """Close a verified order (办结). (A reported one is closed by settling it on the spot, not so.)"""
    require_transition(order, OrderStatus.closed)
    if order.status != OrderStatus.verified:
        raise InvalidTransition(
            _(
                "%(reason)s This work order is %(status)s.",
                reason=STATUS_REFUSALS[OrderStatus.closed],
                status=order.status.title,
            )
        )
    order.closed_at = utcnow()
    transition(order, OrderStatus.closed, actor, "closed", _l("Closed"))
    _notify_reporter(order, actor)


def settle_on_spot(actor, order, result, photo):
    """The grid worker settled the matter on the spot (就地化解), with an "after" photo as proof: closed."""
    if order.status != OrderStatus.reported:
        raise InvalidTransition(_("Only a reported order that was not dispatched can be settled on the spot."))
    _require_after_photo(photo)
    add_photo(actor, order, PhotoKind.after, photo)
    now = utcnow()
    order.result = result
    order.settled_on_spot = True
    order.closed_at = now
    transition(order, OrderStatus.closed, actor, "settled", _l("Settled on the spot: %(result)s", result=result))


def supervise(actor, order, note):
    """A supervision notice (督办) on an overdue order: on its timeline, counted, sent to the unit."""
    now = utcnow()
    if not order.is_overdue(now):
        raise InvalidTransition(_("Only an overdue order that a unit is handling can be supervised."))
    db.session.add(
        SupervisionNotice(
            order=order,
            issued_by_id=actor.id,
            issued_at=now,
            handling_unit_id=order.handling_unit_id,
            due_at=order.due_at,
            note=note,
        )
    )
    order.supervision_count += 1
    record_event(
        order,
        actor,
        "supervised",
        _l("Supervision notice to %(unit)s: %(note)s", unit=order.handling_unit.name, note=note),
        data={"handling_unit_id": order.handling_unit_id},
    )
    _notify_handlers(
        order, _l("Supervision notice on overdue work order %(number)s: %(note)s", number=order.number, note=note)
    )
    db.session.flush()


# --- duplicates --------------------------------------------------------------------------------


def merge(actor, duplicate, target):
    """Merge a duplicate into the order that reports the same problem (并单): the duplicate ends, merged, and
    points to ``target``, which shows its reporter and photos; whatever was merged into the duplicate follows
    it. Its reporter follows ``target`` from now on; a unit it was dispatched to is told it need not handle it."""
    if target is None:
        raise DomainError(_("There is no work order with this number in the community."), field="target")
    if target.id == duplicate.id:
        raise DomainError(_("An order cannot be merged into itself."), field="target")
    if target.org_unit_id != duplicate.org_unit_id:
        raise DomainError(_("Orders are merged within one community."), field="target")
    if target.status in ENDED:
        raise DomainError(
            _(
                "Work order %(number)s is %(status)s: merge into an open order.",
                number=target.number,
                status=target.status.title,
            ),
            field="target",
        )
    require_transition(duplicate, OrderStatus.merged)
    for merged in list(duplicate.merged_orders):
        merged.merged_into = target
    duplicate.merged_into = target
    transition(
        duplicate,
        OrderStatus.merged,
        actor,
        "merged",
        _l("Merged into work order %(number)s", number=target.number),
        {"merged_into_id": target.id},
    )
    record_event(
        target,
        actor,
        "merged_in",
        _l("Work order %(number)s was merged into this one", number=duplicate.number),
        data={"merged_order_id": duplicate.id},
    )
    db.session.flush()
    _notify_handlers(
        duplicate,
        _l(
            "Work order %(number)s was merged into %(target)s; your unit need not handle it.",
            number=duplicate.number,
            target=target.number,
        ),
    )
    reporter = duplicate.reporter
    if reporter is not None and reporter.id != actor.id and reporter.active:
        core_ops.notify(
            reporter,
            _l(
                "The work order you reported (%(number)s) was merged into %(target)s, which reports the same problem.",
                number=duplicate.number,
                target=target.number,
            ),
            order_link(target),
        )


# --- from a dispute to mediation ----------------------------------------------------------------


def require_referable(order, community=None):
    """The order may become a mediation case (of ``community``, if given): a dispute, not yet linked, in a
    state that allows it; InvalidTransition with the reason otherwise."""
    if not order.category.is_dispute:
        raise InvalidTransition(_("Only a work order of a dispute category can be passed to mediation."))
    require_transition(order, OrderStatus.to_mediation)
    if community is not None and community.id != order.org_unit_id:
        raise InvalidTransition(_("The case must be registered in the work order's community."))


def refer_to_mediation(actor, order, case):
    """A dispute becomes the mediation case ``case`` (registered from it in the same transaction): the order is
    linked to the case and ends here, passed to mediation; both timelines and the audit log say so; the
    reporter (who sees the case's status) and, if it was dispatched, the unit are told."""
    from app.mediation import operations as mediation_ops  # grid builds on the studio, never the other way

    require_referable(order, case.org_unit)
    order.mediation_case = case
    transition(
        order,
        OrderStatus.to_mediation,
        actor,
        "to_mediation",
        _l("Passed to mediation as case %(number)s", number=case.number),
        {"mediation_case_id": case.id, "case_number": case.number},
    )
    mediation_ops.record_event(
        case,
        actor,
        "from_work_order",
        _l("Registered from work order %(number)s", number=order.number),
        data={"order_id": order.id, "order_number": order.number},
    )
    db.session.flush()
    _notify_handlers(
        order, _l("Work order %(number)s was passed to mediation; your unit need not handle it.", number=order.number)
    )
    _notify_reporter(order, actor)


# --- notifications ---------------------------------------------------------------------------


def _active_with_role(role, *conditions):
    return db.session.scalars(
        select(User).where(User.active.is_(True), User.role_rows.any(UserRole.role == role), *conditions)
    ).all()


def _notify_handlers(order, message):
    if order.handling_unit_id is None:
        return
    for user in _active_with_role(Role.handler, User.handling_unit_id == order.handling_unit_id):
        core_ops.notify(user, message, order_link(order))


def _notify_staff(order, actor, message):
    """The admins of the order's community and the units above it."""
    for user in _active_with_role(Role.admin, User.org_unit_id.in_(order.org_unit.ancestor_ids)):
        if user.id != getattr(actor, "id", None):
            core_ops.notify(user, message, order_link(order))


def _notify_reporter(order, actor):
    """Who reported it, and who reported a duplicate merged into it."""
    reporters = {order.reporter_id: order.reporter} | {m.reporter_id: m.reporter for m in order.merged_orders}
    for reporter in reporters.values():
        if reporter is None or reporter.id == getattr(actor, "id", None) or not reporter.active:
            continue
        core_ops.notify(
            reporter,
            _l(
                "The work order you reported (%(number)s) is now: %(status)s",
                number=order.number,
                status=order.status.title,
            ),
            order_link(order),
        )


# --- Open311 (app.grid.open311) and its API keys ----------------------------------------------------------

API_KEY_PREFIX_LENGTH = 8


def api_key_digest(key):
    """What is kept of an API key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(actor, community, name):
    """A new API key that posts requests into ``community``: (the row, the key itself). The key is shown once
    and never kept; its digest finds it again, its first characters (``prefix``) tell keys apart."""
    from app.core.models import COMMUNITY_KINDS

    if community is None or community.kind not in COMMUNITY_KINDS:
        raise DomainError(_("Choose the community the key posts into."), field="org_unit_id")
    while True:
        key = secrets.token_urlsafe(32)
        prefix = key[:API_KEY_PREFIX_LENGTH]
        if db.session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
            break
    row = ApiKey(
        org_unit=community,
        name=name.strip(),
        prefix=prefix,
        digest=api_key_digest(key),
        created_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    core_ops.log(
        actor,
        "grid.api_key_created",
        row,
        _l("API key %(name)s (%(prefix)s…) for %(community)s", name=row.name, prefix=prefix, community=community.name),
        {"prefix": prefix, "org_unit_id": community.id},
    )
    return row, key


def revoke_api_key(actor, api_key):
    """Revoke a key: from now on it posts nothing (403)."""
    if api_key.revoked_at is not None:
        raise DomainError(_("This API key was revoked already."))
    api_key.revoked_at = utcnow()
    core_ops.log(
        actor,
        "grid.api_key_revoked",
        api_key,
        _l("API key %(name)s (%(prefix)s…) revoked", name=api_key.name, prefix=api_key.prefix),
        {"prefix": api_key.prefix},
    )
    db.session.flush()


def active_api_key(key):
    """The active API key ``key`` is, or None (unknown, revoked, or not a key at all)."""
    if not key or len(key) > 200:
        return None
    return db.session.scalar(select(ApiKey).where(ApiKey.digest == api_key_digest(key), ApiKey.revoked_at.is_(None)))


def receive_open311_request(api_key, data):
    """A service request posted through Open311 with ``api_key`` becomes a reported work order of the key's
    community, in the dispatch queue like any report. ``data``: category, grid, building (or None), address
    (the place in words), latitude, longitude, description, caller_name, caller_phone (personal data: kept for
    the verification call, never in a timeline entry, an audit entry or a log line), media_url. The order
    has no reporter (nobody of the app reported it); its clocks start when staff dispatch it."""
    category, grid = data["category"], data["grid"]
    community = api_key.org_unit
    if not category.active or category.org_unit_id not in community.ancestor_ids:
        raise DomainError(_("This service is not offered in the key's community."), field="service_code")
    if grid is None or grid.parent_id != community.id:
        raise DomainError(_("The place is not in the key's community."), field="address_id")
    now = utcnow()
    year = as_local(now).year
    order = WorkOrder(
        year=year,
        seq=0,
        number=f"new-{secrets.token_hex(8)}",  # until the row has its id
        org_unit_id=community.id,
        grid=grid,
        building=data.get("building"),
        address=data.get("address") or None,
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        category=category,
        description=data.get("description") or "",
        level=category.default_level,
        status=OrderStatus.reported,
        source=OrderSource.open311,
        reporter_id=None,
        caller_name=data.get("caller_name") or None,
        caller_phone=data.get("caller_phone") or None,
        reported_at=now,
    )
    db.session.add(order)
    db.session.flush()
    order.seq = order.id
    order.number = f"WG{year}-{order.id:06d}"
    api_key.last_used_at = now
    key_label = f"{api_key.name} ({api_key.prefix}…)"
    if data.get("media_url"):
        summary = _l(
            "Received through Open311 (key %(key)s): %(category)s; media: %(media_url)s",
            key=key_label,
            category=category.name,
            media_url=data["media_url"],
        )
    else:
        summary = _l("Received through Open311 (key %(key)s): %(category)s", key=key_label, category=category.name)
    record_event(
        order,
        None,
        "open311_received",
        summary,
        to_status=OrderStatus.reported,
        data={"api_key_id": api_key.id, "prefix": api_key.prefix, "level": order.level},
    )
    db.session.flush()
    _notify_staff(order, None, _l("Work order %(number)s was received through Open311.", number=order.number))
    return order
