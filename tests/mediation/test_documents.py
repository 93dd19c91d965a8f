"""Printable documents of a mediation case: the written agreement (HTML and PDF), the rights notice and the
session record, built from a case that went through the real operations."""

import io
import os
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask_babel import gettext
from flask_login import current_user, login_user
from pypdf import PdfReader

from app.core.models import OrgUnit, User
from app.core.roles import Role
from app.core.types import local_today
from app.extensions import db
from app.mediation import documents
from app.mediation import operations as ops
from app.mediation.models import Case, CaseSource, DisputeCategory, PartyRole
from tests.conftest import make_user

TERMS = "被申请人于2026年12月10日前修复卫生间防水层并赔偿申请人装修损失人民币3000元"
APPLICANT_SAYS = "楼上卫生间漏水已三个月，我家吊顶发霉脱落，要求修好防水并赔偿损失。"
RESPONDENT_SAYS = "我同意请人检查防水层，但赔偿金额需要看维修报价。"


@pytest.fixture
def case_id(app, world):
    """A neighbour dispute about a leaking bathroom, from registration to a written agreement."""
    with app.test_request_context():
        mediator = db.session.get(User, world.users["mediator"])
        community = mediator.org_unit
        parties = [
            {
                "role": PartyRole.applicant,
                "name": "张建华",
                "sex": "male",
                "phone": "13812345678",
                "id_number": "110101198003071234",
                "address": "回龙社区3幢2单元501室",
            },
            {
                "role": PartyRole.respondent,
                "name": "李秀兰",
                "sex": "female",
                "phone": "13987654321",
                "id_number": "110101196505124321",
                "address": "回龙社区3幢2单元601室",
                "representative": "李强（儿子）",
            },
        ]
        case = ops.register_case(
            mediator,
            community,
            {
                "source": CaseSource.party_application,
                "category": DisputeCategory.neighbour,
                "summary": "楼上卫生间渗水导致楼下吊顶受损",
                "requests": "修复防水层，赔偿装修损失",
            },
            parties,
        )
        ops.accept_case(mediator, case, mediator)
        ops.give_rights_notice(mediator, case)
        ops.record_session(
            mediator,
            case,
            {
                # what the form gives: community time (a UTC time would be the day before, just after midnight)
                "started_at": datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0),
                "place": "回龙社区调解室",
                "is_open": False,
                "closed_reason": "涉及当事人家庭隐私",
                "attendees": "张建华、李秀兰、李强（被申请人之子）",
                "applicant_statement": APPLICANT_SAYS,
                "respondent_statement": RESPONDENT_SAYS,
                "evidence": "现场照片6张；装修发票1张",
                "outcome": "双方同意由物业见证修复，并就赔偿达成一致。",
                "recorder": "赵记录",
            },
        )
        concluded_on = local_today()
        ops.record_agreement(
            mediator,
            case,
            {
                "form": "written",
                "concluded_on": concluded_on,
                "facts": "李秀兰家卫生间防水层老化，渗水至楼下张建华家，致吊顶发霉脱落。",
                "issues": "漏水原因及修复责任；装修损失赔偿金额。",
                "responsibilities": "被申请人对漏水负主要责任。",
                "terms": TERMS,
                "performance_method": "现金或转账一次性支付",
                "performance_place": "回龙社区调解室",
                "performance_deadline": concluded_on + timedelta(days=21),
            },
        )
        db.session.commit()
        return case.id


@contextmanager
def signed_in(app, user_id):
    """A request by this user, as the print views make it."""
    with app.test_request_context():
        login_user(db.session.get(User, user_id))
        yield


def visible_text(html):
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_agreement_html_has_every_part_and_the_copy_note(app, world, case_id):
    with signed_in(app, world.users["mediator"]):
        case = db.session.get(Case, case_id)
        html = documents.agreement_html(case)
        text = visible_text(html)
        for expected in (
            case.number,
            case.studio.committee_name,
            "张建华",
            "李秀兰",
            "110101198003071234",
            "回龙社区3幢2单元601室",
            "13987654321",
            "李强（儿子）",
            TERMS,
            "漏水原因及修复责任",
            "被申请人对漏水负主要责任",
            "现金或转账一次性支付",
            "王调解",
            "赵记录",
            str(PartyRole.applicant.title),
            str(PartyRole.respondent.title),
            gettext("People's mediation agreement"),
        ):
            assert expected in text, expected
        assert case.agreement.copies == 3
        # the count in Chinese numerals: 一式三份
        copy_note = gettext(
            "This agreement is made in %(copies)s copies: each party keeps one, and the people's "
            "mediation committee keeps one.",
            copies="三",
        )
        assert "三" in copy_note and copy_note in text
        # a standalone page for the browser's print: no navigation, no inline script or style (CSP)
        assert 'href="/static/css/print.css"' in html
        assert "<script" not in html and "style=" not in html and "<style" not in html
        assert "main-nav" not in html


def test_agreement_pdf_is_a4_with_extractable_chinese(app, world, case_id, output_dir):
    with signed_in(app, world.users["mediator"]):
        case = db.session.get(Case, case_id)
        number = case.number
        pdf = documents.agreement_pdf(case)
    assert pdf.startswith(b"%PDF-")
    with open(os.path.join(output_dir, "agreement.pdf"), "wb") as fh:  # to look at
        fh.write(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for expected in ("张建华", "李秀兰", TERMS, number):
        assert expected in text, expected
    fonts = {str(font) for page in reader.pages for font in _font_names(page)}
    assert any("CJK" in name or "SourceHan" in name for name in fonts), fonts


def _font_names(page):
    resources = page.get("/Resources") or {}
    fonts = resources.get("/Font") or {}
    return [fonts[key].get_object().get("/BaseFont") for key in fonts]


def test_other_mediators_of_the_studio_get_masked_numbers(app, world, case_id, password_hash):
    with app.app_context():
        other = make_user(
            "13900000099", "钱调解", [Role.mediator], db.session.get(OrgUnit, world.community_a), password_hash
        )
        db.session.commit()
        other_id = other.id
    with signed_in(app, other_id):
        case = db.session.get(Case, case_id)
        assert case.can_view(current_user) and not case.can_see_private(current_user)
        text = visible_text(documents.agreement_html(case))
        assert "张建华" in text and TERMS in text
        assert "110101198003071234" not in text and "13812345678" not in text
        assert case.parties[0].masked_id_number in text and case.parties[0].masked_phone in text
    with signed_in(app, world.users["admin"]):
        assert "110101198003071234" in visible_text(documents.agreement_html(db.session.get(Case, case_id)))


def test_pdf_fetches_nothing_outside_the_static_folder(app):
    with app.test_request_context():
        for url in (
            "https://example.com/font.woff2",
            "http://127.0.0.1/x.png",
            "file:///etc/passwd",
            "file://" + app.static_folder + "/../../config.py",
            "ftp://example.com/x",
        ):
            with pytest.raises(ValueError, match="refused"):
                documents.check_local_url(url)
        css = "file://" + os.path.join(app.static_folder, "css", "print.css")
        assert documents.check_local_url(css) == css


def test_rights_notice_names_the_parties_and_the_law(app, case_id):
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        text = visible_text(documents.rights_notice_html(case))
        for expected in (
            case.number,
            "张建华",
            "李秀兰",
            "王调解",
            gettext("Notice of rights and obligations in people's mediation"),
            gettext("choose or accept a people's mediator;"),
            gettext("state the facts of the dispute truthfully;"),
            gettext("respect the other party's exercise of their rights."),
        ):
            assert expected in text, expected
        assert case.rights_notice_on is not None


def test_session_record_has_the_statements(app, case_id):
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        session = case.sessions[0]
        html = documents.session_html(session)
        text = visible_text(html)
        for expected in (
            case.number,
            "张建华",
            "李秀兰",
            APPLICANT_SAYS,
            RESPONDENT_SAYS,
            "现场照片6张",
            "涉及当事人家庭隐私",
            "回龙社区调解室",
            "赵记录",
            gettext("Closed session"),
            documents.local_datetime(session.started_at),
        ):
            assert expected in text, expected
        assert "<script" not in html and "style=" not in html


def test_session_time_is_shown_in_shanghai_time(app, case_id):
    with app.test_request_context():
        shown = documents.local_datetime(datetime(2026, 11, 20, 6, 30, tzinfo=UTC))
    assert "14:30" in shown and "2026" in shown


def test_an_oral_agreement_has_no_written_agreement_to_print(app, case_id):
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        case.agreement.form = "oral"
        case.agreement.oral_note = "双方口头达成一致"
        with pytest.raises(documents.DocumentError):
            documents.agreement_html(case)
        db.session.rollback()
