"""Grid workers log in from their phone and land on their home page."""

import os

from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD, translated


def test_grid_worker_logs_in_on_a_phone(app, world, new_page, output_dir):
    page = new_page(PHONE)
    page.goto("/")
    page.get_by_role("link", name=translated(app, "Log in")).first.click()
    page.get_by_label(translated(app, "Mobile number")).fill(world.phones["grid_worker"])
    page.get_by_label(translated(app, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=translated(app, "Log in")).click()
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == translated(app, "Hello, %(name)s", name="李网格")
    card = page.locator('[data-role="grid_worker"]')
    assert card.is_visible()
    assert translated(app, "My grid") in card.inner_text()
    # what a grid worker does not do is not offered
    assert page.locator('[data-role="admin"]').count() == 0
    assert page.locator('[data-role="mediator"]').count() == 0
    # the page fits the phone: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot = os.path.join(output_dir, "grid-worker-home-phone.png")
    page.screenshot(path=shot, full_page=True)
    assert os.path.getsize(shot) > 10_000
    page.get_by_role("link", name=translated(app, "Open grid work")).click()
    assert "回龙第一网格" in page.locator("main").inner_text()


def test_wrong_password_on_a_phone_shows_the_error_next_to_the_field(app, world, new_page, output_dir):
    page = new_page(PHONE)
    page.goto("/login")
    page.get_by_label(translated(app, "Mobile number")).fill(world.phones["grid_worker"])
    page.get_by_label(translated(app, "Password")).fill("wrong-one-1")
    page.get_by_role("button", name=translated(app, "Log in")).click()
    error = page.locator("#password-error")
    assert error.inner_text() == translated(app, "The mobile number or password is not correct.")
    assert page.get_by_label(translated(app, "Mobile number")).input_value() == world.phones["grid_worker"]
    page.screenshot(path=os.path.join(output_dir, "login-error-phone.png"), full_page=True)


def test_english_visitor_gets_english(app, world, new_page):
    page = new_page(locale="en-US")
    page.goto("/login")
    assert page.get_by_label("Mobile number").is_visible()
    page.get_by_role("button", name="中文").click()
    assert page.get_by_label(translated(app, "Mobile number")).is_visible()
