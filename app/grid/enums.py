"""Grid work orders' statuses, levels and kinds, each with its translated title (app.core.enums.TitledEnum),
and the allowed status changes of the closed loop."""

from app.core.enums import TitledEnum
from app.core.i18n import lazy_gettext as _l


class ResponseLevel(TitledEnum):
    """How soon a unit must finish (响应等级); the hours are settings (GRID_DEADLINE_MINUTES)."""

    two_hours = "two_hours", _l("Within 2 hours")
    one_day = "one_day", _l("Within 24 hours")
    three_days = "three_days", _l("Within 3 days")
    seven_days = "seven_days", _l("Within 7 days")


class OrderStatus(TitledEnum):
    reported = "reported", _l("Reported")
    dispatched = "dispatched", _l("Dispatched")
    signed = "signed", _l("Signed for")
    in_progress = "in_progress", _l("In progress")
    replied = "replied", _l("Replied")
    reopened = "reopened", _l("Reopened")
    verified = "verified", _l("Verified")
    closed = "closed", _l("Closed")
    # a dispute turned into a mediation case (the case goes on in the studio; the order ends here)
    to_mediation = "to_mediation", _l("Passed to mediation")
    # a duplicate merged into another order (并单): its reporter and photos are shown there
    merged = "merged", _l("Merged into another order")


class OrderSource(TitledEnum):
    grid_report = "grid_report", _l("Grid worker report")
    phone_call = "phone_call", _l("Registered from a call")
    open311 = "open311", _l("Received through Open311")


class PhotoKind(TitledEnum):
    report = "report", _l("Photo of the problem")
    after = "after", _l("Photo after handling")


class Satisfaction(TitledEnum):
    satisfied = "satisfied", _l("Satisfied")
    basically_satisfied = "basically_satisfied", _l("Basically satisfied")
    unsatisfied = "unsatisfied", _l("Unsatisfied")


class VerificationMethod(TitledEnum):
    phone = "phone", _l("By phone")
    doorstep = "doorstep", _l("Door-step visit")
    on_site = "on_site", _l("Checked on site")


# The only status changes there are. Everything else is refused. A return (退单) sends a dispatched order back
# to the dispatch queue; settling on the spot (就地化解) closes a reported one; "unsatisfied" reopens a reply;
# a dispute reported, or dispatched and not yet signed for, may be passed to the mediation studio; such an order
# may also be merged into another one that reports the same problem (并单).
TRANSITIONS = {
    OrderStatus.reported: {OrderStatus.dispatched, OrderStatus.closed, OrderStatus.to_mediation, OrderStatus.merged},
    OrderStatus.dispatched: {OrderStatus.signed, OrderStatus.reported, OrderStatus.to_mediation, OrderStatus.merged},
    OrderStatus.signed: {OrderStatus.in_progress, OrderStatus.replied},
    OrderStatus.in_progress: {OrderStatus.replied},
    OrderStatus.replied: {OrderStatus.verified, OrderStatus.reopened},
    OrderStatus.reopened: {OrderStatus.replied},
    OrderStatus.verified: {OrderStatus.closed},
    OrderStatus.closed: set(),
    OrderStatus.to_mediation: set(),
    OrderStatus.merged: set(),
}
# with a handling unit, whose clock runs: what can be overdue and supervised
WITH_UNIT = (OrderStatus.dispatched, OrderStatus.signed, OrderStatus.in_progress, OrderStatus.reopened)
# the unit has signed for it and works on it: what it may reply to
HANDLING = (OrderStatus.signed, OrderStatus.in_progress, OrderStatus.reopened)
# where an order's life in grid work ends: closed, passed to mediation, or merged into another
ENDED = (OrderStatus.closed, OrderStatus.to_mediation, OrderStatus.merged)
OPEN_STATUSES = tuple(status for status in OrderStatus if status not in ENDED)
