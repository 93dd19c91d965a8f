"""The help group's figures, from records: a month like the seed's ("56 registered volunteers, 16 service
events, 500 residents served") is built row by row, with records just outside it (an event starting after
midnight local time on the first day of the next month, a cancelled event, a volunteer approved after the
month, an application waiting), and the figures page and the Excel file show exactly those figures."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from app.core.models import User
from app.core.roles import Role
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import (
    CareRosterEntry,
    EventKind,
    EventStatus,
    Quality,
    ServiceEvent,
    ServiceRecord,
    Sex,
    TeamKind,
    Volunteer,
    VolunteerStatus,
)
from tests.conftest import make_user, page_text

OCTOBER = ("2026-10-01", "2026-10-31")


def volunteer(world, community, number, status=VolunteerStatus.approved, decided=datetime(2026, 9, 1, tzinfo=UTC)):
    user = make_user(f"1350000{number:04d}", f"志愿者{number}", [Role.volunteer], community, "x")
    kind = TeamKind.party_members if number < 20 else TeamKind.residents
    row = Volunteer(
        user=user,
        org_unit_id=community.id,
        status=status,
        number=f"LS2026-{number:04d}" if status == VolunteerStatus.approved else None,
        sex=Sex.female,
        birth_month=date(1960, 1, 1),
        availability=1,
        consent_at=decided,
        consent_version=ops.CONSENT_VERSION,
        applied_at=decided - timedelta(days=1),
        decided_at=decided if status == VolunteerStatus.approved else None,
        teams=ops.teams_for(community, [kind]),
    )
    db.session.add(row)
    return row


def event(community, leader, starts, beneficiaries, status=EventStatus.completed, entries=()):
    row = ServiceEvent(
        org_unit_id=community.id,
        title="暖心服务",
        kind=EventKind.warm_service,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="党群服务中心",
        capacity=10,
        leader_id=leader.id,
        beneficiary_count=beneficiaries,
        status=status,
        cancel_reason="下雨" if status == EventStatus.cancelled else None,
        confirmed_at=starts + timedelta(hours=3) if status == EventStatus.completed else None,
        confirmed_by_id=leader.id if status == EventStatus.completed else None,
        beneficiaries=list(entries),
    )
    db.session.add(row)
    return row


def record(community, leader, volunteer_row, event_row, served_on, hours="2.00"):
    db.session.add(
        ServiceRecord(
            org_unit_id=community.id,
            volunteer=volunteer_row,
            event=event_row,
            project="暖心服务",
            served_on=served_on,
            place="党群服务中心",
            content="探访",
            hours=Decimal(hours),
            quality=Quality.good,
            leader_id=leader.id,
            recorder_id=leader.id,
        )
    )


def build_month(app, world):
    """56 registered volunteers, 16 events serving 500 residents, 40 active volunteers with 2 hours each."""
    with app.app_context():
        from app.core.models import OrgUnit

        community = db.session.get(OrgUnit, world.community_a)
        leader = db.session.get(User, world.users["coordinator"])
        volunteers = [volunteer(world, community, n) for n in range(56)]
        # not registered in October: approved on 2 November; an application waiting
        late = volunteer(world, community, 56, decided=datetime(2026, 11, 2, tzinfo=UTC))
        volunteer(world, community, 57, status=VolunteerStatus.applied)
        entries = [CareRosterEntry(org_unit_id=community.id, resident_name=f"老人{i}", needs="独居") for i in range(3)]
        db.session.add_all(entries)
        events = []
        for i in range(16):
            starts = datetime(2026, 10, 1 + i, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
            events.append(
                event(community, leader, starts, 35 if i == 0 else 31, entries=entries[: 1 + i % 3] if i < 5 else ())
            )
        # outside: a cancelled event in October, an event at 01:00 on 1 November Beijing time (still 31 October UTC)
        event(community, leader, datetime(2026, 10, 20, 1, 0, tzinfo=UTC), 99, status=EventStatus.cancelled)
        november = event(community, leader, datetime(2026, 10, 31, 17, 0, tzinfo=UTC), 77)
        db.session.flush()
        for j in range(40):
            record(community, leader, volunteers[j], events[j % 16], date(2026, 10, 1 + j % 16))
        record(community, leader, late, november, date(2026, 11, 1), "3.00")
        record(community, leader, volunteers[0], november, date(2026, 11, 1), "3.00")
        db.session.commit()
        db.session.remove()


def test_the_seed_month_figures_on_the_page_and_in_the_excel_file(app, client, world, login_as):
    build_month(app, world)
    login_as("coordinator")
    response = client.get(f"/volunteers/figures?date_from={OCTOBER[0]}&date_to={OCTOBER[1]}")
    assert response.status_code == 200, page_text(response)
    html = response.get_data(as_text=True)

    def shown(testid):
        start = html.index(f'data-testid="{testid}">') + len(f'data-testid="{testid}">')
        return html[start : html.index("<", start)]

    assert shown("registered") == "56"
    assert shown("events") == "16"
    assert shown("residents") == "500"
    assert shown("active") == "40"
    assert shown("hours") == "80.00"
    assert shown("distinct") == "3"
    # by team (registered, active): party members 0-19, all active; residents 20-55, of whom 20-39 active
    teams = re.findall(r'data-team="(\w+)">.*?data-value="registered">(\d+)<.*?data-value="active">(\d+)<', html, re.S)
    assert teams == [("party_members", "20", "20"), ("residents", "36", "20")]

    workbook = client.get(f"/volunteers/figures.xlsx?date_from={OCTOBER[0]}&date_to={OCTOBER[1]}")
    assert workbook.status_code == 200
    assert "no-store" in workbook.headers["Cache-Control"]
    book = load_workbook(io.BytesIO(workbook.data))
    hours_sheet, summary = book.worksheets
    heading = hours_sheet["A1"].value
    assert "回龙社区" in heading and OCTOBER[0] in heading and OCTOBER[1] in heading
    rows = list(hours_sheet.iter_rows(min_row=3, values_only=True))
    per_volunteer, total = rows[:-1], rows[-1]
    assert len(per_volunteer) == 40
    assert {r[0] for r in per_volunteer} == {f"LS2026-{n:04d}" for n in range(40)}
    assert all(r[3] == 2.0 and r[2] == 1 for r in per_volunteer)
    assert total[2] == 40 and total[3] == 80.0
    values = [row[1] for row in summary.iter_rows(min_row=2, values_only=True)]
    assert values[:6] == [56, 40, 16, 80.0, 500, 3]
    assert summary["A1"].value == heading


def test_figures_refuse_a_bad_period_and_who_is_no_organiser(app, client, world, login_as):
    login_as("coordinator")
    response = client.get("/volunteers/figures?date_from=2026-10-31&date_to=2026-10-01")
    assert response.status_code == 400 and 'id="date_to-error"' in response.get_data(as_text=True)
    assert client.get("/volunteers/figures?date_from=nonsense").status_code == 400
    assert client.get("/volunteers/figures.xlsx?date_from=2026-10-31&date_to=2026-10-01").status_code == 400
    for role in ("volunteer", "grid_worker", "mediator"):
        login_as(role)
        assert client.get("/volunteers/figures").status_code == 403
        assert client.get("/volunteers/figures.xlsx").status_code == 403
