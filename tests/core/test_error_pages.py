"""The 500 page: anything unexpected becomes the translated page with a reference that is also in the
X-Request-Id header and in the log line, which carries no personal data; API clients get JSON."""

import logging
import re

import pytest
from flask import abort, request
from sqlalchemy import select

from app import create_app
from app.core.models import User
from app.extensions import db
from tests.conftest import CSRFClient, page_text, translated

PHONE = "13912345678"
SECRET_QUERY = "张建华"


@pytest.fixture
def broken(app, app_config):
    """An app (on the test database) with routes that fail in different ways, exceptions not propagated."""
    broken = create_app(dict(app_config, PROPAGATE_EXCEPTIONS=False))
    broken.test_client_class = CSRFClient

    @broken.route("/boom/<int:number>", methods=["GET", "POST"])
    def boom(number):
        request.form.get("phone")
        raise RuntimeError("kaput")

    @broken.get("/api/boom")
    def api_boom():
        raise RuntimeError("kaput")

    @broken.post("/boom-in-the-database")
    def boom_in_the_database():
        # a user row the database refuses (no password hash), with the posted phone as a parameter
        db.session.add(User(phone=request.form["phone"], name="某人", password_hash=None))
        db.session.flush()
        return "not reached"

    @broken.post("/boom-parsing")
    def boom_parsing():
        return str(int(request.form["amount"]))  # ValueError: invalid literal for int() ... '<what was sent>'

    @broken.get("/aborted")
    def aborted():
        abort(500)

    return broken


def reference_on(response):
    match = re.search(r'data-request-id="([0-9a-f]+)"', response.get_data(as_text=True))
    assert match, "no reference on the page"
    return match.group(1)


def test_unexpected_error_shows_the_translated_page_with_a_reference_that_is_logged(
    app, broken, world, login_as, caplog
):
    client = broken.test_client()
    user_id = login_as("mediator", client)
    with caplog.at_level(logging.ERROR):
        response = client.post(f"/boom/12?name={SECRET_QUERY}&q=1", data={"phone": PHONE, "note": "漏水"})

    assert response.status_code == 500
    text_shown = page_text(response)
    assert translated(broken, "Something went wrong") in text_shown
    assert (
        translated(broken, "An unexpected error happened on our side. It has been logged; please try again later.")
        in text_shown
    )
    assert "kaput" not in text_shown and "Traceback" not in text_shown
    reference = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{8}", reference)
    assert reference_on(response) == reference
    assert reference in text_shown

    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(records) == 1, [r.getMessage() for r in records]
    line = records[0].getMessage()
    assert reference in line
    assert "POST" in line and "boom" in line and "/boom/<int:number>" in line and f"user {user_id}" in line
    assert records[0].exc_info and records[0].exc_info[0] is RuntimeError
    log = caplog.text
    assert PHONE not in log and "漏水" not in log
    assert SECRET_QUERY not in log and "q=1" not in log
    assert "/boom/12" not in log  # the rule, not the values in the path


def test_database_error_is_logged_without_its_parameters_and_the_session_rolled_back(
    app, broken, world, login_as, caplog
):
    client = broken.test_client()
    login_as("admin", client)
    with caplog.at_level(logging.ERROR):
        response = client.post("/boom-in-the-database", data={"phone": PHONE})

    assert response.status_code == 500
    # The whole layout was rendered (the menu of a logged-in user reads the database): the failed flush was
    # rolled back before the page was drawn.
    assert translated(broken, "Log out") in page_text(response)
    assert reference_on(response) == response.headers["X-Request-Id"]
    assert response.headers["X-Request-Id"] in caplog.text
    assert "IntegrityError" in caplog.text
    assert PHONE not in caplog.text
    with app.app_context():
        assert db.session.scalars(select(User).where(User.phone == PHONE)).first() is None


def test_exception_messages_repeating_what_was_sent_are_logged_without_it(app, broken, caplog):
    with caplog.at_level(logging.ERROR):
        response = broken.test_client().post("/boom-parsing", data={"amount": f"{PHONE}元", "name": "李秀兰"})
    assert response.status_code == 500
    assert "ValueError: invalid literal for int()" in caplog.text
    assert PHONE not in caplog.text and "李秀兰" not in caplog.text


def test_json_clients_get_a_json_error_with_the_reference(app, broken, caplog):
    client = broken.test_client()
    with caplog.at_level(logging.ERROR):
        by_accept = client.get("/boom/1", headers={"Accept": "application/json"})
        by_path = client.get("/api/boom")
    for response in (by_accept, by_path):
        assert response.status_code == 500
        assert response.is_json
        error = response.json["error"]
        assert error["code"] == 500
        assert error["title"] == translated(broken, "Something went wrong")
        assert error["reference"] == response.headers["X-Request-Id"]
        assert error["reference"] in caplog.text
        assert "kaput" not in response.get_data(as_text=True)
    assert by_accept.headers["X-Request-Id"] != by_path.headers["X-Request-Id"]


def test_abort_500_is_the_same_page_and_logged(app, broken, caplog):
    with caplog.at_level(logging.ERROR):
        response = broken.test_client().get("/aborted")
    assert response.status_code == 500
    assert translated(broken, "Something went wrong") in page_text(response)
    assert reference_on(response) == response.headers["X-Request-Id"]
    assert response.headers["X-Request-Id"] in caplog.text


def test_error_page_in_english(app, broken, caplog):
    client = broken.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom/1", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Something went wrong" in page_text(response)
    assert f"Reference: {response.headers['X-Request-Id']}" in page_text(response)


def test_the_page_is_sent_even_when_the_layout_cannot_be_drawn(app, broken, monkeypatch, caplog):
    import app.core.errors as errors

    def no_template(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render_template", no_template)
    with caplog.at_level(logging.ERROR):
        response = broken.test_client().get("/boom/1")
    assert response.status_code == 500
    assert translated(broken, "Something went wrong") in page_text(response)
    assert response.headers["X-Request-Id"] in page_text(response)


def test_every_response_has_its_own_request_id(client):
    first = client.get("/login")
    second = client.get("/no/such/page")
    assert first.status_code == 200 and second.status_code == 404
    ids = {first.headers["X-Request-Id"], second.headers["X-Request-Id"]}
    assert len(ids) == 2
    assert "data-request-id" not in second.get_data(as_text=True)  # a reference only where something failed


def test_in_tests_an_unexpected_error_still_reaches_the_test(app, app_config):
    """With TESTING and no PROPAGATE_EXCEPTIONS, Flask raises the error in the test instead of the page."""
    testing = create_app(dict(app_config))

    @testing.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    with pytest.raises(RuntimeError, match="kaput"):
        testing.test_client().get("/boom")


def test_error_log_line_is_one_line_of_known_fields(app, broken, caplog):
    with caplog.at_level(logging.ERROR):
        broken.test_client().get("/boom/7?phone=" + PHONE)
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert re.fullmatch(
        r"unexpected error: request [0-9a-f]{8}, GET boom \(/boom/<int:number>\), user -", record.getMessage()
    )
    assert PHONE not in caplog.text
