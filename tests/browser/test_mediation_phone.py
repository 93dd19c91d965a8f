"""The mediation studio on a phone (360 × 740) and a tablet (820 × 1180), in Chromium: every page fits the
width (no sideways scrolling), the case list shows a card per case on a phone with its number, status and
deadline flag, its filters fold behind one button (open when a filter is set), the case page puts labels above
values so that an agreement's terms use the screen's width, keeps the next steps in a bar at hand and folds what
the case does not need now; on a tablet the list's status stays on one line. Taps of 44 px or more and text of
16 px or more are measured on the pages of the studio's list, case page, register, figures and settings.

Screenshots of every page at both sizes go to test-output/mediation-phone/ (the path is printed)."""

import os
import re
from datetime import timedelta

import pytest

from app.core.models import OrgUnit, User
from app.extensions import db
from app.mediation import operations as ops
from app.mediation.models import Case
from tests.browser.conftest import DESKTOP
from tests.browser.test_mediation import log_in
from tests.conftest import translated
from tests.mediation.factories import LEAK_TERMS, case_dates, leak_parties, make_case

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 12; SM-A125F) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0"
    ),
}
TABLET = {"viewport": {"width": 820, "height": 1180}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
SIZES = {"360": PHONE, "820": TABLET}
MIN_TAP = 44
MIN_TEXT = 16
SHOTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "test-output", "mediation-phone")
ORAL_NOTE = "双方当场口头达成一致：被申请人三日内请师傅检修防水层，申请人不再追究此前损失"

# Taps: every link, button, summary and field shown in the page's <main> (a checkbox counts with its label).
TOO_SMALL_TAPS = """(min) => {
  const out = [];
  for (const el of document.querySelectorAll(
      'main a, main button, main summary, main select, main textarea, main input:not([type=hidden])')) {
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) box = el.closest('label');
    const rect = box.getBoundingClientRect();
    if (!rect.width || !rect.height || getComputedStyle(box).visibility === 'hidden') continue;
    if (rect.height < min - 0.5 || rect.width < min - 0.5)
      out.push([el.tagName, (el.innerText || el.name || '').trim().slice(0, 30),
                Math.round(rect.width), Math.round(rect.height)]);
  }
  return out;
}"""
# Text: every piece of text shown in <main>, with its font size.
TOO_SMALL_TEXT = """(min) => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length || el.closest('option')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    const size = parseFloat(style.fontSize);
    if (size < min) out.push([node.textContent.trim().slice(0, 20), size]);
  }
  return out;
}"""
# The lines an element's text takes, and how many characters its widest line holds (a Chinese character is
# one em wide): a long text squeezed beside its label holds 7 or so a line.
LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const style = getComputedStyle(el);
  const em = parseFloat(style.fontSize);
  const lineHeight = parseFloat(style.lineHeight) || 1.6 * em;
  // boxes whose middles are less than half a line apart sit on the same line (a badge and the text beside it)
  const rects = [...range.getClientRects()].filter((r) => r.width > 0)
    .map((r) => ({middle: (r.top + r.bottom) / 2, left: r.left, right: r.right}))
    .sort((a, b) => a.middle - b.middle);
  const lines = [];
  for (const rect of rects) {
    const line = lines[lines.length - 1];
    if (line && rect.middle - line.middle < lineHeight / 2) {
      line.left = Math.min(line.left, rect.left);
      line.right = Math.max(line.right, rect.right);
    } else lines.push({...rect});
  }
  const widest = Math.max(...lines.map((line) => line.right - line.left));
  return {lines: lines.length, per_line: Math.floor(widest / em + 0.01), width: el.getBoundingClientRect().width};
}"""


# The cells of a list that reach past the screen's edge or past their own box.
CELLS_OUTSIDE = """(width) => [...document.querySelectorAll('main td')]
  .filter((td) => td.getBoundingClientRect().right > width || td.scrollWidth > td.clientWidth + 1)
  .map((td) => td.innerText)"""


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path}")  # noqa: T201 - where to look
    return path


def fits(page, size):
    return page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["viewport"]["width"]


def check_phone_rules(page, where):
    """On a phone: no sideways scrolling, no tap below 44 px, no text below 16 px in the page's main part."""
    assert fits(page, "360"), (where, page.evaluate("document.documentElement.scrollWidth"))
    assert page.evaluate(TOO_SMALL_TAPS, MIN_TAP) == [], where
    assert page.evaluate(TOO_SMALL_TEXT, MIN_TEXT) == [], where


def overdue_case(app, world):
    """A neighbour dispute accepted 40 days ago and not settled: 10 days past its one-month limit."""
    today = case_dates().today
    with app.test_request_context():
        mediator = db.session.get(User, world.users["mediator"])
        unit = db.session.get(OrgUnit, world.community_a)
        parties = leak_parties()
        parties[0].update(name="欧阳建国", phone="13911112222", id_number=None)
        parties[1].update(name="司马秀英", phone="13933334444", id_number=None)
        data = {
            "source": "oral_application",
            "category": "property_management",
            "summary": "楼道堆放杂物堵塞消防通道，多次劝说无果",
            "requests": "清理楼道",
            "risk_level": "high",
            "may_escalate": True,
            "occurred_on": today - timedelta(days=50),
            "registered_on": today - timedelta(days=45),
            "address": "回龙苑3幢一单元楼道",
        }
        case = ops.register_case(mediator, unit, data, parties)
        ops.accept_case(mediator, case, mediator, today - timedelta(days=40))
        db.session.commit()
        return case.id


def oral_case(app, world):
    """A case settled by an oral agreement, with the mediator's note (the oral-agreement register)."""
    case_id = make_case(app, world, upto="session")
    with app.test_request_context():
        mediator = db.session.get(User, world.users["mediator"])
        case = db.session.get(Case, case_id)
        ops.record_agreement(
            mediator,
            case,
            {
                "form": "oral",
                "concluded_on": case_dates().agreement,
                "facts": "卫生间防水层老化导致漏水",
                "issues": "漏水责任",
                "terms": LEAK_TERMS,
                "oral_note": ORAL_NOTE,
            },
        )
        db.session.commit()
    return case_id


@pytest.fixture
def studio(app, world):
    """The demo-like studio: one case at each stage of the leaking-ceiling story, an overdue one and an oral
    agreement; returns {stage: case id}."""
    cases = {stage: make_case(app, world, upto=stage) for stage in ("registered", "accepted", "session")}
    cases["agreement"] = make_case(app, world, upto="agreement")
    cases["followed_up"] = make_case(app, world, upto="followed_up")
    cases["archived"] = make_case(app, world, upto="archived")
    cases["overdue"] = overdue_case(app, world)
    cases["oral"] = oral_case(app, world)
    with app.app_context():
        cases["numbers"] = {stage: db.session.get(Case, cid).number for stage, cid in cases.items()}
    return cases


def open_as_mediator(app, world, new_page, size):
    page = new_page(SIZES[size])
    log_in(app, page, world.phones["mediator"])
    return page


# --- the case list -----------------------------------------------------------------------------------


def test_case_list_on_a_phone_shows_cards_and_folds_the_filters(app, world, studio, new_page):
    page = open_as_mediator(app, world, new_page, "360")
    page.goto("/mediation/")
    check_phone_rules(page, "case list")

    # no filter set: the filters are folded behind one button, the cases come first
    filters = page.locator("details.filter-box")
    assert filters.get_attribute("open") is None
    assert page.locator("summary", has_text=translated(app, "Filter")).is_visible()
    assert not page.get_by_label(translated(app, "Search")).is_visible()

    # a card per case: number, parties, status and deadline flag inside the screen's width
    overdue_row = page.locator("tr", has=page.get_by_role("link", name=studio["numbers"]["overdue"]))
    card = overdue_row.bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= 360, card
    for part in (
        page.get_by_role("link", name=studio["numbers"]["overdue"]),
        overdue_row.get_by_text("欧阳建国"),
        overdue_row.locator(".status"),
        overdue_row.locator(".flag-overdue"),
    ):
        assert part.is_visible()
        box = part.bounding_box()
        assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5, box
    assert overdue_row.locator(".status").inner_text() == translated(app, "Accepted")
    assert "10" in overdue_row.locator(".flag-overdue").inner_text()  # 40 days since accepted, one month allowed
    # no part of any card reaches past the screen's edge
    assert page.evaluate(CELLS_OUTSIDE, 360) == []
    soon_row = page.locator("tr", has=page.get_by_role("link", name=studio["numbers"]["accepted"]))
    assert soon_row.locator(".flag-soon").is_visible()
    # a card is a card, not a table row squeezed into the width: its parts are stacked
    number_box = page.get_by_role("link", name=studio["numbers"]["overdue"]).bounding_box()
    status_box = overdue_row.locator(".status").bounding_box()
    assert status_box["y"] >= number_box["y"] + number_box["height"] - 1
    shot(page, "list-360")

    # open the filters, pick a status: the list is filtered and the filters stay open, saying one is set
    page.locator("details.filter-box > summary").click()
    assert page.get_by_label(translated(app, "Search")).is_visible()
    shot(page, "list-filters-open-360")
    page.get_by_label(translated(app, "Status"), exact=True).select_option(label=translated(app, "Accepted"))
    page.locator("details.filter-box form").get_by_role("button", name=translated(app, "Filter")).click()
    page.wait_for_url(re.compile(r".*/mediation/\?search="))
    assert page.locator("details.filter-box").get_attribute("open") is not None
    assert page.get_by_label(translated(app, "Status"), exact=True).is_visible()
    numbers = page.locator("td.c-number").all_inner_texts()
    assert sorted(numbers) == sorted([studio["numbers"]["accepted"], studio["numbers"]["overdue"]])
    check_phone_rules(page, "filtered case list")
    shot(page, "list-filtered-360")

    # in English (longer words) the cards still fit the screen
    page.goto("/mediation/")
    page.locator(".lang-switch").get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    check_phone_rules(page, "case list in English")
    assert page.evaluate(CELLS_OUTSIDE, 360) == []
    shot(page, "list-360-en")
    for stage in ("registered", "session", "agreement"):
        page.goto(f"/mediation/cases/{studio[stage]}")
        check_phone_rules(page, f"case page in English: {stage}")
        box = page.locator("nav.case-bar").bounding_box()
        assert box["y"] + box["height"] <= 740.5 and box["height"] <= 2 * MIN_TAP + 24, (stage, box)
        shot(page, f"case-{stage}-360-en")


def test_case_list_on_a_tablet_keeps_status_and_dates_on_one_line(app, world, studio, new_page):
    page = open_as_mediator(app, world, new_page, "820")
    page.goto("/mediation/")
    shot(page, "list-820")
    assert fits(page, "820"), page.evaluate("document.documentElement.scrollWidth")
    # the table stays on a tablet, the filters fold the same way
    assert page.locator("table.cases thead").is_visible()
    assert page.locator("details.filter-box").get_attribute("open") is None
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 8
    for column in ("c-status", "c-category", "c-date", "c-number"):
        cells = page.locator(f"table.cases td.{column}")
        for index in range(cells.count()):
            lines = page.evaluate(LINES, cells.nth(index).element_handle())
            text = cells.nth(index).inner_text()
            if column == "c-category" and not re.search(r"[\u4e00-\u9fff]", text):
                # a title not in the catalog yet shows in English: it may break at its spaces, never in a word
                assert lines["lines"] <= 3 and lines["width"] >= 60, (text, lines)
                continue
            assert lines["lines"] == 1, (column, index, text, lines)
    # the busiest status cell (status, overdue flag and "may escalate"): its height is one line's
    cell = page.locator("tr", has=page.get_by_role("link", name=studio["numbers"]["overdue"])).locator("td.c-status")
    assert cell.locator(".flag-overdue").is_visible() and cell.locator(".flag-risk").is_visible()
    height, line = cell.evaluate(
        "td => { const r = document.createRange(); r.selectNodeContents(td);"
        " return [r.getBoundingClientRect().height, parseFloat(getComputedStyle(td).lineHeight)]; }"
    )
    assert height <= line + 1, (height, line)
    # filtered: open
    page.goto("/mediation/?overdue=y")
    assert page.locator("details.filter-box").get_attribute("open") is not None
    assert fits(page, "820")
    numbers = page.locator("td.c-number").all_inner_texts()  # overdue, or due within 5 days
    assert sorted(numbers) == sorted(studio["numbers"][stage] for stage in ("accepted", "session", "overdue"))
    shot(page, "list-filtered-820")


# --- the case page -----------------------------------------------------------------------------------


def folded(page, section_id):
    return page.locator(f"section[aria-labelledby='{section_id}'] > details").get_attribute("open") is None


@pytest.mark.parametrize("size", ["360", "820"])
def test_case_page_in_every_stage(app, world, studio, new_page, size):
    page = open_as_mediator(app, world, new_page, size)
    height = SIZES[size]["viewport"]["height"]
    figures = {}
    for stage in ("registered", "accepted", "session", "agreement", "followed_up", "archived", "oral", "overdue"):
        page.goto(f"/mediation/cases/{studio[stage]}")
        assert fits(page, size), stage
        if size == "360":
            check_phone_rules(page, stage)
        figures[stage] = page.evaluate("document.documentElement.scrollHeight")
        shot(page, f"case-{stage}-{size}")
        bar = page.locator("nav.case-bar")
        if stage == "archived":
            assert bar.count() == 0  # nothing to do on an archived case
        else:
            # the next steps are on screen without scrolling, and stay there half-way down the page
            assert bar.is_visible(), stage
            box = bar.bounding_box()
            assert 0 <= box["y"] and box["y"] + box["height"] <= height + 0.5, (stage, box)
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
            box = bar.bounding_box()
            assert 0 <= box["y"] and box["y"] + box["height"] <= height + 0.5, (stage, box)
            assert box["height"] <= 2 * MIN_TAP + 24, (stage, box)  # one row of buttons, not half the screen
            page.evaluate("window.scrollTo(0, 0)")
    print(f"case page heights at {size} px: {figures}")  # noqa: T201

    # registered: the intake is in progress, the documents and the history are folded; Accept is at hand
    page.goto(f"/mediation/cases/{studio['registered']}")
    assert not folded(page, "overview") and not folded(page, "parties")
    for section in ("attachments", "file", "timeline", "sessions", "rights"):
        assert folded(page, section), section
    bar = page.locator("nav.case-bar")
    assert bar.get_by_role("link", name=translated(app, "Accept"), exact=True).is_visible()
    # the other steps wait under More; opened, they are on the screen and can be tapped
    assert not bar.get_by_role("link", name=translated(app, "Decline")).is_visible()
    bar.locator("details.more-actions > summary").click()
    decline = bar.get_by_role("link", name=translated(app, "Decline"))
    assert decline.is_visible()
    box = decline.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["viewport"]["width"]
    assert fits(page, size)
    shot(page, f"case-registered-more-{size}")
    decline.click()
    page.wait_for_url(re.compile(r".*/decline$"))

    # accepted, no rights notice yet: the rights notice is the next step, open and in the bar
    page.goto(f"/mediation/cases/{studio['accepted']}")
    assert not folded(page, "rights")
    page.locator("nav.case-bar").get_by_role("link", name=translated(app, "Rights notice")).click()
    assert page.get_by_role("button", name=translated(app, "Record that the rights notice was given")).is_visible()

    # in mediation: sessions open, the two next steps in the bar
    page.goto(f"/mediation/cases/{studio['session']}")
    assert not folded(page, "sessions") and folded(page, "timeline")
    bar = page.locator("nav.case-bar")
    for label in ("Record a session", "Record the agreement"):
        assert bar.get_by_role("link", name=translated(app, label)).is_visible()

    # an agreement: its terms use the card's width, labels above values on a phone
    page.goto(f"/mediation/cases/{studio['agreement']}")
    assert not folded(page, "agreement") and folded(page, "overview") and folded(page, "timeline")
    terms = page.locator("section[aria-labelledby=agreement] dd", has_text=LEAK_TERMS)
    measured = page.evaluate(LINES, terms.element_handle())
    assert measured["width"] >= 250, measured
    assert measured["lines"] >= 2 and measured["per_line"] >= 15, measured
    label = page.locator(
        "section[aria-labelledby=agreement] dt", has_text=translated(app, "Agreed rights and obligations")
    )
    if size == "360":
        assert label.bounding_box()["y"] + label.bounding_box()["height"] <= terms.bounding_box()["y"] + 1
    assert page.locator("nav.case-bar").get_by_role("link", name=translated(app, "Record the visit")).is_visible()

    # followed up: the case file is open (archiving is the next step)
    page.goto(f"/mediation/cases/{studio['followed_up']}")
    assert not folded(page, "file")
    assert page.locator("nav.case-bar").get_by_role("link", name=translated(app, "Archive the case")).is_visible()
    # archived: read only, the file and its number open
    page.goto(f"/mediation/cases/{studio['archived']}")
    assert not folded(page, "file") and folded(page, "parties")


# --- each action form --------------------------------------------------------------------------------


ACTION_PAGES = [
    ("registered", "accept"),
    ("registered", "decline"),
    ("registered", "refer"),
    ("registered", "withdraw"),
    ("registered", "helpers/new"),
    ("accepted", "extend"),
    ("accepted", "recusal"),
    ("session", "sessions/new"),
    ("session", "agreement"),
    ("session", "end"),
    ("agreement", "attachments/new"),
    ("agreement", "confirmation"),
    ("agreement", "follow-ups/{visit}"),
]


@pytest.mark.parametrize("size", ["360", "820"])
def test_every_action_form_fits_the_screen(app, world, studio, new_page, size):
    page = open_as_mediator(app, world, new_page, size)
    with app.app_context():
        visit = db.session.get(Case, studio["agreement"]).follow_ups[0].id
    small = {}
    for stage, action in ACTION_PAGES:
        url = f"/mediation/cases/{studio[stage]}/{action.format(visit=visit)}"
        response = page.goto(url)
        assert response.status == 200, url
        assert page.locator("main form").count() >= 1, url
        assert fits(page, size), (url, page.evaluate("document.documentElement.scrollWidth"))
        if size == "360":
            # measured and reported (these forms are built by their own templates)
            small[action] = page.evaluate(TOO_SMALL_TAPS, MIN_TAP) + page.evaluate(TOO_SMALL_TEXT, MIN_TEXT)
        shot(page, f"form-{action.split('/')[0]}-{size}")
    if small:
        print(f"action forms, taps < 44 px and text < 16 px at 360: {small}")  # noqa: T201


# --- the register, the figures, the settings ---------------------------------------------------------


@pytest.mark.parametrize("size", ["360", "820"])
def test_register_figures_and_settings_fit(app, world, studio, new_page, size):
    page = open_as_mediator(app, world, new_page, size)
    page.goto("/mediation/oral-agreements")
    assert fits(page, size)
    row = page.locator("tr", has=page.get_by_role("link", name=studio["numbers"]["oral"]))
    assert row.get_by_text(ORAL_NOTE).is_visible()
    if size == "360":
        check_phone_rules(page, "oral register")
        # a card: the note uses the card's width
        note = page.evaluate(LINES, row.locator("td", has_text=ORAL_NOTE).element_handle())
        assert note["width"] >= 250 and note["per_line"] >= 15, note
    shot(page, f"oral-register-{size}")

    page.goto("/mediation/stats")
    assert fits(page, size)
    assert page.locator("[data-figure=total] strong").inner_text() == "8"
    if size == "360":
        check_phone_rules(page, "figures")
    shot(page, f"stats-{size}")

    page.goto("/mediation/studio")
    assert fits(page, size)
    assert page.get_by_label(translated(app, "Studio name")).is_visible()
    if size == "360":
        check_phone_rules(page, "studio settings")
    shot(page, f"studio-{size}")


def test_on_a_pc_the_actions_stay_in_the_page_head(app, world, studio, new_page):
    """The bar is for phones and tablets: a PC's wide screen shows every next step beside the case number."""
    page = new_page(DESKTOP)
    log_in(app, page, world.phones["mediator"])
    page.goto(f"/mediation/cases/{studio['session']}")
    assert not page.locator("nav.case-bar").is_visible()
    head = page.locator(".case-head nav.case-actions")
    for label in ("Record a session", "Record the agreement", "End without agreement", "Withdraw", "Extend"):
        assert head.get_by_role("link", name=translated(app, label)).is_visible(), label
    assert head.bounding_box()["y"] < 200
    shot(page, "case-session-1280")
