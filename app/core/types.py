"""Column types shared by every feature, and the app's clock."""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# The moment utcnow() reads instead of the real time inside ``clock_at`` (None: the real time).
_clock = ContextVar("linli_clock", default=None)


def utcnow():
    """Now, in UTC: the real time, or the moment set by ``clock_at``."""
    moment = _clock.get()
    return moment if moment is not None else datetime.now(UTC)


@contextmanager
def clock_at(moment):
    """Inside the block, ``utcnow()`` and ``local_today()`` read ``moment`` (an aware datetime): the demo data
    goes through the real operations with the times its story tells (a case received 12 days ago has its
    intake entry 12 days ago). Never used while serving a request."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs an aware datetime")
    token = _clock.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _clock.reset(token)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def local_today():
    """Today's date where the community is (Asia/Shanghai by default)."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    return utcnow().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def as_local(value):
    """The date-time in community time (Asia/Shanghai): a naive value typed by a user is taken as such,
    an aware one is converted, so that ``.date()`` is the community's calendar day."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    if value is None:
        return value
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
