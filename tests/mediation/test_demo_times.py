"""The demo data's timelines show when the story's events happened, not the moment the demo was loaded."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core.models import Building
from app.core.types import clock_at, local_today, utcnow
from app.extensions import db
from app.mediation.models import Case, CaseEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_story_clock_holds_inside_its_block_only(app):
    moment = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai
    with app.app_context():
        with clock_at(moment):
            assert utcnow() == moment and local_today() == date(2026, 3, 2)
            with clock_at(moment + timedelta(hours=1)):
                assert utcnow() == moment + timedelta(hours=1)
            assert utcnow() == moment
        assert utcnow() - datetime.now(UTC) < timedelta(seconds=5)
        with pytest.raises(ValueError, match="aware"), clock_at(datetime(2026, 3, 1, 9, 0)):
            pass


def load_demo(app):
    before = utcnow()
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    return before, utcnow()


def timeline(case_id):
    return db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()


def test_the_demo_cases_read_as_they_happened(app):
    loaded_from, loaded_to = load_demo(app)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.summary.contains("卫生间漏水")))
        events = timeline(case.id)
        kinds = [event.kind for event in events]
        assert kinds[0] == "registered" and "agreement_reached" in kinds, kinds
        days = [event.at.astimezone(SHANGHAI).date() for event in events]
        today = loaded_to.astimezone(SHANGHAI).date()
        # received 24 days ago: the intake is on the timeline 24 days ago, the agreement 10 days ago
        assert days[0] == case.registered_on == today - timedelta(days=24)
        assert days[-1] == case.agreement.concluded_on == today - timedelta(days=10)
        # spread over the story's days, in order, none at the time the demo was loaded
        assert len(set(days)) >= 4, days
        assert [event.at for event in events] == sorted(event.at for event in events)
        assert all(event.at < loaded_from - timedelta(days=9) for event in events)
        # the records' own times too: a session recorded the day it was held
        for session in case.sessions:
            assert session.created_at.astimezone(SHANGHAI).date() == session.started_at.astimezone(SHANGHAI).date()

        # no demo case has an entry at the time the demo was loaded
        cases = db.session.scalars(select(Case)).all()
        assert len(cases) == 6
        for case in cases:
            events = timeline(case.id)
            assert events, case.number
            assert not [e for e in events if loaded_from <= e.at <= loaded_to], case.number
            assert events[0].at.astimezone(SHANGHAI).date() == case.registered_on, case.number
            assert case.created_at < loaded_from
        declined = next(case for case in cases if case.status == "declined")
        assert declined.closed_on == declined.registered_on + timedelta(days=1)

        # buildings and addresses with the installation's word, 幢 by default
        names = db.session.scalars(select(Building.name)).all()
        assert "3幢" in names and "东湖苑2幢" in names
        assert not [name for name in names if "栋" in name]
        addresses = db.session.scalars(select(Case.address)).all()
        assert "回龙苑3幢302室" in addresses and not [a for a in addresses if a and "栋" in a]


def test_another_installation_writes_its_buildings_with_its_own_word(app):
    app.config["LINLI_BUILDING_WORD"] = "栋"
    try:
        load_demo(app)
    finally:
        app.config["LINLI_BUILDING_WORD"] = "幢"
    with app.app_context():
        names = db.session.scalars(select(Building.name)).all()
        assert "3栋" in names and "东湖苑2栋" in names and not [name for name in names if "幢" in name]
        case = db.session.scalar(select(Case).where(Case.summary.contains("卫生间漏水")))
        assert case.building.name == "3栋" and case.address == "回龙苑3栋302室"
        assert [party.address for party in case.parties] == ["回龙苑3栋302室", "回龙苑3栋402室"]
