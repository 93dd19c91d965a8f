"""A neighbour dispute from intake to archive, on a phone (360 × 740) and a tablet (820 × 1180), in Chromium:
a mediator registers the leaking ceiling, accepts the case, gives the rights notice, records a session and the
written agreement (which ends the mediation), records the follow-up visit, uploads what the case file's
checklist asks for by following its links, and archives the case. Every page fits the screen's width; a
full-page screenshot of each goes to the test's folder under test-output/ (<device>-<nn>-<step>.png)."""

import io
import os
import re

import pytest
from PIL import Image

from app.extensions import db
from app.mediation.enums import AttachmentKind, CaseStatus, Performance, Satisfaction
from app.mediation.models import Case
from tests.browser.conftest import PHONE as CONFTEST_PHONE
from tests.browser.conftest import TABLET
from tests.browser.test_mediation import log_in
from tests.conftest import translated

# the conftest's phone, on the small screen issue 12 names (360 × 740)
PHONE = dict(CONFTEST_PHONE, viewport={"width": 360, "height": 740})
DEVICES = {"phone": PHONE, "tablet": TABLET}

SUMMARY = "楼上卫生间漏水，楼下天花板发霉"
REQUESTS = "修复漏水，赔偿装修损失"
TERMS = "被申请人于十日内修复卫生间防水层，并赔偿申请人装修损失人民币3000元"
VISIT_NOTE = "防水层已修复，天花板已重新粉刷"


class Walk:
    """The page, and what is checked and kept on every page of the walk."""

    def __init__(self, app, page, device, output_dir):
        self.app, self.page, self.device, self.output_dir = app, page, device, output_dir
        self.width = DEVICES[device]["viewport"]["width"]
        self.count = 0
        self.shots = []
        self.from_more = []  # the steps found under "More"

    def t(self, message, **params):
        return translated(self.app, message, **params)

    def look(self, step):
        """No sideways scrolling on this page; a full-page screenshot of it."""
        page = self.page
        page.wait_for_load_state("load")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= self.width, (step, page.url, scroll_width)
        self.count += 1
        path = os.path.join(self.output_dir, f"{self.device}-{self.count:02d}-{step}.png")
        page.screenshot(path=path, full_page=True)
        self.shots.append(path)

    def case_action(self, label):
        """Take the next step from the case page's action bar (at the bottom of a phone's or tablet's screen),
        opening its "More" menu when the step is folded there."""
        bar = self.page.locator("nav.case-bar")
        assert bar.is_visible(), label
        link = bar.get_by_role("link", name=self.t(label), exact=True)
        if not link.is_visible():
            bar.locator("details.more-actions > summary").click()
            self.from_more.append(label)
        assert link.is_visible(), label
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= self.width + 0.5, (label, box)
        link.click()

    def type_into(self, selector, text):
        field = self.page.locator(selector)
        field.click()
        field.fill(text)

    def submit(self, label):
        self.page.locator("main form").get_by_role("button", name=self.t(label), exact=True).click()

    def back_on_case(self, case_id, message):
        self.page.wait_for_url(re.compile(rf".*/mediation/cases/{case_id}(#.*)?$"))
        assert message in self.page.get_by_role("status").first.inner_text(), message


def jpeg_file(path):
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (230, 220, 200)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def pdf_file(path):
    """A small, valid one-page PDF."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return str(path)


@pytest.mark.browser
@pytest.mark.parametrize("device", ["phone", "tablet"])
def test_a_neighbour_dispute_from_intake_to_archive(app, world, new_page, output_dir, tmp_path, device):
    page = new_page(DEVICES[device])
    walk = Walk(app, page, device, output_dir)
    t = walk.t
    log_in(app, page, world.phones["mediator"])
    walk.look("home")

    # --- intake: from the main menu to the form -------------------------------------------------------
    page.get_by_role("navigation", name=t("Main menu")).get_by_role("link", name=t("Mediation")).click()
    page.wait_for_url(re.compile(r".*/mediation/$"))
    walk.look("case-list")
    page.get_by_role("link", name=t("Register a dispute")).click()
    page.wait_for_url(re.compile(r".*/mediation/cases/new.*"))
    assert page.locator("h1").inner_text() == t("Register a dispute")
    # a neighbour dispute (the form's default category) at 3幢302; both parties live there
    assert page.locator("#category").input_value() == "neighbour"
    walk.type_into("input.pick-filter[aria-controls=building_id]", "3幢")
    assert page.locator("#building_id").input_value() == str(world.building)
    walk.type_into("#room", "302")
    walk.type_into("#parties-0-name", "张建华")
    walk.type_into("#parties-0-phone", "13912345678")
    walk.type_into("#parties-1-name", "李秀兰")
    walk.type_into("#parties-1-phone", "13987654321")
    walk.type_into("#parties-1-room", "402")
    walk.type_into("#summary", SUMMARY)
    walk.type_into("#requests", REQUESTS)
    walk.look("intake-form")
    walk.submit("Register the case")
    page.wait_for_url(re.compile(r".*/mediation/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[-1])
    number = page.locator("h1").inner_text().strip()
    assert re.fullmatch(r"回龙调〔\d{4}〕第\d{3}号", number), number
    assert t("Case %(number)s registered.", number=number) in page.get_by_role("status").inner_text()
    assert SUMMARY in page.locator("main").inner_text()
    walk.look("registered")

    # --- accept -----------------------------------------------------------------------------------------
    walk.case_action("Accept")
    page.wait_for_url(re.compile(rf".*/mediation/cases/{case_id}/accept$"))
    walk.look("accept-form")
    walk.submit("Accept")
    walk.back_on_case(case_id, t("Case %(number)s accepted.", number=number))
    assert page.locator(".case-head .status").inner_text() == t("Accepted")
    walk.look("accepted")

    # --- the rights notice: the bar leads to its form on the case page ----------------------------------
    walk.case_action("Rights notice")
    rights = page.locator("section[aria-labelledby=rights]")
    button = rights.get_by_role("button", name=t("Record that the rights notice was given"))
    assert button.is_visible()
    walk.look("rights-notice")
    button.click()
    walk.back_on_case(case_id, t("The rights notice is recorded."))
    walk.look("rights-given")

    # --- a mediation session, recorded ------------------------------------------------------------------
    walk.case_action("Record a session")
    page.wait_for_url(re.compile(rf".*/mediation/cases/{case_id}/sessions/new$"))
    walk.type_into("#attendees", "张建华、李秀兰、王调解")
    walk.type_into("#applicant_statement", "楼上漏水已两个月，天花板发霉")
    walk.type_into("#respondent_statement", "愿意请师傅检查防水层")
    walk.type_into("#evidence", "天花板照片")
    walk.type_into("#outcome", "双方同意由被申请人修复并赔偿")
    walk.look("session-form")
    walk.submit("Save the session record")
    walk.back_on_case(case_id, t("The session record is saved."))
    assert page.locator(".case-head .status").inner_text() == t("In mediation")
    walk.look("in-mediation")

    # --- the written agreement: the mediation ends with it ----------------------------------------------
    walk.case_action("Record the agreement")
    page.wait_for_url(re.compile(rf".*/mediation/cases/{case_id}/agreement$"))
    assert page.locator("input[name=form][value=written]").is_checked()
    assert page.locator("#facts").input_value() == SUMMARY  # taken from the intake
    walk.type_into("#issues", "漏水责任与赔偿数额")
    walk.type_into("#responsibilities", "被申请人承担主要责任")
    walk.type_into("#terms", TERMS)
    walk.type_into("#performance_method", "现金支付")
    walk.type_into("#performance_place", "回龙社区调解室")
    walk.look("agreement-form")
    walk.submit("Save the agreement")
    walk.back_on_case(case_id, t("The agreement is recorded; a follow-up visit is scheduled."))
    assert page.locator(".case-head .status").inner_text() == t("Agreement reached")
    assert TERMS in page.locator("section[aria-labelledby=agreement]").inner_text()
    walk.look("agreement-reached")

    # --- the follow-up visit ------------------------------------------------------------------------------
    walk.case_action("Record the visit")
    page.wait_for_url(re.compile(rf".*/mediation/cases/{case_id}/follow-ups/\d+$"))
    page.locator("input[name=method][value=doorstep]").click()
    page.locator("input[name=performance][value=performed]").click()
    page.locator("input[name=applicant_satisfaction][value=satisfied]").click()
    page.locator("input[name=respondent_satisfaction][value=basically_satisfied]").click()
    walk.type_into("#note", VISIT_NOTE)
    walk.look("follow-up-form")
    walk.submit("Save the visit")
    walk.back_on_case(case_id, t("The follow-up visit is recorded."))
    assert page.locator(".case-head .status").inner_text() == t("Followed up")
    walk.look("followed-up")

    # --- the case file: its checklist lists what is missing, each item linked to its upload --------------
    walk.case_action("Case file")
    checklist = page.locator("section[aria-labelledby=file]")
    missing = checklist.locator("li.missing")
    # no ID numbers were taken at the intake, and the signed agreement is not scanned yet
    assert missing.count() == 2, missing.all_inner_texts()
    for title in (t("Parties' identity"), t("Signed agreement (scan)")):
        assert missing.get_by_role("link", name=title).is_visible(), title
    assert page.locator("#missing-note").is_visible()
    assert checklist.get_by_role("button", name=t("Archive the case")).count() == 0
    walk.look("case-file-missing")
    files = {
        "party_id": (t("Parties' identity"), jpeg_file(tmp_path / f"{device}-id-copy.jpg")),
        "signed_agreement": (t("Signed agreement (scan)"), pdf_file(tmp_path / f"{device}-signed-agreement.pdf")),
    }
    for kind, (title, path) in files.items():
        checklist.locator("li.missing").get_by_role("link", name=title).click()
        page.wait_for_url(re.compile(rf".*/mediation/cases/{case_id}/attachments/new\?kind={kind}$"))
        assert page.locator("#kind").input_value() == kind  # the link chose the kind
        page.locator("input[type=file]").set_input_files(path)
        walk.look(f"upload-{kind.replace('_', '-')}")
        walk.submit("Upload")
        walk.back_on_case(case_id, t("The file is attached."))
        walk.look(f"uploaded-{kind.replace('_', '-')}")
        if checklist.locator("li.missing").count():
            walk.case_action("Case file")

    # --- archive: nothing is missing now; the button asks before it archives -----------------------------
    assert checklist.locator("li.missing").count() == 0
    walk.case_action("Archive the case")
    archive = checklist.get_by_role("button", name=t("Archive the case"))
    assert archive.is_visible()
    walk.look("ready-to-archive")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    archive.click()
    walk.back_on_case(case_id, t("Case %(number)s is archived.", number=number))
    assert questions == [t("Archive this case? It cannot be changed afterwards.")]
    assert page.locator(".case-head .status").inner_text() == t("Archived")
    assert page.locator("nav.case-bar").count() == 0  # nothing left to do
    file_text = checklist.inner_text()
    # the archive note with the file number (the case's number; its dates as the page formats them)
    archived_note = t(
        "Archived on %(date)s by %(name)s; file number %(number)s; kept until %(until)s.",
        date="@",
        name="王调解",
        number=number,
        until="@",
    )
    pattern = re.escape(archived_note).replace("@", ".+?")
    assert re.search(pattern, file_text), file_text
    walk.look("archived")

    # --- the data: archived with its agreement, follow-up and the two files -----------------------------
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == CaseStatus.archived
        assert case.archived_at is not None and case.retention_until is not None
        assert case.file_number == number
        assert [(p.name, p.phone) for p in case.parties] == [("张建华", "13912345678"), ("李秀兰", "13987654321")]
        assert case.rights_notice_on is not None and len(case.sessions) == 1
        assert case.agreement is not None and case.agreement.terms == TERMS
        assert case.agreement.form.value == "written"
        (visit,) = case.follow_ups
        assert visit.done_on is not None
        assert (visit.performance, visit.applicant_satisfaction, visit.respondent_satisfaction, visit.note) == (
            Performance.performed,
            Satisfaction.satisfied,
            Satisfaction.basically_satisfied,
            VISIT_NOTE,
        )
        assert sorted(a.kind for a in case.attachments) == sorted(
            [AttachmentKind.party_id, AttachmentKind.signed_agreement]
        )
        db.session.remove()
    assert len(walk.shots) >= 20 and all(os.path.getsize(shot) > 5_000 for shot in walk.shots)
    print(f"{device}: {len(walk.shots)} screenshots in {output_dir}; steps under More: {walk.from_more}")  # noqa: T201 - where to look
