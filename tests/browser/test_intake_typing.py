"""How long an intake takes a mediator on a phone (360 × 740), by a typing model: every character typed costs
0.3 s, every tap (a field focused, a box ticked, a button pressed) 1.5 s, every choice in a list 3 s. The script
does what a mediator does on the form, and each step is counted as it is done: (a) an ordinary oral intake,
(b) a full two-party intake with what the case file needs later (each party's sex, ID number and home).

Targets (issue 12): (a) under 45 s, (b) under 90 s. Counted from the intake form on the screen to the case
page (logging in and finding the form not counted); Chinese characters count one each, as the model does."""

import os
import re

from sqlalchemy import select

from app.core.models import Building, OrgUnit
from app.extensions import db
from app.mediation.enums import CaseSource, CaseStatus, DisputeCategory
from app.mediation.models import Case, Party
from tests.browser.test_mediation import log_in

SMALL_PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0"
    ),
}
CHAR, TAP, SELECT = 0.3, 1.5, 3.0

SUMMARY = "楼上卫生间漏水，楼下天花板发霉"
REQUESTS = "修复漏水，赔偿装修损失"


class Typist:
    """Does each step on the page and counts what it costs a person."""

    def __init__(self, page):
        self.page = page
        self.chars = self.taps = self.selects = 0

    def type(self, selector, text):
        """Tap the field, type the text."""
        field = self.page.locator(selector)
        field.click()
        self.taps += 1
        field.press_sequentially(text)
        self.chars += len(text)

    def tap(self, selector):
        self.page.locator(selector).tap()
        self.taps += 1

    def choose(self, selector, value):
        """Open a list and pick one entry (one choice, however long the list)."""
        self.page.locator(selector).select_option(value)
        self.selects += 1

    @property
    def seconds(self):
        return self.chars * CHAR + self.taps * TAP + self.selects * SELECT

    def __str__(self):
        return f"{self.chars} characters, {self.taps} taps, {self.selects} choices: {self.seconds:.1f} s"


def more_buildings(app, world):
    """Buildings whose names share "3幢", in both grids: the list has to be narrowed, and the right one found."""
    with app.app_context():
        grid_a1 = db.session.get(OrgUnit, world.grid_a1)
        grid_a2 = db.session.get(OrgUnit, world.grid_a2)
        db.session.add_all(
            [Building(grid=grid_a1, name=name) for name in ("1幢", "13幢", "23幢")]
            + [Building(grid=grid_a2, name=name) for name in ("30幢", "33幢")]
        )
        db.session.commit()


def open_intake(app, world, new_page):
    more_buildings(app, world)
    page = new_page(SMALL_PHONE)
    log_in(app, page, world.phones["mediator"])
    page.goto("/mediation/cases/new")
    return page, Typist(page)


def check_phone_layout(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["viewport"]["width"]
    small = page.evaluate(
        """() => [...document.querySelectorAll('main input, main select, main textarea')]
            .filter(e => e.offsetParent !== null && e.type !== 'checkbox' && e.type !== 'radio'
                    && e.type !== 'hidden')
            .filter(e => parseFloat(getComputedStyle(e).fontSize) < 16
                    || e.getBoundingClientRect().height < 44)
            .map(e => e.name)"""
    )
    assert small == []


def ordinary_part(t):
    """The ordinary oral intake: both names and phones, the category, the place, what happened, the requests."""
    page = t.page
    # 口头申请 is the intake's own default: nothing to choose
    assert page.locator("#source").input_value() == CaseSource.oral_application.value
    assert not page.locator("#reported_by_id").is_visible()  # only for a grid report
    t.choose("#category", DisputeCategory.neighbour.value)
    # the place: the building list narrowed by typing its name; its grid is not asked
    t.type("input.pick-filter[aria-controls=building_id]", "3幢")
    assert page.locator("#building_id option:checked").inner_text().startswith("3幢 ")
    assert not page.locator("#grid_id").is_visible()
    t.type("#room", "302")
    # both parties live at the place of a neighbour dispute: ticked already, their home fields out of the way
    assert page.locator("#parties-0-at_place").is_checked() and page.locator("#parties-1-at_place").is_checked()
    assert not page.locator("#parties-0-address").is_visible()
    # the applicant's mobile number is marked required; the respondent's is not
    assert page.locator("label[for=parties-0-phone] .req").count() == 1
    assert page.locator("label[for=parties-1-phone] .req").count() == 0
    t.type("#parties-0-name", "张建华")
    t.type("#parties-0-phone", "13912345678")
    t.type("#parties-1-name", "李秀兰")
    t.type("#parties-1-phone", "13987654321")


def finish(t, output_dir, name):
    t.type("#summary", SUMMARY)
    t.type("#requests", REQUESTS)
    check_phone_layout(t.page)
    t.page.screenshot(path=os.path.join(output_dir, f"{name}.png"), full_page=True)
    t.tap("button.primary[type=submit]")
    t.page.wait_for_url(re.compile(r".*/mediation/cases/\d+$"))
    assert t.page.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["viewport"]["width"]
    return int(t.page.url.rsplit("/", 1)[-1])


def the_case(app, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        parties = db.session.scalars(select(Party).where(Party.case_id == case_id).order_by(Party.position)).all()
        db.session.expunge_all()
        return case, parties


def check_ordinary_case(case, parties, world):
    assert (case.source, case.category, case.status) == (
        CaseSource.oral_application,
        DisputeCategory.neighbour,
        CaseStatus.registered,
    )
    assert (case.summary, case.requests) == (SUMMARY, REQUESTS)
    # the building chosen, its grid taken from it, the place in words made of building and room
    assert (case.building_id, case.grid_id, case.room, case.address) == (
        world.building,
        world.grid_a1,
        "302",
        "3幢302室",
    )
    assert [(p.role.value, p.name, p.phone) for p in parties] == [
        ("applicant", "张建华", "13912345678"),
        ("respondent", "李秀兰", "13987654321"),
    ]


def test_an_ordinary_oral_intake_takes_under_45_seconds(app, world, new_page, output_dir):
    page, t = open_intake(app, world, new_page)
    ordinary_part(t)
    case_id = finish(t, output_dir, "intake-typing-ordinary-360")
    print(f"ordinary oral intake: {t}")
    assert t.seconds < 45, str(t)
    case, parties = the_case(app, case_id)
    check_ordinary_case(case, parties, world)
    # the applicant lives at the place: the home is the place's
    assert (parties[0].building_id, parties[0].room, parties[0].address) == (world.building, "302", "3幢302室")


def test_a_full_two_party_intake_takes_under_90_seconds(app, world, new_page, output_dir):
    page, t = open_intake(app, world, new_page)
    ordinary_part(t)
    # what the case file will need: each party's sex, ID number and home
    t.choose("#parties-0-sex", "male")
    t.type("#parties-0-id_number", "11010519491231002X")
    t.choose("#parties-1-sex", "female")
    t.type("#parties-1-id_number", "320582198506154027")
    # the respondent lives one floor up: the same building, another room (the box stays ticked)
    t.type("#parties-1-room", "402")
    case_id = finish(t, output_dir, "intake-typing-full-360")
    print(f"full two-party intake: {t}")
    assert t.seconds < 90, str(t)
    case, parties = the_case(app, case_id)
    check_ordinary_case(case, parties, world)
    applicant, respondent = parties
    assert (applicant.sex.value, applicant.id_number) == ("male", "11010519491231002X")
    assert (respondent.sex.value, respondent.id_number) == ("female", "320582198506154027")
    assert (applicant.building_id, applicant.room, applicant.address) == (world.building, "302", "3幢302室")
    assert (respondent.building_id, respondent.room, respondent.address) == (world.building, "402", "3幢402室")
    # the case page shows both homes and says nothing is missing of the parties' ID numbers
    text = page.locator("section[aria-labelledby=parties]").inner_text()
    assert "3幢302室" in text and "3幢402室" in text


def test_a_party_who_lives_elsewhere_is_one_tap_away(app, world, new_page, output_dir):
    """Unticking the box shows the home fields; they are what is stored then."""
    page, t = open_intake(app, world, new_page)
    ordinary_part(t)
    t.tap("#parties-1-at_place")
    assert page.locator("#parties-1-address").is_visible()
    t.type("#parties-1-address", "回龙苑8幢501室")
    t.choose("#parties-1-building_id", str(world.building))
    case_id = finish(t, output_dir, "intake-typing-elsewhere-360")
    case, parties = the_case(app, case_id)
    assert (parties[1].address, parties[1].building_id, parties[1].room) == ("回龙苑8幢501室", world.building, None)


def test_session_agreement_and_upload_forms_on_a_phone(app, world, new_page):
    """The other forms at 360 px: a session's time filled in; a closed session's reason only once the session
    is not open, an oral agreement's note only for an oral agreement; date-time and file inputs 44 px tall."""
    from tests.mediation.factories import make_case

    with_rights = make_case(app, world, upto="rights")
    with_session = make_case(app, world, upto="session")
    page = new_page(SMALL_PHONE)
    log_in(app, page, world.phones["mediator"])

    def height(selector):
        return page.locator(selector).evaluate("e => e.getBoundingClientRect().height")

    page.goto(f"/mediation/cases/{with_rights}/sessions/new")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d[05]", page.locator("#started_at").input_value())
    assert height("#started_at") >= 44
    assert page.locator("#is_open").is_checked() and not page.locator("#closed_reason").is_visible()
    page.locator("#is_open").click()
    assert page.locator("#closed_reason").is_visible()
    check_phone_layout(page)

    page.goto(f"/mediation/cases/{with_session}/agreement")
    assert not page.locator("#oral_note").is_visible()
    page.locator("input[name=form][value=oral]").click()
    assert page.locator("#oral_note").is_visible()
    page.locator("input[name=form][value=written]").click()
    assert not page.locator("#oral_note").is_visible()
    check_phone_layout(page)

    page.goto(f"/mediation/cases/{with_session}/attachments/new")
    assert height("input[type=file]") >= 44
    check_phone_layout(page)
