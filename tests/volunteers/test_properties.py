"""Property tests over the help group's two public-facing forms, after tests/test_properties.py: whatever a
phone or a script sends to the five steps of the sign-up, or a coordinator to the event form, the answer is
never a 5xx, and what gets stored reads back (every row through the ORM, the lists and pages that show it)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db, limiter
from app.volunteers.models import ServiceEvent, Volunteer
from tests.properties_support import text_values

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# valid-looking values per field of the sign-up's steps
STEPS = [
    {
        "step": st.just("name"),
        "name": st.sampled_from(["周秀兰", "李建国"]),
        "sex": st.sampled_from(["female", "male"]),
        "phone": st.integers(0, 10**8 - 1).map(lambda n: f"136{n:08d}"),
    },
    {
        "step": st.just("home"),
        "birth_year": st.integers(1920, 2010).map(str),
        "birth_month": st.integers(1, 12).map(str),
        "building_id": st.just("0"),
        "room": st.sampled_from(["302", "1-101"]),
    },
    {
        "step": st.just("group"),
        "teams": st.lists(st.sampled_from(["residents", "police", "party_members"]), min_size=1, unique=True),
        "skills": st.lists(st.sampled_from(["维修", "陪伴聊天"]), unique=True),
        "availability": st.lists(st.sampled_from(["weekday_morning", "weekend_evening"]), min_size=1, unique=True),
    },
    {
        "step": st.just("consent"),
        "id_number": st.sampled_from(["", "11010519491231002X", "110101199003077777"]),
        "consent": st.just("y"),
    },
    {
        "step": st.just("password"),
        "new_password": st.just("linli-pass-2026"),
        "confirm": st.just("linli-pass-2026"),
    },
]


@st.composite
def step_data(draw, fields):
    """Each field valid-looking, forged (any text or a list of texts) or left out."""
    data = {}
    for name, valid in fields.items():
        how = draw(st.integers(0, 5))
        if how == 0 and name != "step":
            continue
        if how == 1 and name != "step":
            data[name] = draw(st.one_of(text_values(), st.lists(text_values(), min_size=2, max_size=3)))
        else:
            data[name] = draw(valid)
    return data


@pytest.fixture
def prepared(app, world):
    return world


@SETTINGS
@given(steps=st.tuples(*(step_data(fields) for fields in STEPS)))
def test_the_sign_up_never_answers_5xx_and_stores_readable_data(app, prepared, steps):
    with app.app_context():
        limiter.reset()  # every example is another phone: the limit per address is for real visitors
    client = app.test_client()
    assert client.get(f"/volunteers/join?community={prepared.community_a}").status_code == 200
    for data in steps:
        response = client.post("/volunteers/join", data=data)
        assert response.status_code < 500, (data, response.status_code)
        assert client.get("/volunteers/join").status_code < 500
    with app.app_context():
        for volunteer in db.session.scalars(select(Volunteer)):
            assert volunteer.user.name and volunteer.status.title
            assert volunteer.birth_month.year >= 1900
            assert all(t.kind.title for t in volunteer.teams)
        db.session.remove()
    coordinator = app.test_client()
    from tests.volunteers.conftest import session_for

    session_for(app, coordinator, prepared.users["coordinator"])
    assert coordinator.get("/volunteers/people").status_code == 200
    assert coordinator.get("/volunteers/").status_code == 200


EVENT = {
    "title": st.sampled_from(["便民维修", "暖心服务"]),
    "kind": st.sampled_from(["repairs", "warm_service"]),
    "starts_at": st.sampled_from(["2030-05-01T09:00", "2030-05-01T18:00"]),
    "ends_at": st.sampled_from(["2030-05-01T11:00", "2030-05-01T08:00"]),
    "place": st.just("社区广场"),
    "description": st.just("修理小家电"),
    "capacity": st.integers(-2, 600).map(str),
    "leader_id": st.just("LEADER"),
    "skills": st.lists(st.sampled_from(["维修", "陪伴聊天"]), unique=True),
    "beneficiary_count": st.integers(-1, 200000).map(str),
    "repeat_weeks": st.integers(0, 60).map(str),
}


@SETTINGS
@given(data=step_data(EVENT))
def test_the_event_form_never_answers_5xx_and_stores_readable_events(app, prepared, data):
    client = app.test_client()
    from tests.volunteers.conftest import session_for

    session_for(app, client, prepared.users["coordinator"])
    if data.get("leader_id") == "LEADER":
        data["leader_id"] = str(prepared.users["coordinator"])
    response = client.post("/volunteers/events/new", data=data)
    assert response.status_code < 500, (data, response.status_code)
    with app.app_context():
        ids = []
        for event in db.session.scalars(select(ServiceEvent)):
            assert event.ends_at > event.starts_at and 1 <= event.capacity <= 500 and event.kind.title
            ids.append(event.id)
        db.session.remove()
    assert client.get("/volunteers/events").status_code == 200
    for event_id in ids[-3:]:
        assert client.get(f"/volunteers/events/{event_id}").status_code == 200


def test_the_sign_up_is_rate_limited_per_address(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "VOLUNTEER_JOIN_LIMIT", "10 per hour")
    client = app.test_client()
    client.get(f"/volunteers/join?community={world.community_a}")
    answers = [client.post("/volunteers/join", data={"step": "name"}).status_code for _ in range(12)]
    assert answers[:10] == [200] * 10 and answers[10:] == [429, 429]
    assert client.get("/volunteers/join").status_code == 200  # reading the page is not limited
