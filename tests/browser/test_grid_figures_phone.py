"""The figures of grid work in a real browser at 360 px (issue 10, item 9): a unit's handler and the street's
admin read them on a phone without horizontal scrolling, with taps of 44 px and text of 16 px or more; the
Excel download arrives under its name (RFC 5987) and holds the month's figures."""

import io
import os
import re

import pytest
from openpyxl import load_workbook

from tests.browser.test_grid_phone import LAYOUT, log_in, phone, shown  # noqa: F401  (phone: a fixture)
from tests.grid.test_figures import OCTOBER, october, power_unit  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("role", "received"), [("handler", "20"), ("admin", "28")])
def test_the_figures_fit_a_360_px_phone(app, october, phone, role, received, output_dir):  # noqa: F811
    page = phone(accept_downloads=True)
    log_in(app, page, october.phones[role])
    page.goto("/grid/")
    page.get_by_role("link", name=shown(app, "Figures"), exact=True).click()
    page.wait_for_url(re.compile(r".*/grid/figures$"))
    # October 2026, typed into the period's fields, then shown
    page.get_by_label(shown(app, "From")).fill(OCTOBER["date_from"])
    page.get_by_label(shown(app, "To")).fill(OCTOBER["date_to"])
    page.get_by_role("button", name=shown(app, "Show")).click()
    page.wait_for_url(re.compile(r".*date_from=2026-10-01.*"))
    assert page.locator('[data-figure="received"] strong').inner_text() == received
    found = page.evaluate(LAYOUT)
    page.screenshot(path=os.path.join(output_dir, f"figures-{role}.png"), full_page=True)
    assert found["scroll"] <= 360 and not found["small"] and not found["tiny"], found

    with page.expect_download() as download_info:
        page.get_by_role("link", name=shown(app, "Download as Excel")).click()
    download = download_info.value
    assert download.suggested_filename == f"{shown(app, 'Grid work figures')}_2026-10-01_2026-10-31.xlsx"
    book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    values = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows(min_row=3)}
    assert values[shown(app, "Received")] == int(received)
