"""The case timeline reads in the reader's language: entries are kept as a message with its parameters."""

from sqlalchemy import select

from app.core.records import render, to_record
from app.extensions import db
from app.mediation.models import CaseEvent
from tests.conftest import page_text
from tests.mediation.factories import make_case


def timeline(client, case_id):
    text = page_text(client.get(f"/mediation/cases/{case_id}"))
    return text[text.rindex("Timeline" if "Timeline" in text else "办理记录") :]


def test_each_reader_sees_the_timeline_in_their_language(app, client, login_as, world):
    case_id = make_case(app, world, upto="followed_up")
    login_as("mediator")
    client.post("/language", data={"lang": "en"})
    english = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert "Accepted; presiding mediator 王调解" in english
    assert "Follow-up visit: Performed" in english
    assert "Written agreement concluded" in english
    client.post("/language", data={"lang": "zh_CN"})
    chinese = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert "Follow-up visit" not in chinese and "Performed" not in chinese
    with app.app_context():
        stored = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "followed_up")
        ).one()
        # stored once, language-neutral: the message id and the performance's own message id
        assert stored.summary == "Follow-up visit: %(performance)s"
        assert stored.params == {"performance": {"msg": "Performed"}}


def test_entries_written_before_keep_their_text(app, world):
    case_id = make_case(app, world, upto="registered")
    with app.app_context():
        db.session.add(CaseEvent(case_id=case_id, kind="registered", summary="案件登记", params=None))
        db.session.commit()
        with app.test_request_context():
            assert db.session.scalars(select(CaseEvent).where(CaseEvent.summary == "案件登记")).one().text == "案件登记"


def test_a_record_survives_a_lost_placeholder(app):
    from app.core.i18n import lazy_gettext as _l

    with app.test_request_context():
        message, params = to_record(_l("Declined: %(reason)s", reason="不属于调解范围"))
        assert params == {"reason": "不属于调解范围"}
        assert render("Declined: %(missing)s", params) == "Declined: %(missing)s"
        assert render(message, params).endswith("不属于调解范围")
        assert render("plain text", None) == "plain text"
