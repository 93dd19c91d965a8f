"""Property tests over the care roster's form and the help request's form (after tests/test_properties.py):
whatever a coordinator or a grid worker sends, the answer is never a 5xx, and what gets stored reads back
(every row through the ORM, the pages that show it)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.volunteers.models import CareRosterEntry, HelpRequest
from tests.properties_support import read_every_row, text_values
from tests.volunteers.conftest import session_for

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ROSTER = {
    "resident_name": st.sampled_from(["李奶奶", "王爷爷"]),
    "building_id": st.sampled_from(["0", "BUILDING", "999999", "-1"]),
    "room": st.sampled_from(["502", "1-101"]),
    "phone": st.sampled_from(["", "13812345678", "12345", "138 1234 5678"]),
    "needs": st.sampled_from(["独居", "行动不便"]),
    "health_notes": st.sampled_from(["", "高血压"]),
    "contact_person": st.sampled_from(["", "李明"]),
    "contact_phone": st.sampled_from(["", "13987654321", "0"]),
    "visit_frequency": st.sampled_from(["weekly", "monthly", "daily"]),
    "last_visited_on": st.sampled_from(["", "2026-11-01", "2099-01-01", "2026-02-30", "0001-01-01"]),
}

HELP = {
    "description": st.sampled_from(["门锁坏了", "需要陪同就医"]),
    "place": st.sampled_from(["", "3幢 502"]),
    "skills": st.lists(st.sampled_from(["维修", "陪伴聊天", "不存在的技能"]), unique=True),
    "wanted_on": st.sampled_from(["", "2030-05-04", "2001-01-01", "2030-13-01"]),
    "order": st.sampled_from(["", "0", "999999", "abc", "-5"]),
    "case": st.sampled_from(["", "999999", "x"]),
}


@st.composite
def form_data(draw, fields):
    """Each field valid-looking, forged (any text or a list of texts) or left out."""
    data = {}
    for name, valid in fields.items():
        how = draw(st.integers(0, 5))
        if how == 0:
            continue
        if how == 1:
            data[name] = draw(st.one_of(text_values(), st.lists(text_values(), min_size=2, max_size=3)))
        else:
            data[name] = draw(valid)
    return data


@pytest.fixture
def prepared(app, world):
    return world


@SETTINGS
@given(data=form_data(ROSTER))
def test_the_roster_form_never_answers_5xx_and_stores_readable_entries(app, prepared, data):
    client = app.test_client()
    session_for(app, client, prepared.users["coordinator"])
    if data.get("building_id") == "BUILDING":
        data["building_id"] = str(prepared.building)
    response = client.post("/volunteers/roster/new", data=data)
    assert response.status_code < 500, (data, response.status_code)
    with app.app_context():
        read_every_row()
        ids = [entry.id for entry in db.session.scalars(select(CareRosterEntry))]
        db.session.remove()
    assert client.get("/volunteers/roster").status_code == 200
    assert client.get("/").status_code == 200  # the home card counts the entries due
    for entry_id in ids[-2:]:
        assert client.get(f"/volunteers/roster/{entry_id}").status_code == 200
        assert client.get(f"/volunteers/roster/{entry_id}/visit").status_code == 200


@SETTINGS
@given(data=form_data(HELP))
def test_the_help_request_form_never_answers_5xx_and_stores_readable_requests(app, prepared, data):
    asker = app.test_client()
    session_for(app, asker, prepared.users["grid_worker"])
    response = asker.post("/volunteers/help/new", data=data)
    assert response.status_code < 500, (data, response.status_code)
    with app.app_context():
        read_every_row()
        ids = [found.id for found in db.session.scalars(select(HelpRequest))]
        db.session.remove()
    coordinator = app.test_client()
    session_for(app, coordinator, prepared.users["coordinator"])
    assert coordinator.get("/volunteers/help").status_code == 200
    for request_id in ids[-2:]:
        assert coordinator.get(f"/volunteers/help/{request_id}").status_code == 200
        assert coordinator.get(f"/volunteers/help/{request_id}/accept").status_code == 200
