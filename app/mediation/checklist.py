"""The case file (卷宗): what it must and may hold, and what is there. Archiving needs every required item."""

from app.core.i18n import lazy_gettext as _l
from app.mediation.models import AgreementForm, AttachmentKind


class FileItem:
    def __init__(self, key, title, required, present):
        self.key, self.title, self.required, self.present = key, title, required, present


def file_checklist(case):
    """What the case file (卷宗) must and may hold, and what is there."""
    kinds = {a.kind for a in case.attachments}
    ends_with_agreement = case.agreement is not None
    parties_identified = bool(case.parties) and (
        all(p.id_number for p in case.parties) or AttachmentKind.party_id in kinds
    )
    # Mediation took place (sessions were held): then the rights notice and the records belong in the file.
    mediated = bool(case.sessions) or ends_with_agreement or case.end_reason is not None
    items = [
        FileItem("intake", _l("Application or intake register"), True, True),
        FileItem("rights_notice", _l("Rights notice"), mediated, case.rights_notice_on is not None),
        FileItem("party_id", _l("Parties' identity"), True, parties_identified),
        FileItem("sessions", _l("Session record(s)"), mediated, bool(case.sessions)),
        FileItem("agreement", _l("Mediation agreement"), ends_with_agreement, ends_with_agreement),
        FileItem("back_cover", _l("Back cover"), True, True),
        FileItem("power_of_attorney", _l("Power of attorney"), False, AttachmentKind.power_of_attorney in kinds),
        FileItem("investigation", _l("Investigation record"), False, AttachmentKind.investigation in kinds),
        FileItem("evidence", _l("Evidence"), False, bool(kinds & {AttachmentKind.evidence, AttachmentKind.photo})),
        FileItem("receipts", _l("Performance receipts"), False, AttachmentKind.receipt in kinds),
        FileItem("follow_up", _l("Follow-up record"), ends_with_agreement, any(f.done_on for f in case.follow_ups)),
        FileItem("court_papers", _l("Court confirmation papers"), False, AttachmentKind.court_papers in kinds),
    ]
    if ends_with_agreement and case.agreement.form == AgreementForm.written:
        items.insert(
            5,
            FileItem("signed_agreement", _l("Signed agreement (scan)"), True, AttachmentKind.signed_agreement in kinds),
        )
    return items


def missing_file_items(case):
    return [item for item in file_checklist(case) if item.required and not item.present]
