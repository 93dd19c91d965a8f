"""A grid worker reports from a phone (360 × 740, touch) in real Chromium: a photo with GPS data taken on the
phone arrives reduced and without EXIF, a report made offline waits on the phone and arrives once when the
connection returns, a report takes at most five taps, the report page is light, and every grid page fits the
phone."""

import gzip
import io
import os
import re
import time
from contextlib import contextmanager

import flask
import pytest
from PIL import Image
from sqlalchemy import select

from app.core.i18n import force_locale
from app.core.i18n import gettext as app_gettext
from app.core.models import User
from app.extensions import db
from app.grid import queries
from app.grid.models import WorkOrder
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD, translated
from tests.grid.factories import make_category, make_order

PHONE_360 = dict(PHONE, viewport={"width": 360, "height": 740})
WHERE = {"latitude": 30.274085, "longitude": 120.155070, "accuracy": 12}
FIRST = "东门口的井盖松动了，电动车压过去会翻"
SECOND = "3幢楼道里的灯坏了，晚上看不见台阶"
MAX_TAPS = 5  # camera, category, building, send, plus one (the description, typed by voice or keyboard)
PAGE_BUDGET = 60 * 1024  # the report page's HTML, CSS and JS, gzipped


def shown(app, message, **params):
    """What the page shows for ``message`` in Chinese (the English text until the catalog translates it)."""
    with app.test_request_context(), force_locale("zh_CN"):
        return app_gettext(message, **params)


def phone_photo(path, size=(4032, 3024)):
    """A photo as a phone takes it: large, with its maker and the GPS position in EXIF."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x8825] = {1: "N", 2: (30.0, 16.0, 26.7), 3: "E", 4: (120.0, 9.0, 18.3)}  # GPS IFD
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.save(path, "JPEG", exif=exif.tobytes(), quality=90)
    assert Image.open(path).getexif().get_ifd(0x8825)  # the file does carry a position
    return str(path)


@pytest.fixture
def phone(playwright_browser, live_server):
    """``phone(**options)``: a page in a fresh phone context (360 × 740, touch), closed after the test."""
    contexts = []

    def open_page(**options):
        context = playwright_browser.new_context(base_url=live_server, locale="zh-CN", **PHONE_360, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def log_in(app, page, phone_number):
    page.goto("/login")
    page.get_by_label(translated(app, "Mobile number")).fill(phone_number)
    page.get_by_label(translated(app, "Password")).fill(PASSWORD)
    page.get_by_role("button", name=translated(app, "Log in")).click()
    page.wait_for_url("**/")


class Taps:
    """Every tap of the worker, counted."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def tap(self, locator):
        locator.tap()
        self.count += 1

    def photo(self, path):
        with self.page.expect_file_chooser() as chooser:
            self.tap(self.page.locator("#photos"))
        chooser.value.set_files(path)


def make_report(app, page, taps, photo, description):
    """Photo, category, description, building, send: the way a worker fills the report page."""
    taps.photo(photo)
    page.locator("#photo-previews img").first.wait_for()  # reduced on the phone, shown as a thumbnail
    taps.tap(page.locator("label.big-choice", has_text="设施损坏"))
    taps.tap(page.get_by_label(translated(app, "What is wrong")))
    page.keyboard.insert_text(description)
    taps.tap(page.locator(".building-choices label.big-choice", has_text="3幢"))
    taps.tap(page.get_by_role("button", name=translated(app, "Send the report")))


def orders(app):
    with app.app_context():
        found = [
            (order.description, order.latitude, order.longitude, [photo.stored_name for photo in order.photos])
            for order in db.session.scalars(select(WorkOrder).order_by(WorkOrder.id))
        ]
        db.session.remove()
    return found


def stored_image(app, stored_name):
    path = os.path.join(app.config["UPLOAD_FOLDER"], "grid", stored_name)
    with open(path, "rb") as file:
        data = file.read()
    return data, Image.open(io.BytesIO(data))


def assert_clean(app, stored_name):
    data, image = stored_image(app, stored_name)
    assert max(image.size) <= 1600
    assert image.size == (1600, 1200)  # 4032 × 3024 reduced, its shape kept
    assert not image.getexif() and "exif" not in image.info
    assert b"PhoneMaker" not in data and b"GPS" not in data


@contextmanager
def server_requests(app, uploads=None):
    """The (method, path) of every request the live server receives meanwhile; the photos posted to it, as
    received, into ``uploads``."""
    seen = []

    def record(sender, **extra):
        seen.append((flask.request.method, flask.request.path))
        if uploads is not None and flask.request.method == "POST":
            for upload in flask.request.files.getlist("photos"):
                uploads.append(upload.stream.read())
                upload.stream.seek(0)

    flask.request_started.connect(record, app)
    try:
        yield seen
    finally:
        flask.request_started.disconnect(record, app)


def kept_in_cache(page):
    """How many responses the service worker keeps (all its caches)."""
    return page.evaluate(
        """async () => {
            let n = 0;
            for (const name of await caches.keys()) n += (await (await caches.open(name)).keys()).length;
            return n;
        }"""
    )


def wait_until(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_a_grid_worker_reports_online_then_offline_from_a_phone(app, world, phone, tmp_path, output_dir):
    make_category(app, world)
    photo = phone_photo(tmp_path / "IMG_0001.jpg")
    page = phone(geolocation=WHERE, permissions=["geolocation"])
    log_in(app, page, world.phones["grid_worker"])
    uploads = []

    # from opening the page to a report sent: the taps are counted
    page.goto("/grid/report")
    page.wait_for_function("() => document.getElementById('latitude').value !== ''")  # the browser's position
    assert translated(app, "Position (optional)") in page.locator("main").inner_text()
    assert page.locator("#position-status").is_visible() and page.locator("#locate").is_hidden()
    assert page.locator("#outbox").is_hidden()  # nothing waits on this phone
    assert page.locator("#photos").get_attribute("capture") == "environment"  # the camera opens first
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    taps = Taps(page)
    with server_requests(app, uploads):
        make_report(app, page, taps, photo, FIRST)
        page.wait_for_url(re.compile(r".*/grid/orders/\d+$"))
    number = page.locator("h1").inner_text().split()[0]
    assert translated(app, "Reported as work order %(number)s.", number=number) in page.locator("main").inner_text()
    assert taps.count <= MAX_TAPS, f"{taps.count} taps to report with a photo"
    print(f"\ntaps from opening the report page to a report sent with a photo: {taps.count}")

    # one order, where the phone was, with one photo: reduced before it left the phone, and stored without EXIF
    [(description, latitude, longitude, photos)] = orders(app)
    assert description == FIRST
    assert abs(latitude - WHERE["latitude"]) < 1e-6 and abs(longitude - WHERE["longitude"]) < 1e-6
    assert len(photos) == 1
    assert_clean(app, photos[0])
    # what the server received was reduced on the phone already: the EXIF and the position never left it
    [received] = uploads
    assert max(Image.open(io.BytesIO(received)).size) <= 1600
    assert len(received) < os.path.getsize(photo) / 2
    assert b"PhoneMaker" not in received and b"GPS" not in received

    # offline: the report page opens from what the service worker kept, the server hears nothing
    page.context.set_offline(True)
    with server_requests(app) as seen:
        page.goto("/grid/report")
        assert page.locator("h1").inner_text() == translated(app, "Report a problem")
        make_report(app, page, Taps(page), photo, SECOND)
        outbox = page.locator("#outbox")
        outbox.wait_for(state="visible")
        assert outbox.locator("li").count() == 1
        assert SECOND in outbox.inner_text()
        assert shown(app, "Waiting to send") in outbox.inner_text()
        assert shown(app, "Kept on this phone: it will be sent as soon as the connection returns.") in (
            page.locator("#report-status").inner_text()
        )
        page.screenshot(path=os.path.join(output_dir, "report-waiting-offline.png"), full_page=True)
        assert seen == []
    assert len(orders(app)) == 1
    # the form is empty again, for the next report
    assert page.get_by_label(translated(app, "What is wrong")).input_value() == ""

    # back online: it is sent by itself, once, and leaves the list
    with server_requests(app) as seen:
        page.context.set_offline(False)
        page.wait_for_function("() => document.querySelectorAll('#outbox-list li').length === 0")
        assert outbox.is_hidden()
        assert wait_until(lambda: len(orders(app)) == 2)
        assert seen.count(("POST", "/grid/report")) == 1
    # the news comes once every kept report has been sent
    page.wait_for_function("() => /WG\\d{4}-\\d{6}/.test(document.getElementById('outbox-news').innerText)")
    news = page.locator("#outbox-news").inner_text()
    assert re.search(r"WG\d{4}-\d{6}", news), news
    # opening the page again sends nothing more
    page.reload()
    page.locator("#report-form").wait_for()
    time.sleep(1)
    found = orders(app)
    assert [row[0] for row in found] == [FIRST, SECOND]
    assert len(found[1][3]) == 1
    assert_clean(app, found[1][3][0])
    print(f"screenshots: {output_dir}")

    # logging out forgets the page the service worker kept
    assert kept_in_cache(page) > 0
    page.get_by_role("button", name=translated(app, "Log out")).tap()
    page.wait_for_url(re.compile(r".*/login.*"))
    assert wait_until(lambda: kept_in_cache(page) == 0, timeout=5)


def test_a_report_that_fails_to_send_waits_on_the_home_card_and_is_sent_on_the_next_visit(app, world, phone, tmp_path):
    make_category(app, world)
    photo = phone_photo(tmp_path / "IMG_0002.jpg", size=(1200, 900))
    page = phone()
    log_in(app, page, world.phones["grid_worker"])
    page.goto("/grid/report")

    # the connection is there, but the report does not get through (a stairwell)
    def fail_posts(route):
        if route.request.method == "POST":
            route.abort("connectionreset")
        else:
            route.continue_()

    # on the context, not the page: once the service worker controls the page, its requests reach the network
    # from the worker, where only the context's routes see them
    page.context.route("**/grid/report", fail_posts)
    make_report(app, page, Taps(page), photo, FIRST)
    page.locator("#outbox li").wait_for()
    assert (
        shown(
            app, "Sending failed. The report is kept on this phone and will be sent as soon as the connection returns."
        )
        in page.locator("#report-status").inner_text()
    )
    assert orders(app) == []

    # the worker's home page lists it too, and sends it when it opens
    page.goto("/")
    card = page.locator("article[data-role=grid_worker]")
    card.locator("#outbox li").wait_for()
    assert FIRST in card.locator("#outbox").inner_text()
    assert orders(app) == []
    page.context.unroute("**/grid/report")
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('#outbox-list li').length === 0")
    assert wait_until(lambda: len(orders(app)) == 1)
    # the news comes once every kept report has been sent
    page.wait_for_function(
        "() => /WG\\d{4}-\\d{6}/.test(document.querySelector('article[data-role=grid_worker] #outbox-news').innerText)"
    )
    assert re.search(r"WG\d{4}-\d{6}", card.locator("#outbox-news").inner_text())
    [(description, _, _, photos)] = orders(app)
    assert description == FIRST and len(photos) == 1


def test_a_refused_report_comes_back_with_its_reason_and_keeps_the_photo(app, world, phone, tmp_path):
    make_category(app, world)
    photo = phone_photo(tmp_path / "IMG_0003.jpg", size=(2000, 1500))
    page = phone()
    log_in(app, page, world.phones["grid_worker"])
    page.goto("/grid/report")
    taps = Taps(page)
    taps.photo(photo)
    page.locator("#photo-previews img").first.wait_for()
    taps.tap(page.get_by_label(translated(app, "What is wrong")))
    page.keyboard.insert_text(FIRST)
    # no category, no building: the server says what is missing, the description and the photo stay
    taps.tap(page.get_by_role("button", name=translated(app, "Send the report")))
    page.locator(".has-error").first.wait_for()
    main = page.locator("main").inner_text()
    assert translated(app, "Choose a category.") in main
    assert page.get_by_label(translated(app, "What is wrong")).input_value() == FIRST
    assert page.locator("#photo-previews img").count() == 1
    assert orders(app) == []
    # corrected and sent again: one order, with the photo chosen before
    taps.tap(page.locator("label.big-choice", has_text="设施损坏"))
    taps.tap(page.locator(".building-choices label.big-choice", has_text="3幢"))
    taps.tap(page.get_by_role("button", name=translated(app, "Send the report")))
    page.wait_for_url(re.compile(r".*/grid/orders/\d+$"))
    [(description, _, _, photos)] = orders(app)
    assert description == FIRST and len(photos) == 1
    _, image = stored_image(app, photos[0])
    assert image.size == (1600, 1200)


def test_the_report_page_weighs_under_60_kb_gzipped(app, world, phone):
    make_category(app, world)
    page = phone()
    log_in(app, page, world.phones["grid_worker"])
    # as on the first visit: nothing from the browser's cache (logging in fetched the CSS and JS already)
    page.context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/grid/report")
    page.wait_for_load_state("networkidle")
    parts = []
    for response in responses:
        path = re.sub(r"^https?://[^/]+", "", response.url)
        if response.status != 200:
            continue
        if response.request.resource_type in ("document", "stylesheet", "script") or path.endswith((".js", ".css")):
            body = response.body()
            parts.append((path, len(body), len(gzip.compress(body))))
    paths = [p[0] for p in parts]
    assert "/grid/report" in paths and any(p.endswith(".css") for p in paths)
    assert any(p.endswith("grid-report.js") for p in paths)
    gzipped = sum(p[2] for p in parts)
    print("\nthe report page (path, bytes, bytes gzipped):")
    for part in parts:
        print("  ", part)
    print(f"total: {sum(p[1] for p in parts)} bytes, {gzipped} bytes gzipped")
    assert gzipped < PAGE_BUDGET


# --- every grid page on a 360 px phone ------------------------------------------------------------

LAYOUT = """() => {
  const out = {scroll: document.documentElement.scrollWidth, small: [], tiny: []};
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
  const visible = el => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && r.right > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const targets = document.querySelectorAll('a, button, input, select, textarea, summary, label');
  for (const el of targets) {
    if (!visible(el)) continue;
    if (el.tagName === 'INPUT' && ['radio', 'checkbox', 'hidden'].includes(el.type)) continue;
    if (el.tagName === 'LABEL' && !el.querySelector('input[type=radio], input[type=checkbox]') &&
        !(el.control && ['radio', 'checkbox'].includes(el.control.type))) continue;
    const height = el.getBoundingClientRect().height;
    if (height < 43.5) out.small.push(name(el) + ' ' + Math.round(height));
  }
  for (const el of document.body.querySelectorAll('*')) {
    // (the count on the bell is not text to read: its link's name says it in full)
    if (['SCRIPT', 'STYLE', 'svg', 'path', 'TITLE'].includes(el.tagName) || el.matches('.inbox .badge') ||
        !visible(el)) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && parseFloat(getComputedStyle(el).fontSize) < 16) {
      out.tiny.push(name(el) + ' ' + getComputedStyle(el).fontSize);
    }
  }
  return out;
}"""


@pytest.fixture
def grid_pages(app, world):
    """The grid pages each role opens, with an order at each stage they act on."""
    make_category(app, world)
    made = {stage: make_order(app, world, upto=stage) for stage in ("reported", "dispatched", "in_progress", "replied")}
    made["overdue"] = make_order(app, world, upto="overdue")
    with app.app_context():
        lists = {
            role: [item.name for item in queries.lists_for(db.session.get(User, world.users[role]))]
            for role in ("grid_worker", "handler", "admin")
        }
        db.session.remove()

    def order(stage, action=""):
        return f"/grid/orders/{made[stage]}" + (f"/{action}" if action else "")

    common = ["/grid/"]
    return {
        "grid_worker": common
        + ["/grid/report"]
        + [f"/grid/orders?list={name}" for name in lists["grid_worker"]]
        + [order("reported"), order("reported", "settle")],
        "handler": common
        + [f"/grid/orders?list={name}" for name in lists["handler"]]
        + [order("dispatched"), order("dispatched", "return"), order("in_progress", "reply")],
        "admin": common
        + [f"/grid/orders?list={name}" for name in lists["admin"]]
        + [
            order("reported"),
            order("reported", "dispatch"),
            order("replied", "verify"),
            order("overdue"),
            order("overdue", "supervise"),
            "/grid/categories",
            "/grid/categories/new",
        ],
    }


@pytest.mark.parametrize("role", ["grid_worker", "handler", "admin"])
def test_every_grid_page_fits_a_360_px_phone(app, world, grid_pages, phone, role, output_dir):
    page = phone()
    log_in(app, page, world.phones[role])
    problems = {}
    for url in grid_pages[role]:
        response = page.goto(url)
        assert response.status == 200, url
        found = page.evaluate(LAYOUT)
        shot = re.sub(r"\W+", "_", url).strip("_") or "home"
        page.screenshot(path=os.path.join(output_dir, f"{shot}.png"), full_page=True)
        if found["scroll"] > 360 or found["small"] or found["tiny"]:
            problems[url] = found
    print(f"\nscreenshots: {output_dir}")
    for url, found in problems.items():
        print(url, found)
    assert not problems, problems
