"""One-time submission keys: the same form sent twice, or ten times at the same moment, is saved once."""

import functools
import re
import threading

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from app.core import actions, submissions
from app.core.models import FormSubmission, OrgUnit
from app.extensions import db
from app.mediation import operations as ops
from app.mediation import views as mediation_views
from app.mediation.models import Case
from tests.conftest import PASSWORD, page_text
from tests.mediation.test_workflow import intake_data

INTAKE = "/mediation/cases/new"


@pytest.fixture
def intake_once(monkeypatch):
    """The intake view with form_action(..., once=True), as every view that creates a record calls it."""
    monkeypatch.setattr(mediation_views, "form_action", functools.partial(actions.form_action, once=True))


@pytest.fixture
def mediator(app, client, world):
    """The client, logged in as the mediator through the login form."""
    response = client.post("/login", data={"phone": world.phones["mediator"], "password": PASSWORD})
    assert response.status_code == 302
    return client


def cases(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def new_key(app):
    with app.test_request_context():
        return render_template_string("{{ submission_key() }}")


def test_ten_identical_intakes_sent_together_make_one_case(app, mediator, world, intake_once):
    """Real concurrency: ten connections of the same browser send the same intake at the same moment (on
    SQLite and on PostgreSQL); one case is registered and every answer leads to it."""
    with app.app_context():  # the studio exists already, as it does after the community's first case
        ops.studio_for(db.session.get(OrgUnit, world.community_a))
        db.session.commit()
    data = dict(intake_data(world), submission_key=new_key(app), csrf_token=mediator.csrf_token())
    session_cookie = mediator.get_cookie("session").value
    clients = []
    for _ in range(10):
        other = app.test_client()
        other.set_cookie("session", session_cookie)
        clients.append(other)
    barrier = threading.Barrier(len(clients))
    answers = [None] * len(clients)

    def send(i):
        barrier.wait()
        response = clients[i].post(INTAKE, data=data)
        answers[i] = (response.status_code, response.headers.get("Location"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert cases(app) == 1
    with app.app_context():
        case_id = db.session.scalar(select(Case.id))
    assert answers == [(302, f"/mediation/cases/{case_id}")] * 10
    with app.app_context():
        kept = db.session.scalar(select(FormSubmission))
        assert kept.key == data["submission_key"] and kept.result_url == f"/mediation/cases/{case_id}"


def test_the_same_form_sent_again_leads_to_what_it_saved(app, mediator, world, intake_once):
    with mediator.session_transaction() as sess:
        sess["lang"] = "en"
    data = dict(intake_data(world), submission_key=new_key(app))
    first = mediator.post(INTAKE, data=data)
    again = mediator.post(INTAKE, data=data)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert cases(app) == 1
    shown = page_text(mediator.get(again.headers["Location"]))
    assert "This form had already been sent. Here is what it saved." in shown
    # a new form (a new key) is a new case
    assert mediator.post(INTAKE, data=dict(data, submission_key=new_key(app))).status_code == 302
    assert cases(app) == 2


def test_a_refused_form_keeps_its_key_free(app, mediator, world, intake_once):
    key = new_key(app)
    refused = mediator.post(INTAKE, data=intake_data(world, submission_key=key, **{"parties-0-name": ""}))
    assert refused.status_code == 200 and cases(app) == 0
    corrected = mediator.post(INTAKE, data=intake_data(world, submission_key=key))
    assert corrected.status_code == 302 and cases(app) == 1


def test_forms_without_a_key_are_saved_as_before(app, mediator, world, intake_once):
    for _ in range(2):
        assert mediator.post(INTAKE, data=intake_data(world)).status_code == 302
    assert cases(app) == 2
    # nor does a value that no form makes count as a key
    for _ in range(2):
        assert mediator.post(INTAKE, data=intake_data(world, submission_key="x")).status_code == 302
    assert cases(app) == 4


def test_a_key_used_by_somebody_else_is_refused(app, mediator, world, intake_once):
    key = new_key(app)
    assert mediator.post(INTAKE, data=intake_data(world, submission_key=key)).status_code == 302
    colleague = app.test_client()
    colleague.post("/login", data={"phone": world.phones["colleague"], "password": PASSWORD})
    assert colleague.post(INTAKE, data=intake_data(world, submission_key=key)).status_code == 409
    assert cases(app) == 1


def test_each_form_shown_gets_a_new_random_key(app):
    with app.test_request_context():
        keys = {render_template_string("{{ submission_key() }}") for _ in range(100)}
    assert len(keys) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", key) for key in keys)
    assert all(submissions.KEY_PATTERN.fullmatch(key) for key in keys)
