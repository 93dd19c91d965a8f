"""The help group's statuses, kinds and categories, each with its translated title."""

from app.core.enums import TitledEnum
from app.core.i18n import lazy_gettext as _l


class VolunteerStatus(TitledEnum):
    applied = "applied", _l("Waiting for approval")
    approved = "approved", _l("Approved")
    rejected = "rejected", _l("Not approved")
    suspended = "suspended", _l("Suspended")


class Sex(TitledEnum):
    female = "female", _l("Female")
    male = "male", _l("Male")


class TeamKind(TitledEnum):
    party_members = "party_members", _l("Party-member volunteers")
    grid_workers = "grid_workers", _l("Grid workers")
    private_enterprises = "private_enterprises", _l("Private enterprises")
    social_organisations = "social_organisations", _l("Social organisations")
    police = "police", _l("Police officers")
    residents = "residents", _l("Other residents")


class Availability(TitledEnum):
    """When a volunteer can usually help; a volunteer's slots are kept as bits of one integer."""

    weekday_morning = "weekday_morning", _l("Weekday mornings")
    weekday_afternoon = "weekday_afternoon", _l("Weekday afternoons")
    weekday_evening = "weekday_evening", _l("Weekday evenings")
    weekend_morning = "weekend_morning", _l("Weekend mornings")
    weekend_afternoon = "weekend_afternoon", _l("Weekend afternoons")
    weekend_evening = "weekend_evening", _l("Weekend evenings")

    @property
    def bit(self):
        return 1 << list(Availability).index(self)

    @classmethod
    def to_bits(cls, values):
        return sum(cls(value).bit for value in set(values or ()))

    @classmethod
    def from_bits(cls, bits):
        return [member for member in cls if (bits or 0) & member.bit]


AVAILABILITY_ALL = (1 << len(Availability)) - 1


class EventKind(TitledEnum):
    warm_service = "warm_service", _l("Warm-hearted service")
    home_visit = "home_visit", _l("Home visit")
    repairs = "repairs", _l("Repairs")
    legal_advice = "legal_advice", _l("Legal advice")
    health_advice = "health_advice", _l("Health advice")
    tutoring = "tutoring", _l("Tutoring")
    culture = "culture", _l("Culture and sport")
    other = "other", _l("Other service")


class EventStatus(TitledEnum):
    planned = "planned", _l("Planned")
    cancelled = "cancelled", _l("Cancelled")
    completed = "completed", _l("Hours confirmed")


class ParticipationStatus(TitledEnum):
    signed_up = "signed_up", _l("Signed up")
    waiting = "waiting", _l("On the waiting list")
    cancelled = "cancelled", _l("Cancelled")
    attended = "attended", _l("Attended")


# who holds a place of an event (the waiting list does not, nor a cancelled sign-up)
TAKING_PART = (ParticipationStatus.signed_up, ParticipationStatus.attended)


class Quality(TitledEnum):
    excellent = "excellent", _l("Excellent")
    good = "good", _l("Good")
    fair = "fair", _l("Fair")
    poor = "poor", _l("Poor")


class CorrectionStatus(TitledEnum):
    requested = "requested", _l("Correction requested")
    accepted = "accepted", _l("Correction accepted")
    rejected = "rejected", _l("Correction rejected")


class VisitFrequency(TitledEnum):
    weekly = "weekly", _l("Every week")
    fortnightly = "fortnightly", _l("Every two weeks")
    monthly = "monthly", _l("Every month")


class HelpRequestStatus(TitledEnum):
    open = "open", _l("Open")
    accepted = "accepted", _l("Accepted")
    declined = "declined", _l("Declined")
