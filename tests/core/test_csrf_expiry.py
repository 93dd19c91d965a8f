"""A form sent with an expired CSRF token comes back with everything typed and a fresh token; nothing of what
it asked for is done, and sending it again works (app.core.csrf)."""

import time
from html.parser import HTMLParser

import pytest
from flask import g
from flask_wtf.csrf import CSRFError, validate_csrf
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from wtforms.validators import ValidationError

from app.core.models import User
from app.extensions import db
from app.mediation.models import Case, Party
from tests.conftest import page_text
from tests.mediation.factories import case_dates

RESEND = "The form had expired, so nothing was saved. Check what you entered (choose any file again) and send it again."


def expired_token(app, client):
    """A token of this session made when its page was opened, longer ago than a token lives."""
    age = app.config["WTF_CSRF_TIME_LIMIT"] + 3600

    class OpenedLongAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - age

    client.csrf_token()  # the session's raw token, as the page opened then left it
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=OpenedLongAgo).dumps(raw)


def message(app):
    """The message asking to send the form again, as a zh_CN reader sees it."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(RESEND)


def intake(world):
    when = case_dates()
    return {
        "source": "oral_application",
        "category": "neighbour",
        "risk_level": "medium",
        "summary": "楼上卫生间漏水，楼下天花板发霉",
        "requests": "修复漏水并赔偿装修损失",
        "occurred_on": when.occurred.isoformat(),
        "registered_on": when.registered.isoformat(),
        "building_id": str(world.building),
        "room": "302",
        "address": "回龙苑3幢302室",
        "parties-0-role": "applicant",
        "parties-0-name": "张建华",
        "parties-0-sex": "male",
        "parties-0-phone": "13912345678",
        "parties-0-id_number": "11010519491231002X",
        "parties-0-at_place": "y",
        "parties-0-age": "67",
        "parties-0-ethnicity": "汉族",
        "parties-0-occupation": "退休教师",
        "parties-1-role": "respondent",
        "parties-1-name": "李秀兰",
        "parties-1-sex": "female",
        "parties-1-phone": "13987654321",
        "parties-1-at_place": "y",
        "parties-1-room": "402",
    }


def check_token(app, client, token):
    """Flask-WTF's check of ``token`` against the client's session (ValidationError if refused)."""
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    with app.test_request_context(headers={"Cookie": f"{name}={cookie.value}"}):
        validate_csrf(token)


def cases(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


class FormState(HTMLParser):
    """What a browser would send of a page's forms: each field's value (the checked radio or box, the selected
    option, a textarea's text); the CSRF tokens apart."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values, self.tokens = {}, set()
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name == "csrf_token":
            self.tokens.add(a.get("value"))
        elif tag == "input" and name:
            if a.get("type") in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif a.get("type") != "submit":
                self.values[name] = a.get("value", "")
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value")
        elif tag == "textarea":
            self.textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def close(self):
        super().close()
        for name, value in self.values.items():  # a browser drops the one line break after <textarea>
            if value.startswith(("\r\n", "\n")):
                self.values[name] = value.removeprefix("\r").removeprefix("\n")


def form_values(body):
    parser = FormState()
    parser.feed(body)
    parser.close()
    return parser.values


def fresh_token(body):
    parser = FormState()
    parser.feed(body)
    assert parser.tokens
    return parser.tokens


def test_an_expired_intake_comes_back_with_everything_typed_and_a_fresh_token(app, client, login_as, world):
    login_as("mediator")
    client.get("/mediation/cases/new")
    data = intake(world)
    stale = expired_token(app, client)
    with pytest.raises(ValidationError, match="expired"):
        check_token(app, client, stale)  # the token is refused for its age, not for anything else

    response = client.post("/mediation/cases/new", data=dict(data, csrf_token=stale), csrf=False)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message(app) in page_text(response)
    shown = form_values(body)
    assert {name: shown.get(name) for name in data} == data  # everything typed and chosen, as it was
    tokens = fresh_token(body)
    assert stale not in tokens
    for token in tokens:
        check_token(app, client, token)  # raises if the page's token would be refused in turn
    assert cases(app) == 0

    # sent again with the page's token: registered, with what was typed
    response = client.post(
        "/mediation/cases/new", data=dict(data, csrf_token=tokens.pop(), submission_key="k-1"), csrf=False
    )
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        case = db.session.scalars(select(Case)).one()
        applicant, respondent = db.session.scalars(select(Party).order_by(Party.position)).all()
        assert (case.summary, case.address, case.room, case.building_id) == (
            data["summary"],
            "回龙苑3幢302室",
            "302",
            world.building,
        )
        assert (applicant.name, applicant.phone, applicant.age, applicant.ethnicity, applicant.occupation) == (
            "张建华",
            "13912345678",
            67,
            "汉族",
            "退休教师",
        )
        assert (respondent.address, respondent.room, respondent.building_id) == (
            "回龙苑3幢402室",
            "402",
            world.building,
        )


def test_a_form_of_another_feature_comes_back_too(app, client, login_as, world):
    """Every form of the app, not only the studio's: an account's details."""
    login_as("mediator")
    stale = expired_token(app, client)
    response = client.post("/account", data={"name": "改过的名字", "csrf_token": stale}, csrf=False)
    assert response.status_code == 200
    assert message(app) in page_text(response)
    assert 'value="改过的名字"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.users["mediator"]).name != "改过的名字"


def test_the_login_form_keeps_the_number(app, client, world):
    response = client.post("/login", data={"phone": world.phones["admin"], "password": "x"}, csrf=False)
    assert response.status_code == 200
    assert message(app) in page_text(response)
    assert f'value="{world.phones["admin"]}"' in response.get_data(as_text=True)
    assert client.get("/notifications").status_code == 302  # not logged in


def test_a_button_without_a_valid_token_goes_back_to_its_page_and_does_nothing(app, client, login_as, world):
    login_as("mediator")
    response = client.post(
        "/logout", data={"csrf_token": "stale"}, csrf=False, headers={"Referer": "http://localhost/notifications"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert message(app) in page_text(client.get("/notifications"))  # and still logged in


def test_a_button_from_another_site_or_an_api_call_gets_the_error(app, client, login_as, world):
    login_as("mediator")
    response = client.post("/logout", csrf=False, headers={"Referer": "https://elsewhere.example/"})
    assert response.status_code == 400
    response = client.post(
        "/mediation/cases/new", data=intake(world), csrf=False, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400 and response.is_json
    assert cases(app) == 0
    assert client.get("/notifications").status_code == 200  # still logged in


def test_nothing_is_committed_while_a_refused_form_is_shown_again(app, world):
    """Should a view write anyway while its form comes back, the transaction is refused."""
    with app.test_request_context("/account", method="POST"):
        g.csrf_refused = "The CSRF token has expired."
        db.session.get(User, world.users["mediator"]).name = "不该保存"
        with pytest.raises(CSRFError):
            db.session.commit()
        db.session.rollback()
    with app.app_context():
        assert db.session.get(User, world.users["mediator"]).name != "不该保存"
