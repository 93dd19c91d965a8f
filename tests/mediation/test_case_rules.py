"""The case's can_<verb>(user, check_state=True) rules: one place that says who may do what in which state,
asked by the views (without the state: 403 for the wrong person) and by the templates (with it: the button)."""

import io
import re
from pathlib import Path

import pytest

from app.core.models import User
from app.extensions import db
from app.mediation.models import Case
from tests.conftest import page_text, translated
from tests.mediation.factories import leak_parties, make_case, png_bytes

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates" / "mediation"

# what the mediator of the case may do at each stage (with the state), and nothing else
EXPECTED = {
    "registered": {"accept", "decline", "refer", "withdraw", "add_helper", "attach"},
    "accepted": {"refer", "withdraw", "give_rights_notice", "extend", "add_helper", "recuse", "attach"},
    "rights": {"refer", "withdraw", "record_session", "extend", "add_helper", "recuse", "attach"},
    "session": {"record_agreement", "end", "withdraw", "record_session", "extend", "add_helper", "recuse", "attach"},
    "agreement": {"correct_agreement", "confirm_judicially", "record_follow_up", "add_helper", "attach"},
    "followed_up": {"confirm_judicially", "record_follow_up", "archive", "attach"},
    "archived": set(),
}
VERBS = sorted(set().union(*EXPECTED.values()))


@pytest.mark.parametrize("stage", list(EXPECTED))
def test_what_the_case_mediator_may_do_at_each_stage(app, world, stage):
    case_id = make_case(app, world, upto=stage)
    with app.app_context():
        case = db.session.get(Case, case_id)
        mediator = db.session.get(User, world.users["mediator"])
        allowed = {verb for verb in VERBS if getattr(case, f"can_{verb}")(mediator)}
        assert allowed == EXPECTED[stage]
        # without the state only the person counts: everything but on an archived case
        assert all(getattr(case, f"can_{verb}")(mediator, check_state=False) for verb in VERBS) == (stage != "archived")


@pytest.mark.parametrize("role", ["outsider", "grid_worker", "volunteer", "handler", "coordinator"])
def test_nobody_outside_the_studio_may_do_anything(app, world, role):
    case_id = make_case(app, world, upto="session")
    with app.app_context():
        case = db.session.get(Case, case_id)
        user = db.session.get(User, world.users[role])
        assert not any(getattr(case, f"can_{verb}")(user, check_state=False) for verb in VERBS)


def test_the_case_page_shows_the_buttons_the_rules_allow(app, client, login_as, world):
    case_id = make_case(app, world, upto="session")
    login_as("mediator")
    response = client.get(f"/mediation/cases/{case_id}")
    html, text = response.get_data(as_text=True), page_text(response)
    for label in ("Record the agreement", "End without agreement", "Record a session", "Extend", "Recusal"):
        assert translated(app, label) in text
    for action in ("accept", "decline", "archive", 'rights-notice"'):
        assert f"/mediation/cases/{case_id}/{action}" not in html


def test_no_mediation_template_compares_a_status_or_kind_with_a_string():
    pattern = re.compile(r"""\.(status|form|kind|role|category|source)\s*(==|!=|in|not in)\s*[\('"]""")
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) or re.search(r"allows\(\s*['\"]", line)
    ]
    assert offenders == []


def test_opening_the_studio_settings_writes_nothing(app, client, login_as, world):
    from sqlalchemy import func, select

    from app.core.models import AuditEntry
    from app.mediation.models import Studio

    login_as("mediator")
    with app.app_context():
        before = (
            db.session.scalar(select(func.count(Studio.id))),
            db.session.scalar(select(func.count(AuditEntry.id))),
        )
    assert client.get("/mediation/studio").status_code == 200  # a studio not saved yet shows its defaults
    with app.app_context():
        after = (db.session.scalar(select(func.count(Studio.id))), db.session.scalar(select(func.count(AuditEntry.id))))
    assert before == after == (0, 0)


def test_the_case_file_links_each_missing_item_to_what_fills_it(app, client, login_as, world):
    """A case agreed and visited whose respondent gave no ID number: the parties' identity is missing, linked to
    the upload of a copy of an ID, and the party says the file will need it; the archive button is not offered
    while the file is incomplete, the page says what it needs instead. Once the copy is attached, it is."""
    applicant, respondent = leak_parties()
    case_id = make_case(app, world, upto="followed_up", parties=[applicant, dict(respondent, id_number=None)])
    login_as("mediator")
    html = client.get(f"/mediation/cases/{case_id}").get_data(as_text=True)
    assert f'href="/mediation/cases/{case_id}/attachments/new?kind=party_id"' in html
    assert f"/mediation/cases/{case_id}/archive" not in html
    text = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert translated(app, "not recorded: the case file will need it, or a copy of the ID") in text
    assert translated(app, "Parties' identity") in text
    for kind in ("signed_agreement", "party_id"):
        response = client.post(
            f"/mediation/cases/{case_id}/attachments/new",
            data={"kind": kind, "file": (io.BytesIO(png_bytes()), "f.png")},
        )
        assert response.status_code == 302
    html = client.get(f"/mediation/cases/{case_id}").get_data(as_text=True)
    assert f'action="/mediation/cases/{case_id}/archive"' in html
    assert "attachments/new?kind=party_id" not in html
    # a colleague of the studio who is not on the case sees what is missing, but no link to fill it
    login_as("colleague")
    html = client.get(f"/mediation/cases/{case_id}").get_data(as_text=True)
    assert "attachments/new?kind=" not in html
