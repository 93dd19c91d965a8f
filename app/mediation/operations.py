"""Every change of mediation data and its rules. Views call these; each one checks what may happen,
changes the rows, writes the case timeline and the audit log, and flushes. The view commits once."""

import re
import string
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import flag_modified

from app.core import operations as core_ops
from app.core import records, storage
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.operations import UNCHECKED, DomainError, check_version
from app.core.templating import date_filter
from app.core.types import as_local, local_today, utcnow
from app.extensions import db
from app.mediation.checklist import missing_file_items
from app.mediation.models import (
    RUNNING_STATUSES,
    Agreement,
    AgreementForm,
    Attachment,
    AttachmentKind,
    Case,
    CaseEvent,
    CaseHelper,
    CaseStatus,
    ConfirmationResult,
    FollowUp,
    HelperKind,
    MediationSession,
    Party,
    PartyRole,
    Recusal,
    RiskLevel,
    Studio,
)


class InvalidTransition(DomainError):
    pass


# --- studio and numbers ----------------------------------------------------------------------


def studio_for(community, create=True):
    """The community's studio, created with sensible defaults the first time it is needed. With
    ``create=False`` a studio that does not exist yet is returned with its defaults but not added."""
    studio = db.session.scalar(select(Studio).where(Studio.org_unit_id == community.id))
    if studio is None:
        from app.core.i18n import as_locale, force_locale

        short = community.name.removesuffix("社区").removesuffix("村")[:4] or community.name[:4]
        # stored names are in the installation's language, whoever happens to create the studio
        with force_locale(as_locale(current_app.config["LINLI_LANGUAGE"])):
            name = _("%(name)s mediation studio", name=community.name)
            committee = _("%(name)s people's mediation committee", name=community.name)
        studio = Studio(
            org_unit_id=community.id,
            name=name,
            committee_name=committee,
            number_prefix=short + "调",
            number_format="{prefix}〔{year}〕第{seq:03d}号",
            follow_up_days=30,
            retention_years=10,
        )
        if not create:
            studio.org_unit = community
            return studio
        # INSERT ... ON CONFLICT DO NOTHING: when the first cases of a community are registered at the same
        # moment, one request makes the studio and the others take it (a savepoint would not do on SQLite,
        # where releasing the first savepoint of a request that wrote nothing yet commits it)
        columns = ("org_unit_id", "name", "committee_name", "number_prefix", "number_format")
        values = {column: getattr(studio, column) for column in columns}
        values.update(follow_up_days=studio.follow_up_days, retention_years=studio.retention_years)
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        db.session.execute(insert(Studio).values(**values).on_conflict_do_nothing(index_elements=["org_unit_id"]))
        studio = db.session.scalar(select(Studio).where(Studio.org_unit_id == community.id))
    return studio


# A case number is made of {prefix}, {year} and {seq}: {year} and {seq} may take a width (with zeros in front),
# at most NUMBER_WIDTH, and nothing else; {prefix} takes nothing. Every number it makes, up to the
# LONGEST_SEQ-th case of a year with four digits, must fit the case's number column.
NUMBER_FIELDS = ("prefix", "year", "seq")
NUMBER_SPEC = re.compile(r"0?(?P<width>[1-9][0-9]?)?d?")
NUMBER_WIDTH = 10
LONGEST_SEQ = 999_999
LONGEST_YEAR = 9999


def check_number_format(number_format, prefix):
    """Refuse (DomainError on ``number_format``) a case-number format that is not made of {prefix}, {year}
    and {seq} with the widths above, lacks {seq}, or makes numbers longer than the case's number column."""

    def refuse(message):
        return DomainError(message, field="number_format")

    only_these = _("The number format may only use {prefix}, {year} and {seq}.")
    try:
        parts = list(string.Formatter().parse(number_format))
    except ValueError as error:  # a lone "{" or "}"
        raise refuse(only_these) from error
    fields = set()
    for _text, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in NUMBER_FIELDS or conversion:
            raise refuse(only_these)
        match = NUMBER_SPEC.fullmatch(spec)
        if (name == "prefix" and spec) or match is None or int(match["width"] or 0) > NUMBER_WIDTH:
            raise refuse(
                _(
                    "In the number format, {seq} and {year} may only take a width of at most %(max)d digits, "
                    "e.g. {seq:03d}, and {prefix} nothing.",
                    max=NUMBER_WIDTH,
                )
            )
        fields.add(name)
    if "seq" not in fields:
        raise refuse(_("The number format must contain {seq}."))
    longest = Case.number.type.length
    if len(number_format.format(prefix=prefix or "", year=LONGEST_YEAR, seq=LONGEST_SEQ)) > longest:
        raise refuse(_("Case numbers in this format would be longer than %(max)d characters.", max=longest))


def update_studio(actor, community, data):
    check_number_format(data["number_format"], data["number_prefix"])
    studio = studio_for(community)
    for key in ("name", "committee_name", "number_prefix", "number_format", "follow_up_days", "retention_years"):
        setattr(studio, key, data[key])
    studio.address = data.get("address") or None
    studio.phone = data.get("phone") or None
    core_ops.log(actor, "mediation.studio_updated", studio, _l("Studio settings saved"))
    db.session.flush()


def _next_seq(studio, year):
    # One number at a time per studio: writing the studio's row (an UPDATE that changes nothing) locks it until
    # the new case is committed, on PostgreSQL (that row) and on SQLite (the database, which then also reads
    # the latest cases), so a second intake waits here and then reads the first one's number.
    db.session.execute(update(Studio).where(Studio.id == studio.id).values(id=Studio.id))
    current = db.session.scalar(select(func.max(Case.seq)).where(Case.studio_id == studio.id, Case.year == year))
    return (current or 0) + 1


# --- timeline and transitions ----------------------------------------------------------------


def record_event(case, actor, kind, summary="", from_status=None, to_status=None, data=None):
    """Write the case timeline and the audit log. ``summary`` is a lazy string (app.core.records: it is
    stored as its message and parameters, and read in each reader's language). Every change of a case comes
    here, so here the case is also marked changed: its row is updated with a version check (Case.version),
    and an operation that only adds rows (a session, a file, a helper) is refused if the case changed
    meanwhile, say was declined or archived, instead of acting on the state it read."""
    flag_modified(case, "status")
    event = records.timeline_entry(
        CaseEvent, actor, kind, summary, case=case, from_status=from_status, to_status=to_status
    )
    db.session.add(event)
    core_ops.log(actor, f"mediation.{kind}", case, summary, data)
    return event


STATUS_REFUSALS = {
    CaseStatus.archived: _l(
        "Only a case that was followed up, or that was declined, referred out, ended without "
        "agreement or withdrawn, can be archived."
    ),
    CaseStatus.agreement_reached: _l("An agreement can only be recorded while the case is in mediation."),
    CaseStatus.accepted: _l("Only a newly registered case can be accepted."),
    CaseStatus.declined: _l("Only a newly registered case can be declined."),
    CaseStatus.in_mediation: _l("Mediation can start only after the case was accepted."),
    CaseStatus.followed_up: _l("A follow-up visit is recorded after an agreement was reached."),
    CaseStatus.ended: _l("Only a case in mediation can end without agreement."),
    CaseStatus.withdrawn: _l("This case can no longer be withdrawn."),
    CaseStatus.referred: _l("This case can no longer be referred out."),
}


def require_transition(case, to_status):
    to_status = CaseStatus(to_status)
    if case.is_read_only:
        raise InvalidTransition(_("This case is archived and can no longer be changed."))
    if not case.allows(to_status):
        raise InvalidTransition(
            _("%(reason)s This case is %(status)s.", reason=STATUS_REFUSALS[to_status], status=case.status.title)
        )


def transition(case, to_status, actor, kind, summary="", data=None):
    require_transition(case, to_status)
    before = case.status
    case.status = to_status = CaseStatus(to_status)
    record_event(case, actor, kind, summary, from_status=before, to_status=to_status, data=data)
    db.session.flush()


def not_in_future(day, field):
    """Records are of what happened: their dates cannot be later than today."""
    if day is not None and day > local_today():
        raise DomainError(_("This date is in the future."), field=field)


def require_editable(case):
    if case.is_read_only:
        raise InvalidTransition(_("This case is archived and can no longer be changed."))


# --- intake ----------------------------------------------------------------------------------


def register_case(actor, community, data, parties, referred_by=None):
    """Register a case (登记) with its parties. ``data`` holds the case fields, ``parties`` a list of dicts."""
    if not [p for p in parties if p["role"] == PartyRole.applicant]:
        raise DomainError(_("A case needs at least one applicant."))
    studio = studio_for(community)
    registered_on = data.get("registered_on") or local_today()
    occurred_on = data.get("occurred_on")
    not_in_future(registered_on, "registered_on")
    if occurred_on and occurred_on > registered_on:
        raise DomainError(_("The dispute cannot have started after the day it was registered."), field="occurred_on")
    building = data.get("building")
    # the building belongs to a grid, and the grid to a community: nothing to choose twice
    grid = data.get("grid") or (building.grid if building is not None else None)
    if grid is not None and not community.contains(grid):
        field = "building_id" if data.get("grid") is None else "grid_id"
        raise DomainError(_("The place is not in this community."), field=field)
    if building is not None and building.grid_id != grid.id:
        raise DomainError(_("The building does not belong to the chosen grid."), field="building_id")
    room = data.get("room") or None
    address = data.get("address") or place_address(building, room)
    year = registered_on.year
    seq = _next_seq(studio, year)
    case = Case(
        studio=studio,
        year=year,
        seq=seq,
        number=studio.format_number(year, seq),
        org_unit=community,
        grid=grid,
        building=building,
        room=room,
        address=address,
        source=data["source"],
        category=data["category"],
        summary=data["summary"],
        requests=data.get("requests") or None,
        risk_level=data.get("risk_level") or RiskLevel.low,
        may_escalate=bool(data.get("may_escalate")),
        status=CaseStatus.registered,
        occurred_on=occurred_on,
        registered_on=registered_on,
        registered_by_id=getattr(actor, "id", None),
        referred_by_id=getattr(referred_by, "id", None),
    )
    for position, party in enumerate(parties):
        party = dict(party)
        if party.pop("at_place", False):
            party.update(home_at_place(building, room, address, party.get("room")))
        case.parties.append(Party(position=position, **party))
    db.session.add(case)
    db.session.flush()
    record_event(
        case,
        actor,
        "registered",
        _l("Case registered"),
        to_status=CaseStatus.registered,
        data={"parties": len(parties), "source": case.source, "category": case.category},
    )
    db.session.flush()
    return case


def room_words(room):
    """A room as addresses write it: "302" is 302室, anything else ("楼下", "B1") as typed."""
    return f"{room}室" if room and room.isdigit() else (room or "")


def place_address(building, room):
    """The place of a dispute in words when only its building (and room) was chosen: 3幢302室."""
    return f"{building.name}{room_words(room)}" if building is not None else None


def home_at_place(building, place_room, place_address, room=None):
    """The home of a party who lives at the place of the dispute: its building and address, and its room, or
    another room of the same building (the neighbour upstairs: 回龙苑3幢302室 → 回龙苑3幢402室)."""
    home = {"building_id": getattr(building, "id", None), "room": place_room, "address": place_address}
    if room and room != place_room:
        base = place_address or ""
        if building is not None and building.name in base:
            base = base[: base.index(building.name) + len(building.name)]
        elif building is not None:
            base = building.name
        home.update(room=room, address=f"{base}{room_words(room)}" if base else room_words(room))
    return home


PARTY_FIELDS = (
    "name",
    "sex",
    "phone",
    "id_number",
    "building_id",
    "room",
    "address",
    "age",
    "ethnicity",
    "occupation",
    "representative",
)


def update_party(actor, party, data):
    """Correct or complete a party's details (what the case file needs: an ID number, a home, ...)."""
    case = party.case
    require_editable(case)
    if not data.get("name"):
        raise DomainError(_("Enter the party's name."), field="name")
    if party.role == PartyRole.applicant and not data.get("phone"):
        raise DomainError(_("Enter the applicant's mobile number, so the studio can reach them."), field="phone")
    changed = sorted(key for key in PARTY_FIELDS if getattr(party, key) != data.get(key))
    for key in PARTY_FIELDS:
        setattr(party, key, data.get(key))
    # which details changed, not their values (personal data stays out of the timeline and the audit log)
    record_event(
        case, actor, "party_updated", _l("Details of %(name)s corrected", name=party.name), data={"fields": changed}
    )
    db.session.flush()


# --- acceptance and other first decisions ----------------------------------------------------


def accept_case(actor, case, presiding_mediator, accepted_on=None):
    require_transition(case, CaseStatus.accepted)
    if presiding_mediator is None or not presiding_mediator.has_role("mediator"):
        raise DomainError(_("Choose a mediator to preside over the case."), field="presiding_mediator_id")
    accepted_on = accepted_on or local_today()
    not_in_future(accepted_on, "accepted_on")
    if accepted_on < case.registered_on:
        raise DomainError(_("A case cannot be accepted before it was registered."), field="accepted_on")
    case.presiding_mediator = presiding_mediator
    case.accepted_on = accepted_on
    case.due_on = accepted_on + timedelta(days=30)
    transition(
        case,
        CaseStatus.accepted,
        actor,
        "accepted",
        _l("Accepted; presiding mediator %(name)s", name=presiding_mediator.name),
        {"presiding_mediator_id": presiding_mediator.id},
    )
    if presiding_mediator.id != getattr(actor, "id", None):
        core_ops.notify(
            presiding_mediator,
            _l("You preside over case %(number)s.", number=case.number),
            f"/mediation/cases/{case.id}",
        )
    _notify_referrer(case, actor)


def decline_case(actor, case, reason):
    require_transition(case, CaseStatus.declined)
    case.decline_reason = reason
    case.closed_on = local_today()
    transition(case, CaseStatus.declined, actor, "declined", _l("Declined: %(reason)s", reason=reason))
    _notify_referrer(case, actor)


def refer_case(actor, case, to, note=None):
    require_transition(case, CaseStatus.referred)
    case.referred_to = to
    case.referral_note = note or None
    case.closed_on = local_today()
    transition(case, CaseStatus.referred, actor, "referred", _l("Referred out to %(to)s", to=to))
    _notify_referrer(case, actor)


def withdraw_case(actor, case, reason):
    require_transition(case, CaseStatus.withdrawn)
    case.withdraw_reason = reason
    case.closed_on = local_today()
    transition(case, CaseStatus.withdrawn, actor, "withdrawn", _l("Withdrawn: %(reason)s", reason=reason))
    _notify_referrer(case, actor)


def _notify_referrer(case, actor):
    if case.referred_by is not None and case.referred_by_id != getattr(actor, "id", None):
        core_ops.notify(
            case.referred_by,
            _l("The case you reported (%(number)s) is now: %(status)s", number=case.number, status=case.status.title),
            f"/mediation/cases/{case.id}/status",
        )


# --- during mediation ------------------------------------------------------------------------


def give_rights_notice(actor, case, given_on=None):
    require_editable(case)
    if case.status not in RUNNING_STATUSES:
        raise InvalidTransition(_("The rights notice is given after the case was accepted and before mediation."))
    given_on = given_on or local_today()
    not_in_future(given_on, "given_on")
    if case.accepted_on and given_on < case.accepted_on:
        raise DomainError(_("The rights notice cannot be dated before the case was accepted."), field="given_on")
    case.rights_notice_on = given_on
    case.rights_notice_by_id = actor.id
    record_event(case, actor, "rights_notice", _l("Parties were told their rights and obligations"))
    db.session.flush()


def record_session(actor, case, data):
    require_editable(case)
    if case.status not in RUNNING_STATUSES:
        raise InvalidTransition(_("Sessions are recorded while the case is accepted or in mediation."))
    if case.rights_notice_on is None:
        raise InvalidTransition(_("Give the parties the rights notice before the first session."))
    if not data.get("is_open") and not data.get("closed_reason"):
        raise DomainError(_("Say why the session is not open (privacy, or a party objected)."), field="closed_reason")
    data = dict(data, started_at=as_local(data["started_at"]))
    if data.get("is_open"):  # the reason of a closed session (sent by a page without scripts) is ignored
        data["closed_reason"] = None
    if case.accepted_on and data["started_at"].date() < case.accepted_on:
        raise DomainError(_("A session cannot take place before the case was accepted."), field="started_at")
    fields = (
        "started_at",
        "place",
        "is_open",
        "closed_reason",
        "attendees",
        "applicant_statement",
        "respondent_statement",
        "evidence",
        "outcome",
        "recorder",
    )
    session = MediationSession(case=case, created_by_id=actor.id, **{k: data.get(k) for k in fields})
    if not session.is_open:
        session.is_open = False
    db.session.add(session)
    if case.status == CaseStatus.accepted:
        transition(case, CaseStatus.in_mediation, actor, "mediation_started", _l("Mediation started"))
    record_event(case, actor, "session_recorded", _l("Session recorded (%(place)s)", place=session.place))
    db.session.flush()
    return session


def extend_deadline(actor, case, until, reason, both_consent):
    require_editable(case)
    if case.status not in RUNNING_STATUSES or case.due_on is None:
        raise InvalidTransition(_("Only a running case can be extended."))
    if not both_consent:
        raise DomainError(_("An extension needs the consent of both parties."), field="both_consent")
    if until <= case.due_on:
        raise DomainError(_("The new deadline must be later than the current one."), field="until")
    before = case.due_on
    case.due_on = until
    case.extended = True
    case.extension_reason = reason
    record_event(
        case,
        actor,
        "extended",
        _l("Deadline extended to %(until)s: %(reason)s", until=until, reason=reason),
        data={"from": before.isoformat(), "to": until.isoformat()},
    )
    db.session.flush()


CASE_CLOSED_TO_HELPERS = _l("Co-mediators and specialists join a case while it is still open.")


def add_helper(actor, case, kind, user=None, name=None, organisation=None):
    require_editable(case)
    if not case.takes_helpers:
        raise InvalidTransition(CASE_CLOSED_TO_HELPERS)
    kind = HelperKind(kind)
    if kind == HelperKind.co_mediator and (user is None or not user.has_role("mediator")):
        raise DomainError(_("A co-mediator must be one of the studio's mediators."), field="user_id")
    if user is not None and user.id in case.mediator_ids():
        raise DomainError(_("%(name)s is already on this case.", name=user.name), field="user_id")
    if user is None and not name:
        raise DomainError(_("Enter the name of the person invited."), field="name")
    helper = CaseHelper(
        case=case, kind=kind, user=user, name=user.name if user else name, organisation=organisation or None
    )
    db.session.add(helper)
    record_event(case, actor, "helper_added", _l("%(kind)s %(name)s joined the case", kind=kind, name=helper.name))
    db.session.flush()
    return helper


def record_recusal(actor, case, mediator, replacement, requested_by, reason):
    """A party asked a mediator to step aside: record it and put the replacement in their place."""
    require_editable(case)
    if case.status not in RUNNING_STATUSES:
        raise InvalidTransition(_("Mediators are replaced while the case is accepted or in mediation."))
    if replacement is None or not replacement.has_role("mediator"):
        raise DomainError(_("Choose a mediator to take over."), field="replacement_id")
    if replacement.id == mediator.id or replacement.id in case.mediator_ids():
        raise DomainError(_("The replacement must be a mediator who is not yet on the case."), field="replacement_id")
    if mediator.id == case.presiding_mediator_id:
        case.presiding_mediator = replacement
    else:
        helper = next((h for h in case.helpers if h.user_id == mediator.id and h.active), None)
        if helper is None:
            raise DomainError(_("That person is not a mediator of this case."), field="mediator_id")
        helper.active = False
        db.session.add(CaseHelper(case=case, kind=helper.kind, user=replacement, name=replacement.name))
    db.session.add(
        Recusal(case=case, mediator=mediator, replacement=replacement, requested_by=requested_by, reason=reason)
    )
    record_event(
        case,
        actor,
        "recusal",
        _l(
            "%(party)s asked %(old)s to step aside; %(new)s took over",
            party=requested_by,
            old=mediator.name,
            new=replacement.name,
        ),
        data={"mediator_id": mediator.id, "replacement_id": replacement.id},
    )
    core_ops.notify(
        replacement, _l("You now mediate case %(number)s.", number=case.number), f"/mediation/cases/{case.id}"
    )
    db.session.flush()


# --- outcomes --------------------------------------------------------------------------------


# what every agreement states, written or oral (the note of an oral one records the rest)
AGREEMENT_REQUIRED = ("facts", "issues", "terms")
# what a written agreement or an oral-agreement entry records, and what a correction may change
AGREEMENT_FIELDS = (
    "facts",
    "issues",
    "responsibilities",
    "terms",
    "performance_method",
    "performance_place",
    "performance_deadline",
    "oral_note",
)


def record_agreement(actor, case, data):
    """A written agreement or an oral-agreement register entry; schedules the follow-up visit."""
    require_transition(case, CaseStatus.agreement_reached)
    if not case.sessions:
        raise InvalidTransition(_("Record at least one session before the agreement."))
    form = AgreementForm(data["form"])
    for key in AGREEMENT_REQUIRED:
        if not data.get(key):
            raise DomainError(_("This field is required."), field=key)
    if form == AgreementForm.oral and not data.get("oral_note"):
        raise DomainError(_("An oral agreement needs the mediator's written note."), field="oral_note")
    if form != AgreementForm.oral:  # the note of an oral agreement (sent by a page without scripts) is ignored
        data = dict(data, oral_note=None)
    concluded_on = data["concluded_on"]
    not_in_future(concluded_on, "concluded_on")
    if case.accepted_on and concluded_on < case.accepted_on:
        raise DomainError(_("The agreement cannot be dated before the case was accepted."), field="concluded_on")
    deadline = data.get("performance_deadline")
    if deadline and deadline < concluded_on:
        raise DomainError(
            _("The performance deadline cannot be before the agreement date."), field="performance_deadline"
        )
    fields = AGREEMENT_FIELDS
    agreement = Agreement(
        case=case,
        form=form,
        concluded_on=concluded_on,
        created_by_id=actor.id,
        **{k: data.get(k) or None for k in fields},
    )
    db.session.add(agreement)
    case.closed_on = concluded_on
    transition(
        case,
        CaseStatus.agreement_reached,
        actor,
        "agreement_reached",
        _l("%(form)s concluded", form=form),
        {"form": form.value},
    )
    schedule_follow_up(actor, case, concluded_on + timedelta(days=case.studio.follow_up_days))
    _notify_referrer(case, actor)
    return agreement


def update_agreement(actor, agreement, data):
    case = agreement.case
    require_editable(case)
    check_version(agreement, data.get("version", UNCHECKED))
    if case.status != CaseStatus.agreement_reached:
        raise InvalidTransition(_("The agreement can be corrected only until the follow-up visit."))
    for key in AGREEMENT_FIELDS:
        if key == "oral_note" and agreement.form != AgreementForm.oral:
            continue  # only an oral agreement has a note
        setattr(agreement, key, data.get(key) or None)
    for key in AGREEMENT_REQUIRED:
        if not getattr(agreement, key):
            raise DomainError(_("This field is required."), field=key)
    if agreement.form == AgreementForm.oral and not agreement.oral_note:
        raise DomainError(_("An oral agreement needs the mediator's written note."), field="oral_note")
    record_event(case, actor, "agreement_updated", _l("Agreement corrected"))
    db.session.flush()


def schedule_follow_up(actor, case, due_on):
    follow_up = FollowUp(case=case, due_on=due_on, assigned_to_id=case.presiding_mediator_id)
    db.session.add(follow_up)
    record_event(case, actor, "follow_up_scheduled", _l("Follow-up visit due on %(date)s", date=due_on))
    db.session.flush()
    return follow_up


def end_without_agreement(actor, case, reason, other_routes):
    require_transition(case, CaseStatus.ended)
    if not other_routes:
        raise DomainError(_("Record which other routes the parties were told about."), field="other_routes")
    case.end_reason = reason
    case.other_routes = other_routes
    case.closed_on = local_today()
    transition(case, CaseStatus.ended, actor, "ended", _l("Ended without agreement: %(reason)s", reason=reason))
    _notify_referrer(case, actor)


def record_confirmation(actor, agreement, data):
    """Judicial confirmation (司法确认): the application, then the court's result."""
    case = agreement.case
    require_editable(case)
    check_version(agreement, data.get("version", UNCHECKED))
    if agreement.form != AgreementForm.written:
        raise DomainError(_("Only a written agreement can be confirmed by a court."))
    applied_on = data["applied_on"]
    if applied_on < agreement.concluded_on:
        raise DomainError(_("The application cannot be before the agreement."), field="applied_on")
    if applied_on > agreement.confirmation_deadline():
        raise DomainError(
            _(
                "The 30 days for applying to the court ended on %(date)s.",
                date=date_filter(agreement.confirmation_deadline()),
            ),
            field="applied_on",
        )
    result = ConfirmationResult.coerce(data.get("result")) or ConfirmationResult.pending
    result_on = data.get("result_on")
    if result != ConfirmationResult.pending and result_on is None:
        raise DomainError(_("Enter the date of the court's decision."), field="result_on")
    if result_on and result_on < applied_on:
        raise DomainError(_("The decision cannot be before the application."), field="result_on")
    agreement.confirmation_applied_on = applied_on
    agreement.confirmation_court = data["court"]
    agreement.confirmation_result = result
    agreement.confirmation_result_on = result_on if result != ConfirmationResult.pending else None
    record_event(
        case,
        actor,
        "judicial_confirmation",
        _l("Judicial confirmation at %(court)s: %(result)s", court=data["court"], result=result),
    )
    db.session.flush()


def record_follow_up(actor, follow_up, data):
    case = follow_up.case
    require_editable(case)
    if follow_up.done_on is not None:
        raise InvalidTransition(_("This follow-up visit has already been recorded."))
    if case.status not in (CaseStatus.agreement_reached, CaseStatus.followed_up):
        raise InvalidTransition(_("A follow-up visit is recorded after an agreement was reached."))
    done_on = data["done_on"]
    if done_on < case.agreement.concluded_on:
        raise DomainError(_("The visit cannot be before the agreement."), field="done_on")
    not_in_future(done_on, "done_on")
    for key in ("done_on", "method", "performance", "applicant_satisfaction", "respondent_satisfaction", "note"):
        setattr(follow_up, key, data.get(key))
    follow_up.flare_up = bool(data.get("flare_up"))
    follow_up.lawsuit = bool(data.get("lawsuit"))
    follow_up.done_by_id = actor.id
    summary = _l("Follow-up visit: %(performance)s", performance=follow_up.performance)
    if case.status == CaseStatus.agreement_reached:
        transition(case, CaseStatus.followed_up, actor, "followed_up", summary, {"performance": follow_up.performance})
    else:
        record_event(case, actor, "followed_up", summary)
    if data.get("next_visit_on"):
        schedule_follow_up(actor, case, data["next_visit_on"])
    db.session.flush()


# --- attachments -----------------------------------------------------------------------------


def add_attachment(actor, case, kind, file_storage, title=None):
    """Keep a file with the case (checked, re-encoded and stored by app.core.storage): photos must be images,
    other documents may be images or PDFs."""
    require_editable(case)
    kind = AttachmentKind(kind)
    checked = storage.check_upload(
        file_storage,
        allow=("image",) if kind == AttachmentKind.photo else ("image", "pdf"),
        max_bytes=MAX_ATTACHMENT_BYTES,
    )
    key = storage.save(checked, ATTACHMENT_FOLDER)  # removed again if the change is not committed
    attachment = Attachment(
        case=case,
        kind=kind,
        title=title or None,
        filename=checked.filename,
        stored_name=key.removeprefix(ATTACHMENT_FOLDER + "/"),
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    record_event(case, actor, "attachment_added", _l("%(kind)s attached: %(name)s", kind=kind, name=checked.filename))
    db.session.flush()
    return attachment


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_FOLDER = "mediation"


def attachment_key(attachment):
    return f"{ATTACHMENT_FOLDER}/{attachment.stored_name}"


def send_attachment(attachment):
    """The file as a download (PDFs) or inline (images), for a view that has checked access."""
    return storage.send(
        attachment_key(attachment),
        filename=attachment.filename,
        content_type=attachment.content_type,
        as_attachment=attachment.content_type == "application/pdf",
    )


# --- case file and archive -------------------------------------------------------------------


def add_years(day, years):
    """The same day ``years`` later; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def archive_case(actor, case):
    require_transition(case, CaseStatus.archived)
    missing = missing_file_items(case)
    if missing:
        raise InvalidTransition(
            _("The case file is missing: %(items)s.", items="、".join(str(i.title) for i in missing))
        )
    now = utcnow()
    today = local_today()
    case.archived_at = now
    case.archived_by_id = actor.id
    case.file_number = case.number
    case.retention_until = add_years(today, case.studio.retention_years)
    transition(
        case, CaseStatus.archived, actor, "archived", _l("Archived; kept until %(date)s", date=case.retention_until)
    )
    _notify_referrer(case, actor)


# --- confidentiality -------------------------------------------------------------------------


def log_full_view(actor, case):
    """Every view of a case's full details is in the audit log."""
    core_ops.log(
        actor,
        "mediation.case_viewed",
        case,
        _l("Viewed case %(number)s", number=case.number),
        {"private": case.can_see_private(actor)},
    )
