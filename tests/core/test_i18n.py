"""Language: zh_CN by default, English second; per user, per session, Accept-Language; Shanghai time."""

from datetime import UTC, datetime

from app.core import operations
from app.core.models import User
from app.extensions import db
from tests.conftest import page_text, translated


def test_default_is_chinese(app, client):
    text = page_text(client.get("/"))
    assert translated(app, "Hello, Neighbour") in text


def test_accept_language_for_anonymous_visitors(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="en"' in response.get_data(as_text=True)
    assert "Hello, Neighbour" in page_text(response)
    response = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_language_switch_is_kept_in_the_session(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Mobile number" in page_text(client.get("/login"))
    client.post("/language", data={"lang": "zh_CN", "next": "https://evil.example/"})
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)
    assert client.post("/language", data={"lang": "fr"}).status_code == 400


def test_language_switch_is_stored_for_the_user(app, client, login_as, world):
    login_as("handler")
    client.post("/language", data={"lang": "en"})
    with app.app_context():
        assert db.session.get(User, world.users["handler"]).locale == "en"


def test_times_are_shown_in_shanghai(app, client, login_as, world):
    with app.app_context():
        mediator = db.session.get(User, world.users["mediator"])
        note = operations.notify(mediator, "时间测试")
        note.created_at = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 March in Shanghai
        db.session.commit()
    login_as("mediator")
    html = client.get("/notifications").get_data(as_text=True)
    assert ">2026/3/2 00:30</time>" in html


def test_catalog_is_complete():
    """Every message of the zh_CN catalog is translated, none fuzzy, placeholders kept."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[2] / "app/translations/zh_CN/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(ids[0])
            continue
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
        if any(set(re.findall(r"%\(\w+\)[sd]", s)) != wanted for s in strings):
            problems.append(ids[0])
    assert not problems, problems


def test_force_locale_switches_the_catalog_and_restores_it(app):
    from app.core.i18n import as_locale, force_locale, gettext

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        chinese = gettext("Log out")
        assert chinese != "Log out"
        with force_locale(as_locale("en")):
            assert gettext("Log out") == "Log out"
        assert gettext("Log out") == chinese


def test_dates_are_formatted_in_each_request_language(app, client):
    from datetime import UTC, date, datetime

    from flask import render_template_string

    for language, expected_date, expected_time in (
        ("zh-CN", "2026年11月28日", "2026/11/28 20:30"),
        ("en", "Nov 28, 2026", "11/28/26, 8:30"),
    ):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            text = render_template_string(
                "{{ day|date }}|{{ moment|datetime('short') }}",
                day=date(2026, 11, 28),
                moment=datetime(2026, 11, 28, 12, 30, tzinfo=UTC),
            )
            day, moment = text.split("|")
            assert day == expected_date and moment.startswith(expected_time), (language, text)


def test_wtforms_own_messages_follow_the_page_language(app):
    """A message of WTForms itself (a choice that is not one) is in the request's language, each language's
    catalog read once and kept."""
    from werkzeug.datastructures import MultiDict
    from wtforms import SelectField

    from app.core.forms import LinliForm, choices, wtforms_translations

    class Choice(LinliForm):
        class Meta:
            csrf = False

        pick = SelectField("pick", choices=choices([("a", "A")]))

    seen = {}
    for language in ("zh-CN", "en", "zh-CN"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            form = Choice(MultiDict({"pick": "b"}))
            assert not form.validate()
            seen.setdefault(language, set()).add(str(form.pick.errors[0]))
    assert seen == {"zh-CN": {"不是有效的选择。"}, "en": {"Not a valid choice."}}
    assert wtforms_translations.cache_info().hits >= 1
