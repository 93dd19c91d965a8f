"""On a small phone (360 × 740) every control of the header and the language switch is a tap target of at
least 44 px, and the page does not scroll sideways, in Chinese and in English."""

import os

from app.core import operations
from app.core.models import OrgUnit
from app.extensions import db
from tests.browser.conftest import DESKTOP
from tests.conftest import PASSWORD, make_user, translated

SMALL_PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 12; SM-A125F) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
    ),
}
WIDTH = SMALL_PHONE["viewport"]["width"]
MIN_TARGET = 44
BUSY_PHONE = "13900000099"


def busy_user(app, world, password_hash):
    """A street worker with every section in the menu (admin, mediator, grid worker and volunteer) and
    unread notifications, so that the inbox shows its badge."""
    with app.app_context():
        street = db.session.get(OrgUnit, world.street)
        user = make_user(
            BUSY_PHONE, "欧阳多面", ["admin", "mediator", "grid_worker", "volunteer"], street, password_hash
        )
        db.session.flush()
        for number in range(12):
            operations.notify(user, f"通知 {number}")
        db.session.commit()


def too_small(page, selector):
    """(text, height, width) of every visible element matching ``selector`` smaller than a tap target."""
    problems = []
    boxes = page.locator(selector)
    assert boxes.count() > 0, f"nothing matches {selector}"
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        assert box is not None, f"{selector} #{index} is not shown"
        if box["height"] < MIN_TARGET or box["width"] < MIN_TARGET:
            problems.append((boxes.nth(index).inner_text(), box["height"], box["width"]))
    return problems


def font_size(page, selector):
    return page.eval_on_selector(selector, "e => parseFloat(getComputedStyle(e).fontSize)")


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_language_switch_on_the_login_page_is_easy_to_tap(app, world, new_page, output_dir):
    page = new_page(SMALL_PHONE)
    page.goto("/login")
    assert too_small(page, ".lang-switch button") == []
    assert font_size(page, ".lang-switch button") >= 16
    assert fits_the_screen(page)
    page.screenshot(path=os.path.join(output_dir, "login-360.png"), full_page=True)
    page.get_by_role("button", name="English").click()
    assert page.get_by_label("Mobile number").is_visible()
    assert too_small(page, ".lang-switch button") == []
    assert fits_the_screen(page)
    page.screenshot(path=os.path.join(output_dir, "login-360-en.png"), full_page=True)


def test_header_and_menu_are_easy_to_tap_on_a_small_phone(app, world, password_hash, new_page, output_dir):
    busy_user(app, world, password_hash)
    page = new_page(SMALL_PHONE)
    page.goto("/login")
    page.get_by_label(translated(app, "Mobile number")).fill(BUSY_PHONE)
    page.get_by_label(translated(app, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=translated(app, "Log in")).click()
    page.wait_for_url("**/")
    menu = page.get_by_role("navigation", name=translated(app, "Main menu"))
    for section in ("Home", "Mediation", "Grid work", "Help group", "Administration"):
        assert menu.get_by_role("link", name=translated(app, section)).is_visible()

    for language, shot in (("zh_CN", "home-360.png"), ("en", "home-360-en.png")):
        assert too_small(page, ".main-nav a") == []
        assert too_small(page, ".main-nav .link") == []
        assert too_small(page, ".site-header .inbox") == []
        assert too_small(page, ".lang-switch button") == []
        assert font_size(page, ".main-nav a") >= 16
        assert fits_the_screen(page), language
        # the menu stays a compact band at the top, not half the screen
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 3 * MIN_TARGET + 80, header
        page.screenshot(path=os.path.join(output_dir, shot), full_page=True)
        if language == "zh_CN":
            page.get_by_role("button", name="English").click()
            page.wait_for_selector("html[lang=en]")

    # on a desktop the same header stays one line of menu
    page.set_viewport_size(DESKTOP["viewport"])
    assert too_small(page, ".main-nav a") == []
    assert page.locator(".main-nav").bounding_box()["height"] < 2 * MIN_TARGET
    page.screenshot(path=os.path.join(output_dir, "home-desktop-en.png"))
