"""Operations on the shared models. Each one changes data, writes the audit log and flushes;
the view that called it commits once."""

import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import delete, func, select, update

from app.core import records
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.models import (
    AuditEntry,
    Building,
    HandlingUnit,
    Notification,
    OrgUnit,
    UnitKind,
    User,
    UserSession,
    session_digest,
)
from app.core.security import verify_password
from app.core.types import utcnow
from app.extensions import db


class DomainError(Exception):
    """A rule of the domain refused an operation; the message is translated and shown to the user."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = message
        self.field = field


UNCHECKED = object()  # no form version to check: the caller is the code itself, not a form


class ChangedMeanwhile(DomainError):
    """A form was filled in on a version of the record that somebody else has changed since."""


def check_version(record, version):
    """Refuse a change made on an older version of ``record`` (the version its form was filled in on; a form
    that sends none is refused too)."""
    if version is not UNCHECKED and str(version) != str(record.version):
        raise ChangedMeanwhile(
            _(
                "Somebody else changed this after you opened the form, so it was not saved. "
                "What you typed is kept below: compare it with the case page, then save again."
            )
        )


# --- audit log -------------------------------------------------------------------------------


def log(actor, action, target=None, summary="", data=None):
    """Write one audit entry. ``target`` is a model instance: its table name, id and its ``audit_label`` (what
    the audit log calls it, e.g. a case number) are kept. ``summary`` is a lazy string, stored as its message
    and parameters and read in each reader's language (app.core.records)."""
    ip = None
    if has_request_context():
        ip = request.remote_addr
    message, params = records.to_record(summary)
    label = getattr(target, "audit_label", None) if target is not None else None
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        target_label=str(label)[:200] if label else None,
        summary=message,
        params=params,
        data=data or {},
        ip=ip,
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


# --- notifications ---------------------------------------------------------------------------


def notify(user, message, link=None):
    """Send an in-app notification. ``message`` is a lazy string (``_l("...", **params)``): it is kept as its
    message and parameters and shown in the language of whoever reads it, when they read it
    (app.core.records); plain text is kept and shown as it is."""
    message, params = records.to_record(message)
    note = Notification(user_id=user.id, message=message, params=params, link=link, created_at=utcnow())
    db.session.add(note)
    return note


def unread_count(user):
    return db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def mark_read(notification):
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(user):
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


# --- organisation tree -----------------------------------------------------------------------


def allowed_child_kinds(parent):
    if parent is None:
        return [UnitKind.county]
    level = parent.kind.level + 1
    return [kind for kind in UnitKind if kind.level == level]


def create_unit(actor, parent, kind, name, code=None):
    kind = UnitKind(kind)
    if kind not in allowed_child_kinds(parent):
        raise DomainError(_("A %(kind)s cannot be placed there.", kind=kind.title), field="kind")
    _check_code_free(code)
    unit = OrgUnit(parent=parent, kind=kind, name=name.strip(), code=code or None)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    log(actor, "org_unit.created", unit, _l("Created %(name)s", name=unit.name), {"kind": unit.kind})
    db.session.flush()
    return unit


def update_unit(actor, unit, name, code=None):
    if code and code != unit.code:
        _check_code_free(code)
    changes = {}
    if unit.name != name.strip():
        changes["name"] = [unit.name, name.strip()]
        unit.name = name.strip()
    if (unit.code or None) != (code or None):
        changes["code"] = [unit.code, code or None]
        unit.code = code or None
    if changes:
        log(actor, "org_unit.updated", unit, _l("Updated %(name)s", name=unit.name), changes)
    db.session.flush()
    return unit


def _check_code_free(code):
    if code and db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)):
        raise DomainError(_("This code is already used by another unit."), field="code")


def save_building(actor, grid, data, building=None):
    if grid.kind != UnitKind.grid:
        raise DomainError(_("Buildings belong to a grid."))
    name = data["name"].strip()
    clash = db.session.scalar(select(Building.id).where(Building.grid_id == grid.id, Building.name == name))
    if clash and (building is None or clash != building.id):
        raise DomainError(_("This grid already has a building with that name."), field="name")
    created = building is None
    if created:
        building = Building(grid=grid)
        db.session.add(building)
    building.name = name
    building.address = data.get("address") or None
    building.entrances = data.get("entrances")
    building.households = data.get("households")
    db.session.flush()
    action = "building.created" if created else "building.updated"
    log(actor, action, building, _l("Building %(name)s in %(grid)s", name=name, grid=grid.name))
    return building


def save_handling_unit(actor, data, unit=None):
    created = unit is None
    if created:
        unit = HandlingUnit()
        db.session.add(unit)
    unit.name = data["name"].strip()
    unit.kind = data["kind"]
    unit.org_unit = data["org_unit"]
    unit.contact_name = data.get("contact_name") or None
    unit.contact_phone = data.get("contact_phone") or None
    unit.active = bool(data.get("active", True))
    db.session.flush()
    action = "handling_unit.created" if created else "handling_unit.updated"
    log(actor, action, unit, _l("Handling unit %(name)s", name=unit.name))
    return unit


# --- users -----------------------------------------------------------------------------------


def create_user(
    actor, phone, name, password, roles, org_unit, handling_unit=None, locale=None, *, active=True, home_building=None
):
    if db.session.scalar(select(User.id).where(User.phone == phone)):
        raise DomainError(_("A user with this mobile number already exists."), field="phone")
    user = User(
        phone=phone,
        name=name.strip(),
        org_unit=org_unit,
        handling_unit=handling_unit,
        locale=locale,
        active=bool(active),
        home_building=home_building,
    )
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    log(actor, "user.created", user, _l("Created user %(name)s", name=user.name), _user_snapshot(user))
    return user


def _user_snapshot(user):
    return {
        "name": user.name,
        "roles": sorted(str(r) for r in user.roles),
        "org_unit_id": user.org_unit_id,
        "handling_unit_id": user.handling_unit_id,
        "active": user.active,
        "home_building_id": user.home_building_id,
    }


def update_user(actor, user, name, roles, org_unit, handling_unit=None, active=True, home_building=None):
    before = _user_snapshot(user)
    if actor.id == user.id and not active:
        raise DomainError(_("You cannot deactivate your own account."), field="active")
    if actor.id == user.id and "admin" not in {str(r) for r in roles}:
        raise DomainError(_("You cannot remove your own administrator role."), field="roles")
    user.name = name.strip()
    user.set_roles(roles)
    user.org_unit = org_unit
    user.handling_unit = handling_unit
    user.home_building = home_building
    if user.active and not active:
        user.login_token = secrets.token_hex(16)
    user.active = active
    db.session.flush()
    after = _user_snapshot(user)
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        log(actor, "user.updated", user, _l("Updated user %(name)s", name=user.name), changes)
    return user


def update_account(user, name, locale):
    """The user changes their own name and language."""
    if locale is not None and locale not in current_app.config["LANGUAGES"]:
        raise DomainError(_("Choose one of the languages offered."), field="locale")
    before = {"name": user.name, "locale": user.locale}
    user.name = name.strip()
    user.locale = locale
    db.session.flush()
    changes = {key: [value, getattr(user, key)] for key, value in before.items() if value != getattr(user, key)}
    if changes:
        log(user, "user.account_updated", user, _l("Updated own account"), changes)
    return user


def set_language(user, locale):
    """The language picked with the switch (or before logging in) becomes the user's own, audited as an
    account change."""
    return update_account(user, user.name, locale)


def reset_password(actor, user, new_password):
    user.set_password(new_password)
    log(actor, "user.password_reset", user, _l("Password of %(name)s reset", name=user.name))
    db.session.flush()


def change_own_password(user, current_password, new_password):
    if not user.check_password(current_password):
        raise DomainError(_("The current password is not correct."), field="current_password")
    user.set_password(new_password)
    log(user, "user.password_changed", user, _l("Changed own password"))
    db.session.flush()


# --- login, logout and sessions -----------------------------------------------------------------


def authenticate(phone, password):
    """The user (active or not) with this mobile number and password, or None. A password is checked against
    a hash even when no user has the number, so the time the answer takes does not tell whether it is
    registered."""
    user = db.session.scalar(select(User).where(User.phone == phone))
    return user if verify_password(user, password) else None


def start_session(user, remember=False):
    """A new live session of ``user`` (a row of user_sessions, flushed; the caller commits), lasting
    PERMANENT_SESSION_LIFETIME, or REMEMBER_COOKIE_DURATION when ``remember``. Returns what the Flask session
    keeps as ``_user_id`` (app.core.models.load_user): the user's login token and the session's own token.
    The user's expired sessions are deleted on the way."""
    now = utcnow()
    config = current_app.config
    lifetime = _as_timedelta(config["REMEMBER_COOKIE_DURATION"] if remember else config["PERMANENT_SESSION_LIFETIME"])
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now))
    db.session.add(
        UserSession(
            id=session_digest(token),
            user_id=user.id,
            remember=bool(remember),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return f"{user.login_token}.{token}"


def session_remembered(value):
    """Whether the live session named by ``value`` (a Flask session's ``_user_id``) was opened with "keep me
    logged in"."""
    _token, _, session_token = (value or "").partition(".")
    if not session_token:
        return False
    return bool(db.session.scalar(select(UserSession.remember).where(UserSession.id == session_digest(session_token))))


def end_session(value):
    """End the live session named by ``value`` (a Flask session's ``_user_id``): the session cookie and the
    remember-me cookie that carry it are refused from now on, by every app server. Flushes; the caller
    commits."""
    _token, _, session_token = (value or "").partition(".")
    if session_token:
        db.session.execute(delete(UserSession).where(UserSession.id == session_digest(session_token)))
        db.session.flush()


def _as_timedelta(value):
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def record_login(user):
    user.last_login_at = utcnow()
    log(user, "user.login", user, _l("Logged in"))


def record_failed_login(phone):
    log(None, "user.login_failed", None, _l("Failed login for %(phone)s", phone=mask_phone(phone)))


def mask_phone(phone):
    if not phone or len(phone) < 7:
        return phone or ""
    return phone[:3] + "****" + phone[-4:]
