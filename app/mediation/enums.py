"""The mediation studio's statuses, categories and kinds, each with its translated title
(app.core.enums.TitledEnum), and the allowed status changes."""

from app.core.enums import TitledEnum
from app.core.i18n import lazy_gettext as _l


class CaseSource(TitledEnum):
    # 口头申请: a party asks at the studio by word of mouth (the usual intake); 书面申请 in writing
    oral_application = "oral_application", _l("Oral application")
    party_application = "party_application", _l("Party application")
    own_initiative = "own_initiative", _l("Own initiative")
    grid_report = "grid_report", _l("Grid report")
    hotline_12345 = "hotline_12345", _l("12345 hotline")
    police_referral = "police_referral", _l("Police referral")
    court_referral = "court_referral", _l("Court referral")
    government_assignment = "government_assignment", _l("Government assignment")


class DisputeCategory(TitledEnum):
    # the categories of the national statistics of people's mediation, each "… dispute" (邻里纠纷, 合同纠纷, …)
    marriage_family = "marriage_family", _l("Marriage and family dispute")
    neighbour = "neighbour", _l("Neighbour dispute")
    housing_homestead = "housing_homestead", _l("Housing and homestead dispute")
    contract = "contract", _l("Contract dispute")
    production_business = "production_business", _l("Production and business dispute")
    damages = "damages", _l("Damage compensation dispute")
    forest_land = "forest_land", _l("Forest and land dispute")
    land_requisition = "land_requisition", _l("Land requisition and demolition dispute")
    environment = "environment", _l("Environmental pollution dispute")
    labour = "labour", _l("Labour dispute")
    consumer = "consumer", _l("Consumer dispute")
    medical = "medical", _l("Medical dispute")
    traffic = "traffic", _l("Road traffic dispute")
    property_management = "property_management", _l("Property management dispute")
    other = "other", _l("Other dispute")


class RiskLevel(TitledEnum):
    low = "low", _l("Low")
    medium = "medium", _l("Medium")
    high = "high", _l("High")


class CaseStatus(TitledEnum):
    registered = "registered", _l("Registered")
    accepted = "accepted", _l("Accepted")
    declined = "declined", _l("Declined")
    referred = "referred", _l("Referred out")
    in_mediation = "in_mediation", _l("In mediation")
    agreement_reached = "agreement_reached", _l("Agreement reached")
    ended = "ended", _l("Ended without agreement")
    withdrawn = "withdrawn", _l("Withdrawn")
    followed_up = "followed_up", _l("Followed up")
    archived = "archived", _l("Archived")


class PartyRole(TitledEnum):
    applicant = "applicant", _l("Applicant")
    respondent = "respondent", _l("Respondent")
    other = "other", _l("Other party")


class Sex(TitledEnum):
    male = "male", _l("Male")
    female = "female", _l("Female")


class HelperKind(TitledEnum):
    co_mediator = "co_mediator", _l("Co-mediator")
    legal_adviser = "legal_adviser", _l("Legal adviser")
    psychologist = "psychologist", _l("Psychologist")
    police_officer = "police_officer", _l("Police officer")
    expert = "expert", _l("Specialist")
    other = "other", _l("Other helper")


class AgreementForm(TitledEnum):
    written = "written", _l("Written agreement")
    oral = "oral", _l("Oral agreement")


class ConfirmationResult(TitledEnum):
    pending = "pending", _l("Waiting for the court")
    confirmed = "confirmed", _l("Confirmed by the court")
    rejected = "rejected", _l("Not confirmed by the court")


class FollowUpMethod(TitledEnum):
    phone = "phone", _l("By phone")
    doorstep = "doorstep", _l("Door-step visit")


class Performance(TitledEnum):
    performed = "performed", _l("Performed")
    partly = "partly", _l("Partly performed")
    not_performed = "not_performed", _l("Not performed")


class Satisfaction(TitledEnum):
    satisfied = "satisfied", _l("Satisfied")
    basically_satisfied = "basically_satisfied", _l("Basically satisfied")
    unsatisfied = "unsatisfied", _l("Unsatisfied")


class AttachmentKind(TitledEnum):
    photo = "photo", _l("Photo")
    evidence = "evidence", _l("Evidence")
    receipt = "receipt", _l("Performance receipt")
    party_id = "party_id", _l("Copy of a party's ID")
    power_of_attorney = "power_of_attorney", _l("Power of attorney")
    investigation = "investigation", _l("Investigation record")
    signed_agreement = "signed_agreement", _l("Signed agreement (scan)")
    court_papers = "court_papers", _l("Court confirmation papers")
    other = "other", _l("Other document")


# The only status changes there are. Everything else is refused.
TRANSITIONS = {
    CaseStatus.registered: {CaseStatus.accepted, CaseStatus.declined, CaseStatus.referred, CaseStatus.withdrawn},
    CaseStatus.accepted: {CaseStatus.in_mediation, CaseStatus.referred, CaseStatus.withdrawn},
    CaseStatus.in_mediation: {CaseStatus.agreement_reached, CaseStatus.ended, CaseStatus.withdrawn},
    CaseStatus.agreement_reached: {CaseStatus.followed_up},
    CaseStatus.followed_up: {CaseStatus.archived},
    CaseStatus.declined: {CaseStatus.archived},
    CaseStatus.referred: {CaseStatus.archived},
    CaseStatus.ended: {CaseStatus.archived},
    CaseStatus.withdrawn: {CaseStatus.archived},
    CaseStatus.archived: set(),
}
OPEN_STATUSES = (CaseStatus.registered, CaseStatus.accepted, CaseStatus.in_mediation)
# Statuses in which the one-month limit runs.
RUNNING_STATUSES = (CaseStatus.accepted, CaseStatus.in_mediation)
HELPER_STATUSES = (CaseStatus.registered, CaseStatus.accepted, CaseStatus.in_mediation, CaseStatus.agreement_reached)
CLOSED_STATUSES = (
    CaseStatus.agreement_reached,
    CaseStatus.ended,
    CaseStatus.withdrawn,
    CaseStatus.followed_up,
    CaseStatus.declined,
    CaseStatus.referred,
    CaseStatus.archived,
)
