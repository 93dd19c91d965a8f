"""The help group's coordinator pages of the care roster, help requests, certificates and figures in a real
browser at 360 px: no horizontal scroll, taps of 44 px or more, text of 16 px or more; and the public
verification page of a certificate, opened without logging in, shows no phone or ID number."""

import os
import re

import pytest

from tests.browser.test_grid_phone import LAYOUT, log_in, phone  # noqa: F401  (phone: a fixture)
from tests.volunteers.factories import make_leader, make_volunteers
from tests.volunteers.test_certificates import ID_NUMBER, served
from tests.volunteers.test_roster import add_entry

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(app, world):
    make_volunteers(app, world, count=1)
    group = make_leader(app, world)
    volunteer_id, number = served(app, group)
    entry_id = add_entry(app, group, days_ago=30)
    return group, volunteer_id, number, entry_id


# the grid pages' check, over the page's own content (the site's header and footer are the base layout's)
MAIN_LAYOUT = LAYOUT.replace(
    "document.querySelectorAll('a, button, input, select, textarea, summary, label')",
    "document.querySelectorAll("
    "'main a, main button, main input, main select, main textarea, main summary, main label')",
).replace("document.body.querySelectorAll('*')", "document.querySelectorAll('main *')")
assert MAIN_LAYOUT.count("main ") >= 8


def fits(page, output_dir, name):
    found = page.evaluate(MAIN_LAYOUT)
    assert page.eval_on_selector("main", "e => parseFloat(getComputedStyle(e).fontSize)") >= 18, name
    page.screenshot(path=os.path.join(output_dir, f"{name}.png"), full_page=True)
    assert found["scroll"] <= 360 and not found["small"] and not found["tiny"], (name, found)


def test_coordinator_pages_fit_a_360_px_phone(app, scene, phone, output_dir):  # noqa: F811
    world, volunteer_id, number, entry_id = scene
    page = phone()
    log_in(app, page, world.phones["coordinator"])
    for name, path in (
        ("roster", "/volunteers/roster"),
        ("roster-entry", f"/volunteers/roster/{entry_id}"),
        ("roster-new", "/volunteers/roster/new"),
        ("roster-visit", f"/volunteers/roster/{entry_id}/visit"),
        ("help-new", "/volunteers/help/new"),
        ("figures", "/volunteers/figures"),
        ("events", "/volunteers/events"),
        ("events-past", "/volunteers/events?when=past"),
        ("people", "/volunteers/people"),
        ("person", f"/volunteers/people/{volunteer_id}"),
        ("certificate-form", f"/volunteers/people/{volunteer_id}/certificate"),
    ):
        page.goto(path)
        fits(page, output_dir, name)
    # issue a certificate from the phone, then open its verification page as anybody
    page.goto(f"/volunteers/people/{volunteer_id}/certificate")
    page.locator("form.vol-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/volunteers/certificates/\d+$"))
    url = page.locator(".verify-url").inner_text().strip()
    anonymous = phone()
    anonymous.goto(url)
    html = anonymous.content()
    assert number in html
    assert world.phones["volunteer"] not in html and ID_NUMBER not in html
    fits(anonymous, output_dir, "certificate-verify")
