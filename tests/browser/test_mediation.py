"""A mediator registers a dispute on the studio's tablet, in Chromium, through the real forms."""

import os
import re

from app.mediation.enums import DisputeCategory
from tests.browser.conftest import TABLET
from tests.conftest import PASSWORD, translated

SUMMARY = "楼上卫生间漏水，楼下天花板发霉，两户多次争吵"


def log_in(app, page, phone):
    page.goto("/login")
    page.get_by_label(translated(app, "Mobile number")).fill(phone)
    page.get_by_label(translated(app, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=translated(app, "Log in")).click()
    page.wait_for_url("**/")


def test_mediator_registers_a_case_with_two_parties_on_a_tablet(app, world, new_page, output_dir):
    page = new_page(TABLET)
    log_in(app, page, world.phones["mediator"])

    # from the main menu to the intake form
    page.get_by_role("navigation", name=translated(app, "Main menu")).get_by_role(
        "link", name=translated(app, "Mediation")
    ).click()
    page.get_by_role("link", name=translated(app, "Register a dispute")).click()
    assert page.locator("h1").inner_text() == translated(app, "Register a dispute")

    # the party fields repeat per party (same labels): by id. The first two rows come as applicant
    # and respondent.
    assert page.locator("#parties-0-role").input_value() == "applicant"
    assert page.locator("#parties-1-role").input_value() == "respondent"
    page.locator("#parties-0-name").fill("张建华")
    page.locator("#parties-0-sex").select_option(label=translated(app, "Male"))
    page.locator("#parties-0-phone").fill("139 1234 5678")  # typed with spaces, as people do
    page.locator("#parties-1-name").fill("李秀兰")
    page.locator("#parties-1-sex").select_option(label=translated(app, "Female"))
    # both live at the place of the dispute (ticked by default); the respondent one floor up
    page.locator("#parties-1-room").fill("402")

    # the dispute and the place: labels are unique here
    page.get_by_label(translated(app, "Source")).select_option(label=translated(app, "Party application"))
    page.get_by_label(translated(app, "Dispute category")).select_option("neighbour")
    page.get_by_label(translated(app, "What happened")).fill(SUMMARY)
    # the building's grid is its own: not asked
    page.get_by_label(translated(app, "Building"), exact=True).select_option(label="3幢 · 回龙第一网格")
    assert not page.get_by_label(translated(app, "Grid"), exact=True).is_visible()
    page.locator("#room").fill("302")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["viewport"]["width"]
    page.screenshot(path=os.path.join(output_dir, "mediation-intake-form-tablet.png"), full_page=True)
    page.get_by_role("button", name=translated(app, "Register the case")).click()

    # the new case's page: its number in the heading, both parties
    page.wait_for_url(re.compile(r".*/mediation/cases/\d+$"))
    number = page.locator("h1").inner_text().strip()
    assert re.fullmatch(r"回龙调〔\d{4}〕第\d{3}号", number), number
    assert translated(app, "Case %(number)s registered.", number=number) in page.get_by_role("status").inner_text()
    parties = page.locator("section[aria-labelledby=parties]")
    assert "张建华" in parties.inner_text()
    assert "李秀兰" in parties.inner_text()
    assert translated(app, "Applicant") in parties.inner_text()
    assert translated(app, "Respondent") in parties.inner_text()
    main = page.locator("main").inner_text()
    assert SUMMARY in main
    with app.test_request_context():  # the category's title in the page's language (zh_CN)
        assert str(DisputeCategory.neighbour.title) in main

    # Full numbers only for the case's own mediators (Case.can_see_private). Nobody presides yet, so
    # the mediator who registered the case is responsible for it (Case.mediator_ids): she sees the
    # applicant's number in full, and no note that numbers are masked.
    assert "13912345678" in parties.inner_text()
    assert "139****5678" not in parties.inner_text()
    assert translated(app, "Phone and ID numbers are masked; only the case's mediators see them in full.") not in (
        page.locator("main").inner_text()
    )
    # ... and what she may do next is offered
    assert page.get_by_role("link", name=translated(app, "Accept"), exact=True).is_visible()

    # the page fits the tablet: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["viewport"]["width"]
    shot = os.path.join(output_dir, "mediation-new-case-tablet.png")
    page.screenshot(path=shot, full_page=True)
    assert os.path.getsize(shot) > 10_000
