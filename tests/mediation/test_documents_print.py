"""The documents as the justice bureau prints them: every page of the agreement numbered "第N页 共M页" with the
case number, no heading or signature block cut off from its text, the copies counted in Chinese numerals, the
parties as the 2010 formats list them, Chinese whatever the reader's language."""

import io
import re
from contextlib import contextmanager

import pytest
from flask_babel import gettext
from flask_login import login_user
from pypdf import PdfReader

from app.core.models import User
from app.extensions import db
from app.mediation import documents
from app.mediation.documents import chinese_numeral
from app.mediation.models import Case
from tests.mediation.factories import leak_parties, make_case
from tests.mediation.test_documents import visible_text

ENGLISH = {"Accept-Language": "en"}
# one article of the agreement's terms, two lines long on the A4 page
ARTICLE = "第{n}条：被申请人于协议签订后十五日内请有资质的施工单位修复卫生间防水层并承担全部费用，申请人予以配合。"


@pytest.mark.parametrize(
    ("n", "written"),
    [
        (1, "一"),
        (2, "二"),
        (3, "三"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (15, "十五"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (30, "三十"),
        (45, "四十五"),
        (90, "九十"),
        (99, "九十九"),
    ],
)
def test_chinese_numerals(n, written):
    assert chinese_numeral(n) == written


@pytest.mark.parametrize("n", [0, 100, -1, 2.0, True, "3", None])
def test_chinese_numerals_refuse_what_they_cannot_write(n):
    with pytest.raises(ValueError):
        chinese_numeral(n)


@contextmanager
def signed_in(app, world, role="mediator", headers=None):
    with app.test_request_context(headers=headers or {}):
        login_user(db.session.get(User, world.users[role]))
        yield


def pages_of(pdf):
    """The text of each page, without white space (pypdf puts breaks inside Chinese lines)."""
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def three_parties():
    parties = leak_parties()
    parties[0].update(ethnicity="汉族", age=45, occupation="退休教师")
    parties[1].update(age=38)
    parties.append(
        {
            "role": "respondent",
            "name": "马海军",
            "sex": "male",
            "phone": "13700001111",
            "address": "回龙苑3幢502室",
            "ethnicity": "回族",
            "occupation": "个体经营者",
        }
    )
    return parties


def test_every_page_of_a_long_agreement_has_its_number_and_the_case_number(app, world, output_dir):
    case_id = make_case(app, world, upto="agreement")
    with signed_in(app, world):
        case = db.session.get(Case, case_id)
        case.agreement.terms = "\n".join(ARTICLE.format(n=i) for i in range(1, 13))
        pdf = documents.agreement_pdf(case)
        number = case.number
        db.session.rollback()
    with open(f"{output_dir}/agreement-long.pdf", "wb") as fh:  # to look at
        fh.write(pdf)
    pages = pages_of(pdf)
    assert len(pages) >= 3
    for page, text in enumerate(pages, start=1):
        assert f"第{page}页共{len(pages)}页" in text, (page, text[-60:])
        assert number in text, page
    # the case number heads every page, not only the first: it is on the last page above the signatures too
    assert pages[-1].count(number) >= 1 and "第12条" not in pages[0]


def test_headings_and_the_signatures_stay_with_their_text(app, world):
    """Whatever the length of the terms, the performance table is on the page of its heading, the
    signatures and the seal on one page, and never alone: the copies clause comes along with them."""
    case_id = make_case(app, world, upto="agreement")
    with signed_in(app, world):
        case = db.session.get(Case, case_id)
        deadline_label = gettext("Performance deadline")
        layouts = set()
        # each article is two lines: 18 lengths move the page breaks through more than a whole page
        for articles in range(3, 21):
            case.agreement.terms = "\n".join(ARTICLE.format(n=i) for i in range(1, articles + 1))
            pages = pages_of(documents.agreement_pdf(case))
            heading = [i for i, text in enumerate(pages) if "履行方式、地点和期限" in text]
            assert len(heading) == 1, articles
            table = pages[heading[0]]
            assert deadline_label in table and "现金支付" in table, (articles, table[-120:])
            mediator = [i for i, text in enumerate(pages) if "主持调解员" in text]
            assert len(mediator) == 1, articles
            signing = pages[mediator[0]]
            for expected in ("张建华", "李秀兰", "记录人", "回龙社区人民调解委员会", "（人民调解委员会印章）"):
                assert expected in signing.split("本协议一式")[-1], (articles, expected)
            # never alone on its page: the copies clause, at least, is printed above the signatures
            assert "本协议一式三份" in signing, (articles, signing[:120])
            layouts.add((len(pages), heading[0], mediator[0]))
        db.session.rollback()
    # the sweep did cross page breaks: the heading and the signatures were seen on different pages
    assert len({layout[0] for layout in layouts}) >= 2 and len({layout[1] for layout in layouts}) >= 2


def test_copies_are_counted_in_chinese_numerals(app, world):
    two = make_case(app, world, upto="agreement")
    three = make_case(app, world, upto="agreement", parties=three_parties())
    with signed_in(app, world):
        text = visible_text(documents.agreement_html(db.session.get(Case, two)))
        assert "本协议一式三份，当事人各执一份" in text
        text = visible_text(documents.agreement_html(db.session.get(Case, three)))
        assert "本协议一式四份，当事人各执一份" in text
        pdf_text = "".join(pages_of(documents.agreement_pdf(db.session.get(Case, three))))
        assert "本协议一式四份" in pdf_text and "一式4份" not in pdf_text


def test_the_parties_are_listed_as_the_2010_formats_list_them(app, world):
    case_id = make_case(app, world, upto="agreement", parties=three_parties())
    with signed_in(app, world):
        case = db.session.get(Case, case_id)
        pdf_text = "".join(pages_of(documents.agreement_pdf(case)))
        # 姓名 性别 民族 年龄 职业 住所 联系方式, the optional ones as far as they were recorded
        assert "姓名张建华性别男民族汉族年龄45职业退休教师身份证号码" in pdf_text
        assert "姓名李秀兰性别女民族年龄38身份证号码" in pdf_text
        assert "姓名马海军性别男民族回族年龄职业个体经营者身份证号码" in pdf_text
        html = documents.agreement_html(case)
        assert html.count('class="party-ethnicity-age"') == 3 and html.count('class="party-occupation"') == 2

        notice = visible_text(documents.rights_notice_html(case))
        session = visible_text(documents.session_html(case.sessions[0]))
        for text in (notice, session):
            assert "张建华 男 汉族 45岁 退休教师" in text
            assert "李秀兰 女 38岁" in text
            assert "马海军 男 回族 个体经营者" in text


def test_a_party_without_the_optional_details_prints_as_before(app, world):
    case_id = make_case(app, world, upto="agreement")
    with signed_in(app, world):
        case = db.session.get(Case, case_id)
        html = documents.agreement_html(case)
        assert "party-ethnicity-age" not in html and "party-occupation" not in html
        assert 'rowspan="4"' in html
        assert "张建华 男 " in visible_text(documents.rights_notice_html(case)) + " "


def test_the_documents_are_chinese_under_an_english_reader(app, world):
    case_id = make_case(app, world, upto="agreement", parties=three_parties())
    with signed_in(app, world, headers=ENGLISH):
        assert gettext("Full name") == "Full name"  # the reader's language is English
        case = db.session.get(Case, case_id)
        agreement = documents.agreement_html(case)
        notice = documents.rights_notice_html(case)
        session = documents.session_html(case.sessions[0])
        pdf_text = "".join(pages_of(documents.agreement_pdf(case)))
        assert gettext("Full name") == "Full name"  # and is again after the documents
    for html, title in (
        (agreement, "人民调解协议书"),
        (notice, "人民调解权利义务告知书"),
        (session, "调解笔录"),
    ):
        assert '<html lang="zh-CN">' in html
        text = visible_text(html)
        assert title in text and "申请人" in text and "被申请人" in text
        for english in ("Applicant", "Respondent", "Male", "Full name", "Case number", "People's mediation"):
            assert english not in text, (title, english)
    assert "年" in visible_text(session) and "月" in visible_text(session)  # the session's time, written in Chinese
    assert "姓名张建华性别男" in pdf_text and "第1页共" in pdf_text


def test_the_seal_placeholder_is_one_line(app, world):
    case_id = make_case(app, world, upto="agreement")
    with signed_in(app, world):
        pdf = documents.agreement_pdf(db.session.get(Case, case_id))
        seal = gettext("(Seal of the people's mediation committee)")
    page = PdfReader(io.BytesIO(pdf)).pages[-1]
    pieces = []
    page.extract_text(visitor_text=lambda text, cm, tm, *_: pieces.append((text, round(tm[5] * cm[3] + cm[5]))))
    heights = {y for text, y in pieces if text.strip() and text.strip() in seal}
    assert "".join(text for text, y in pieces if y in heights).strip() == seal
    assert len(heights) == 1, pieces
