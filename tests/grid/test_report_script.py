"""The report page's script and service worker, over HTTP: a report sent by the script is told where its
order is (once, however often it is sent), a refusal comes back as the page with its reasons, an expired
token is answered so that the script fetches a fresh one, and the service worker's script is the same for
everybody (nothing personal in it), never kept stale, and allowed to see the whole site."""

import re

import pytest

from tests.conftest import page_text, translated
from tests.grid.factories import make_category
from tests.grid.test_report import TYPED, counts, data

SCRIPT = {"Accept": "application/json, text/html;q=0.5"}


def sent_by(sender):
    return dict(SCRIPT, **{"X-Report-Sender": sender})


def test_the_service_worker_script_is_the_same_for_everybody_and_never_kept_stale(app, client, login_as, world):
    anonymous = client.get("/grid/sw.js")
    assert anonymous.status_code == 200
    assert anonymous.mimetype == "text/javascript"
    assert anonymous.headers["Service-Worker-Allowed"] == "/"  # it sees logins and logouts, to forget the page
    assert anonymous.headers["Cache-Control"] == "no-cache"
    script = anonymous.get_data(as_text=True)
    for path in ('"/grid/report"', '"/static/js/grid-report.js"', '"/static/css/linli.css"', '"/logout"', '"/login"'):
        assert path in script
    login_as("grid_worker")
    assert client.get("/grid/sw.js").get_data(as_text=True) == script  # nothing of the user in it
    assert world.phones["grid_worker"] not in script


def test_a_report_sent_by_the_page_script_is_told_where_its_order_is(app, client, login_as, world):
    category = make_category(app, world)
    login_as("grid_worker")
    response = client.post("/grid/report", data=data(world, category), headers=sent_by("page"))
    assert response.status_code == 200
    answer = response.get_json()
    assert re.fullmatch(r"/grid/orders/\d+", answer["url"])
    assert answer["messages"] == []
    # the worker is sent there by the script, and the order page says what was saved
    text = page_text(client.get(answer["url"]))
    number = re.search(r"WG\d{4}-\d{6}", text).group(0)
    assert translated(app, "Reported as work order %(number)s.", number=number) in text
    assert counts(app) == (1, 1)


def test_a_report_sent_three_times_from_the_phone_queue_is_saved_once(app, client, login_as, world):
    category = make_category(app, world)
    login_as("grid_worker")
    key = "kept-on-the-phone-0123456789"
    answers = [
        client.post("/grid/report", data=data(world, category, submission_key=key), headers=sent_by("queue"))
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    urls = {a.get_json()["url"] for a in answers}
    assert len(urls) == 1
    assert counts(app) == (1, 1)
    first, *again = (a.get_json()["messages"] for a in answers)
    number = re.search(r"WG\d{4}-\d{6}", first[0]).group(0)
    assert first == [translated(app, "Reported as work order %(number)s.", number=number)]
    # a send whose answer was lost is answered again with the order it became, said the same way
    assert all(m == first for m in again)
    # the queue took its messages along: the next page does not show them again
    assert translated(app, "Reported as work order %(number)s.", number=number) not in page_text(client.get("/grid/"))


def test_a_report_the_server_refuses_comes_back_as_the_page_with_its_reasons(app, client, login_as, world):
    category = make_category(app, world)
    login_as("grid_worker")
    response = client.post("/grid/report", data=data(world, category, category_id=""), headers=sent_by("queue"))
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    text = page_text(response)
    assert translated(app, "Choose a category.") in text
    assert TYPED in response.get_data(as_text=True)  # what was typed is on the page the script shows
    assert counts(app) == (0, 0)


def test_an_expired_token_is_answered_so_that_the_script_fetches_a_fresh_one(app, client, login_as, world):
    category = make_category(app, world)
    login_as("grid_worker")
    response = client.post("/grid/report", data=data(world, category), headers=sent_by("queue"), csrf=False)
    assert response.status_code == 400
    assert counts(app) == (0, 0)
    # the report page gives the script a token that holds
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/grid/report").get_data(True))
    assert token is not None
    response = client.post(
        "/grid/report", data=data(world, category, csrf_token=token.group(1)), headers=sent_by("queue"), csrf=False
    )
    assert response.status_code == 200 and counts(app) == (1, 1)


@pytest.mark.parametrize(
    "latitude,longitude,message",
    [
        ("nan", "120.1", "A latitude is between -90 and 90."),
        ("30.2", "nan", "A longitude is between -180 and 180."),
        ("inf", "120.1", "A latitude is between -90 and 90."),
        ("30.2", "-inf", "A longitude is between -180 and 180."),
        ("30.2", "181", "A longitude is between -180 and 180."),
    ],
)
def test_a_position_that_is_none_is_refused(app, client, login_as, world, latitude, longitude, message):
    """What a browser could send as a position (the script fills it from the phone's), refused with its reason;
    nothing stored that could not be read back."""
    category = make_category(app, world)
    login_as("grid_worker")
    response = client.post("/grid/report", data=data(world, category, latitude=latitude, longitude=longitude))
    assert response.status_code == 200
    assert translated(app, message) in page_text(response)
    assert TYPED in response.get_data(as_text=True)
    assert counts(app) == (0, 0)
