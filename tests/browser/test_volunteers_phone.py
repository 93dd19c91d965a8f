"""The help group on a small phone (360 × 740), end to end in real Chromium: a resident opens the sign-up link of
the poster, registers in five short steps and waits; the coordinator approves; the new volunteer takes the only
place of an event, a second volunteer lands on the waiting list and moves up when the first cancels (and is told
so); the second checks in with the leader's code, the leader confirms the hours, and the volunteer's page shows
them. Every page of the group fits the screen (no sideways scroll), its text is 18 px, and the sign-up takes less
than 60 s by a typing model (characters × 0.3 s + taps × 1.5 s + selects × 3 s). Screenshots in test-output/."""

import os
from datetime import timedelta

from sqlalchemy import select

from app.core.models import OrgUnit, User
from app.core.types import clock_at, utcnow
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import EventKind, ServiceRecord, Volunteer
from tests.browser.conftest import DESKTOP
from tests.conftest import PASSWORD
from tests.volunteers.factories import volunteer_for

SMALL_PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 12; SM-A125F) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0"
    ),
}
WIDTH = 360
RESIDENT_PHONE = "13612345678"
RESIDENT_PASSWORD = "linli-pass-2026"


class TypingModel:
    """What a person does on the phone, counted: characters typed, taps, choices in a select."""

    def __init__(self, page):
        self.page = page
        self.chars = self.taps = self.selects = 0

    def type(self, selector, text):
        self.page.locator(selector).tap()
        self.page.locator(selector).fill(text)
        self.chars += len(text)
        self.taps += 1

    def tap(self, selector):
        self.page.locator(selector).tap()
        self.taps += 1

    def submit(self):
        """Tap the form's main button and wait for the next page."""
        with self.page.expect_navigation():
            self.tap("main button[type=submit].primary")

    def select(self, selector, value):
        self.page.locator(selector).select_option(value)
        self.selects += 1

    @property
    def seconds(self):
        return self.chars * 0.3 + self.taps * 1.5 + self.selects * 3


def check_page(page, output_dir, name):
    """The page fits 360 px, its main text is 18 px, and its buttons are tap targets; a screenshot is kept."""
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
    assert page.eval_on_selector("main", "e => parseFloat(getComputedStyle(e).fontSize)") >= 18, name
    small = page.evaluate(
        """() => [...document.querySelectorAll('main .button, main button')]
            .filter(e => e.offsetParent !== null)
            .map(e => e.getBoundingClientRect())
            .filter(r => r.height < 44).length"""
    )
    assert small == 0, name
    page.screenshot(path=os.path.join(output_dir, f"{name}.png"), full_page=True)


def log_in(page, phone, password=PASSWORD):
    page.goto("/login")
    page.locator("#phone").fill(phone)
    page.locator("#password").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/")


def test_the_help_group_on_a_phone(app, world, new_page, output_dir):
    # the world's volunteer is an approved member already; the coordinator leads today's visit
    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        coordinator = db.session.get(User, world.users["coordinator"])
        volunteer_for(db.session.get(User, world.users["volunteer"]), community, actor=coordinator)
        db.session.commit()
        db.session.remove()

    # --- a resident without the poster's link chooses the community: it leads to the poster's link ---
    phone = new_page(SMALL_PHONE)
    phone.goto("/volunteers/join")
    check_page(phone, output_dir, "00-join-choose-community")
    phone.select_option("#community", str(world.community_a))
    phone.locator("main button[type=submit]").click()
    phone.wait_for_url(f"**/volunteers/join?community={world.community_a}")

    # --- and signs up, as from the poster's link -------------------------------------------------------
    model = TypingModel(phone)
    check_page(phone, output_dir, "01-join-step1")
    model.type("#name", "周秀兰")
    model.tap("label[for=sex-0]")
    model.type("#phone", RESIDENT_PHONE)
    model.submit()
    check_page(phone, output_dir, "02-join-step2")
    model.select("#birth_year", "1958")
    model.select("#birth_month", "3")
    model.select("#building_id", str(world.building))
    model.type("#room", "302")
    model.submit()
    check_page(phone, output_dir, "03-join-step3")
    model.tap("label[for=teams-5]")
    model.tap("label[for=skills-5]")
    model.tap("label[for=availability-0]")
    model.submit()
    check_page(phone, output_dir, "04-join-step4")
    model.tap("#consent")
    model.submit()
    check_page(phone, output_dir, "05-join-step5")
    model.type("#new_password", RESIDENT_PASSWORD)
    model.type("#confirm", RESIDENT_PASSWORD)
    model.submit()
    phone.wait_for_url("**/volunteers/me")
    assert phone.get_by_test_id("waiting").is_visible()
    check_page(phone, output_dir, "06-waiting-for-approval")
    print(
        f"sign-up by the typing model: {model.chars} characters, {model.taps} taps, {model.selects} selects"
        f" = {model.seconds:.1f} s"
    )
    assert model.seconds < 60, (model.chars, model.taps, model.selects)
    # nothing personal went into an address
    assert RESIDENT_PHONE not in phone.url

    # --- the coordinator approves --------------------------------------------------------------------
    office = new_page(DESKTOP)
    log_in(office, world.phones["coordinator"])
    office.goto("/volunteers/")
    with office.expect_navigation():
        office.get_by_test_id("applications").get_by_role("link", name="周秀兰").click()
    with office.expect_navigation():
        office.locator("form[action$='/approve'] button").click()
    with app.app_context():
        resident = db.session.scalar(
            select(Volunteer).join(User, Volunteer.user_id == User.id).where(User.phone == RESIDENT_PHONE)
        )
        assert resident.status == "approved"
        number = resident.number
        # today's home visit, begun a few minutes ago, with one place, led by the coordinator
        now = utcnow().replace(second=0, microsecond=0)
        with clock_at(now - timedelta(days=1)):
            (event,) = ops.create_events(
                db.session.get(User, world.users["coordinator"]),
                db.session.get(OrgUnit, world.community_a),
                {
                    "title": "暖心服务：独居老人上门探访",
                    "kind": EventKind.warm_service,
                    "starts_at": now - timedelta(minutes=5),
                    "ends_at": now + timedelta(hours=2),
                    "place": "回龙社区党群服务中心",
                    "capacity": 1,
                    "leader": db.session.get(User, world.users["coordinator"]),
                    "skills": [],
                },
            )
        db.session.commit()
        event_id = event.id
        db.session.remove()
    phone.goto("/volunteers/me")
    assert phone.get_by_test_id("number").inner_text() == number
    check_page(phone, output_dir, "07-approved")

    # --- the event fills up; a second volunteer waits, and moves up when the first cancels ------------
    phone.goto(f"/volunteers/events/{event_id}")
    check_page(phone, output_dir, "08-event")
    with phone.expect_navigation():
        phone.locator("form[action$='/sign-up'] button").tap()
    assert phone.get_by_test_id("my-status").is_visible()
    assert phone.get_by_test_id("going").inner_text().count("周秀兰") == 1

    second = new_page(SMALL_PHONE)
    log_in(second, world.phones["volunteer"])
    second.goto(f"/volunteers/events/{event_id}")
    with second.expect_navigation():
        second.locator("form[action$='/sign-up'] button").tap()
    assert "孙志愿" in second.get_by_test_id("waiting-list").inner_text()
    check_page(second, output_dir, "09-waiting-list")

    phone.goto(f"/volunteers/events/{event_id}")
    with phone.expect_navigation():
        phone.locator("form[action$='/cancel'] button").tap()
    check_page(phone, output_dir, "10-cancelled")
    second.goto(f"/volunteers/events/{event_id}")
    assert "孙志愿" in second.get_by_test_id("going").inner_text()
    assert second.get_by_test_id("unread-count").is_visible()
    second.goto("/notifications")
    assert "暖心服务" in second.locator("main").inner_text()

    # --- check-in by the leader's code, hours confirmed, shown on the volunteer's page ----------------
    leader_phone = new_page(SMALL_PHONE)
    log_in(leader_phone, world.phones["coordinator"])
    leader_phone.goto(f"/volunteers/events/{event_id}/code")
    assert leader_phone.get_by_test_id("checkin-qr").locator("svg").is_visible()
    check_page(leader_phone, output_dir, "11-leader-code")
    link = leader_phone.get_by_test_id("checkin-link").get_attribute("href")
    second.goto(link)
    check_page(second, output_dir, "12-check-in")
    second.locator("main form button[type=submit]").tap()
    second.wait_for_url(f"**/volunteers/events/{event_id}")
    leader_phone.goto(f"/volunteers/events/{event_id}/hours")
    check_page(leader_phone, output_dir, "13-hours")
    leader_phone.locator("main form.vol-form input[name^=hours-]").fill("2")
    leader_phone.locator("main form.vol-form button[type=submit]").tap()
    leader_phone.wait_for_url(f"**/volunteers/events/{event_id}")
    with app.app_context():
        record = db.session.scalar(select(ServiceRecord))
        assert (str(record.hours), record.volunteer.user_id) == ("2.00", world.users["volunteer"])
    second.goto("/volunteers/me")
    assert second.get_by_test_id("hours").inner_text() == "2.00"
    assert "暖心服务" in second.get_by_test_id("records").inner_text()
    check_page(second, output_dir, "14-my-hours")
    for path in ("/volunteers/events", "/volunteers/me/profile"):
        second.goto(path)
        check_page(second, output_dir, "15" + path.replace("/", "-"))
