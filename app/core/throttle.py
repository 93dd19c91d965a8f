"""Login throttling that holds across every worker and app server: failed logins are rows of login_failures,
counted per mobile number (as normalised) and per client address in the shared database, SQLite included.

An attempt is counted before its password is checked: ``begin_login`` counts the failures of its number and
its address within the window and, under the limits, writes one row per key and commits. Attempts on the same
keys take their turns for this (a lock per key on PostgreSQL, the write lock on SQLite), so that of attempts
sent at the same moment no more go through than the limits allow, however many workers and servers take them.
An attempt over a limit is refused and writes nothing (waiting is what ends the refusal); a successful one
deletes the number's rows (the count starts again) and its own row of the address; a failed one keeps its
rows.

    attempt = throttle.begin_login(phone, request.remote_addr)   # TooManyAttempts when over a limit
    ...
    throttle.succeeded(attempt)

The rows are written through a connection of their own, committed at once whatever the request does next.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select

from app.core.models import LoginFailure
from app.core.types import utcnow
from app.extensions import db

TABLE = LoginFailure.__table__


class TooManyAttempts(Exception):
    """Too many failed logins for this number or from this address; ``minutes`` until the next try."""

    def __init__(self, minutes):
        super().__init__(f"try again in {minutes} minutes")
        self.minutes = minutes


@dataclass(frozen=True)
class Attempt:
    phone_key: str
    address_key: str
    row_ids: tuple


def phone_key(phone):
    return f"phone:{phone}"


def address_key(address):
    return f"ip:{address or 'unknown'}"[:64]


def limits():
    config = current_app.config
    return (
        int(config["LOGIN_FAILURES_PER_PHONE"]),
        int(config["LOGIN_FAILURES_PER_ADDRESS"]),
        timedelta(seconds=int(config["LOGIN_FAILURE_WINDOW"])),
    )


def begin_login(phone, address):
    """Count a login attempt for ``phone`` (normalised) from ``address`` and return it, or raise
    TooManyAttempts when the number or the address has had its failures within the window."""
    per_phone, per_address, window = limits()
    keys = {phone_key(phone): per_phone, address_key(address): per_address}
    now = utcnow()
    since = now - window
    wait = None
    with db.engine.begin() as conn:
        postgresql = conn.dialect.name == "postgresql"
        _serialise(conn, keys, since, postgresql)
        for key, limit in keys.items():
            times = conn.scalars(
                select(TABLE.c.created_at)
                .where(TABLE.c.key == key, TABLE.c.created_at >= since)
                .order_by(TABLE.c.created_at)
            ).all()
            if len(times) >= limit:
                # free again once enough of them are older than the window
                until = times[len(times) - limit] + window
                wait = until if wait is None else max(wait, until)
        if wait is None:
            row_ids = tuple(
                conn.execute(insert(TABLE).values(key=key, created_at=now)).inserted_primary_key[0] for key in keys
            )
    if postgresql:
        _forget(since)
    if wait is not None:
        raise TooManyAttempts(max(1, math.ceil((wait - now).total_seconds() / 60)))
    return Attempt(*keys, row_ids)


def _serialise(conn, keys, since, postgresql):
    """Attempts on the same keys take turns from here to the commit, so that each one counts the others: on
    PostgreSQL with a lock per key (taken in one order, so that two attempts never wait for each other in a
    circle), on SQLite with the database's write lock, which the transaction's first write takes (the rows old
    enough to be forgotten are deleted here; PostgreSQL deletes them after the commit, see _forget)."""
    if postgresql:
        for key in sorted(keys):
            conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
    else:
        conn.execute(delete(TABLE).where(TABLE.c.created_at < since))


def _forget(since):
    with db.engine.begin() as conn:
        conn.execute(delete(TABLE).where(TABLE.c.created_at < since))


def succeeded(attempt):
    """The password was right: the number's failures are forgotten, and this attempt is no failure."""
    with db.engine.begin() as conn:
        conn.execute(delete(TABLE).where((TABLE.c.key == attempt.phone_key) | TABLE.c.id.in_(attempt.row_ids)))


def failures(key):
    """How many failures ``key`` has within the window (for tests and support)."""
    _per_phone, _per_address, window = limits()
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).where(TABLE.c.key == key, TABLE.c.created_at >= utcnow() - window))
