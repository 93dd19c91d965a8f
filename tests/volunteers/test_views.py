"""The help group over HTTP, with real forms: the five steps of the sign-up, approval, sign-up for events and
the waiting list, check-in by the leader's code, hours and corrections, the volunteer's page, one-time login
links; bad input is refused with a translated message and changes nothing."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.models import User
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import (
    Participation,
    ParticipationStatus,
    ServiceEvent,
    ServiceRecord,
    Volunteer,
    VolunteerStatus,
)
from tests.conftest import changed_tables, database_rows, page_text
from tests.volunteers.factories import make_event


def english(*clients):
    """Pages in English (the language switch of every page): the messages below are the catalogs' msgids."""
    for one in clients:
        one.post("/language", data={"lang": "en"})


def said(message, **params):
    return message % params if params else message


STEP_1 = {"step": "name", "name": "周秀兰", "sex": "female", "phone": "136 1234 5678"}
STEP_2 = {"step": "home", "birth_year": "1958", "birth_month": "3", "building_id": "0", "room": "302"}
STEP_3 = {
    "step": "group",
    "teams": ["residents", "party_members"],
    "skills": ["陪伴聊天"],
    "availability": ["weekday_morning"],
}
STEP_4 = {"step": "consent", "id_number": "", "consent": "y"}
STEP_5 = {"step": "password", "new_password": "linli-pass-2026", "confirm": "linli-pass-2026"}


def start_join(client, world):
    response = client.get(f"/volunteers/join?community={world.community_a}")
    assert response.status_code == 200
    return response


def test_a_visitor_without_the_posters_link_chooses_the_community_by_the_posters_link(app, client, world):
    """The first screen is a GET form whose answer is the poster's own link: looking at it or making a wrong
    choice keeps no sign-up in the session, and a choice that is not a community is refused with the list again."""
    response = client.get("/volunteers/join")
    assert response.status_code == 200
    form = re.search(r'<form method="get" action="/volunteers/join"[^>]*>(.*?)</form>', response.text, re.S)
    assert form is not None and 'name="csrf_token"' not in form.group(1)
    assert f'value="{world.community_a}"' in form.group(1) and "回龙社区" in form.group(1)
    # nothing is chosen for the visitor: the first option asks them to choose
    assert re.search(r'<select id="community"[^>]*>\s*<option value="">请选择……</option>', form.group(1))
    english(client)
    for wrong in ("", str(world.grid_a1), "abc", "-1", "99999999999999999999"):
        response = client.get("/volunteers/join", query_string={"community": wrong})
        assert response.status_code == 200
        text = page_text(response)
        assert said("Please correct the field marked below.") in text and "Choose your community." in text, wrong
        assert 'aria-invalid="true"' in response.text and "回龙社区" in text
        with client.session_transaction() as sess:
            assert "volunteer_join" not in sess
    response = client.get("/volunteers/join", query_string={"community": world.community_a})
    assert said("Your name") in page_text(response)
    with client.session_transaction() as sess:
        assert sess["volunteer_join"] == {"community": world.community_a, "step": 0, "data": {}}
    # a step sent after the sign-up was lost (another browser, an expired session) starts again, changing nothing
    with client.session_transaction() as sess:
        del sess["volunteer_join"]
    response = client.post("/volunteers/join", data=STEP_1)
    assert response.status_code == 302 and response.headers["Location"].endswith("/volunteers/join")


def test_a_resident_signs_up_in_five_steps_and_waits_for_approval(app, client, world):
    english(client)
    start_join(client, world)
    for step in (STEP_1, STEP_2, STEP_3, STEP_4):
        response = client.post("/volunteers/join", data=step)
        assert response.status_code == 302, page_text(response)
        # nothing personal in the URL it goes to
        assert "1361234" not in response.headers["Location"]
    response = client.post("/volunteers/join", data=STEP_5, follow_redirects=True)
    text = page_text(response)
    assert said("Waiting for approval") in text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.phone == "13612345678"))
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))
        assert volunteer.status == VolunteerStatus.applied
        assert sorted(t.kind.value for t in volunteer.teams) == ["party_members", "residents"]
        assert volunteer.birth_month.isoformat() == "1958-03-01"
    # the phone stays logged in: the remember-me cookie
    assert any(cookie.key == "remember_token" for cookie in client._cookies.values())


def test_each_step_shows_one_thing_and_back_keeps_what_was_typed(app, client, world):
    english(client)
    start_join(client, world)
    client.post("/volunteers/join", data=STEP_1)
    response = client.post("/volunteers/join", data={"step": "home", "back": "1"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert 'value="周秀兰"' in html and 'value="13612345678"' in html
    assert 'name="birth_year"' not in html


def test_a_number_that_has_an_account_is_told_to_log_in(app, client, world):
    english(client)
    start_join(client, world)
    with app.app_context():
        before = database_rows()
    response = client.post("/volunteers/join", data=dict(STEP_1, phone=world.phones["mediator"]))
    assert response.status_code == 200
    text = page_text(response)
    assert said("This mobile number already has an account. Please log in with it instead of signing up again.") in text
    assert 'value="周秀兰"' in response.get_data(as_text=True)  # what was typed stays
    with app.app_context():
        assert changed_tables(before, database_rows()) == {}


def test_a_wrong_mobile_or_id_number_is_refused_on_its_step(app, client, world):
    english(client)
    start_join(client, world)
    response = client.post("/volunteers/join", data=dict(STEP_1, phone="12345"))
    assert said("Enter an 11-digit mainland mobile number, e.g. 13800138000.") in page_text(response)
    for step in (STEP_1, STEP_2, STEP_3):
        client.post("/volunteers/join", data=step)
    response = client.post("/volunteers/join", data=dict(STEP_4, id_number="110105194912310021"))
    assert response.status_code == 200
    assert said("This is not a valid 18-digit ID number (check the digits and the last character).") in page_text(
        response
    )
    response = client.post("/volunteers/join", data=dict(STEP_4, consent=""))
    assert said("Please agree, or you cannot join.") in page_text(response)


def test_the_sign_up_needs_a_csrf_token(app, client, world):
    english(client)
    start_join(client, world)
    response = client.post("/volunteers/join", data=STEP_1, csrf=False)
    assert response.status_code in (200, 400)
    with client.session_transaction() as sess:
        assert sess["volunteer_join"]["step"] == 0


def test_coordinator_approves_and_volunteers_never_see_phones(app, client, login_as, group):
    english(client)
    with app.app_context():
        applicant = ops.join(
            db.session.get(User, group.users["coordinator"]).community,
            {
                "phone": "13612345670",
                "name": "吴阿婆",
                "sex": "female",
                "birth_month": __import__("datetime").date(1950, 1, 1),
                "teams": ["residents"],
                "availability": ["weekday_morning"],
                "consent": True,
                "password": "linli-pass-2026",
            },
        )
        db.session.commit()
        applicant_id = applicant.id
    login_as("coordinator")
    response = client.get(f"/volunteers/people/{applicant_id}")
    assert "13612345670" in page_text(response)  # the coordinator sees the number
    response = client.post(f"/volunteers/people/{applicant_id}/approve", follow_redirects=True)
    with app.app_context():
        number = db.session.get(Volunteer, applicant_id).number
    assert number and number in page_text(response)
    # a volunteer sees the event and who comes, by name only
    event_id = make_event(app, group)
    with app.app_context():
        ops.sign_up(db.session.get(User, group.extra_volunteers[0]), db.session.get(ServiceEvent, event_id))
        db.session.commit()
    login_as("volunteer")
    text = page_text(client.get(f"/volunteers/events/{event_id}"))
    assert "志愿者0" in text and "13700000000" not in text
    assert client.get(f"/volunteers/people/{applicant_id}").status_code == 403


def test_a_coordinator_of_another_community_sees_no_application(app, client, login_as, group, password_hash):
    english(client)
    from app.core.models import OrgUnit
    from tests.conftest import make_user

    with app.app_context():
        other = make_user(
            "13900000031", "钱协调", ["coordinator"], db.session.get(OrgUnit, group.community_b), password_hash
        )
        db.session.commit()
        other_id = other.id
    login_as(user_id=other_id)
    assert client.get(f"/volunteers/people/{group.volunteer_row}").status_code == 404
    assert client.post(f"/volunteers/people/{group.volunteer_row}/approve").status_code == 404
    assert "孙志愿" not in page_text(client.get("/volunteers/people"))


def test_sign_up_waiting_list_and_promotion_over_http(app, client, login_as, group):
    english(client)
    event_id = make_event(app, group, capacity=1)
    second = app.test_client()
    english(second)
    login_as("volunteer")
    login_as(user_id=group.extra_volunteers[0], target_client=second)
    response = client.post(f"/volunteers/events/{event_id}/sign-up", follow_redirects=True)
    assert said("You are signed up.") in page_text(response)
    response = second.post(f"/volunteers/events/{event_id}/sign-up", follow_redirects=True)
    assert said("The event is full: you are number %(position)s on the waiting list.", position=1) in page_text(
        response
    )
    client.post(f"/volunteers/events/{event_id}/cancel")
    response = second.get("/notifications")
    assert "暖心服务" in page_text(response)
    with app.app_context():
        statuses = {
            p.volunteer.user_id: p.status
            for p in db.session.scalars(select(Participation).where(Participation.event_id == event_id))
        }
    assert statuses[group.extra_volunteers[0]] == ParticipationStatus.signed_up
    assert statuses[group.users["volunteer"]] == ParticipationStatus.cancelled


def test_check_in_by_the_leaders_code_then_hours_and_the_volunteers_page(app, client, login_as, group):
    english(client)
    event_id = make_event(app, group, starts_in=timedelta(minutes=-20), hours=2)
    with app.app_context():
        db.session.add(Participation(event_id=event_id, volunteer_id=group.volunteer_row, status="signed_up"))
        db.session.commit()
    leader = app.test_client()
    english(leader)
    login_as("leader", target_client=leader)
    response = leader.get(f"/volunteers/events/{event_id}/code")
    html = response.get_data(as_text=True)
    assert "<svg" in html
    # the page shows the next code by itself, and is never cached
    assert response.headers["Refresh"] == "30" and "no-store" in response.headers["Cache-Control"]
    link = re.search(r'href="(http://[^"]+/check-in\?code=[^"]+)"', html).group(1)
    path = link.split("localhost", 1)[1].replace("&amp;", "&")
    login_as("volunteer")
    assert client.get(path).status_code == 200
    response = client.post(path, follow_redirects=True)
    assert said("You are checked in. Thank you!") in page_text(response)
    # the leader confirms: the hours typed are kept on the volunteer's record
    with app.app_context():
        pid = db.session.scalar(select(Participation.id).where(Participation.event_id == event_id))
    response = leader.post(f"/volunteers/events/{event_id}/hours", data={f"hours-{pid}": "abc", "quality": "good"})
    assert response.status_code == 200 and 'value="abc"' in response.get_data(as_text=True)
    response = leader.post(
        f"/volunteers/events/{event_id}/hours", data={f"hours-{pid}": "1.5", "quality": "excellent", "content": "探访"}
    )
    assert response.status_code == 302
    text = page_text(client.get("/volunteers/me"))
    assert "1.50" in text and "暖心服务" in text
    with app.app_context():
        record = db.session.scalar(select(ServiceRecord))
        assert (str(record.hours), record.recorder_id) == ("1.50", group.users["leader"])


def test_check_in_code_of_another_event_is_refused_on_the_page(app, client, login_as, group):
    english(client)
    event_id = make_event(app, group, starts_in=timedelta(minutes=-20))
    other_id = make_event(app, group, starts_in=timedelta(minutes=-20))
    with app.app_context():
        db.session.add(Participation(event_id=event_id, volunteer_id=group.volunteer_row, status="signed_up"))
        db.session.commit()
        code = ops.checkin_code(db.session.get(ServiceEvent, other_id))
        before = database_rows()
    login_as("volunteer")
    response = client.post(f"/volunteers/events/{event_id}/check-in?code={code}")
    assert said("This code belongs to another event.") in page_text(response)
    with app.app_context():
        changed = changed_tables(before, database_rows())
    assert set(changed) <= {"user_sessions"}


def test_a_volunteer_who_did_not_attend_cannot_ask_for_a_correction(app, client, login_as, group):
    english(client)
    event_id = make_event(app, group)
    login_as("volunteer")
    with app.app_context():
        before = database_rows()
    response = client.post(f"/volunteers/events/{event_id}/correction", data={"hours": "2", "reason": "我去了"})
    assert response.status_code == 200
    assert said("Only volunteers whose attendance was recorded at this event can ask for a correction.") in page_text(
        response
    )
    with app.app_context():
        assert set(changed_tables(before, database_rows())) <= {"user_sessions"}


def test_a_one_time_login_link_logs_in_once(app, client, login_as, group):
    english(client)
    login_as("coordinator")
    html = client.post(f"/volunteers/people/{group.volunteer_row}/login-link").get_data(as_text=True)
    link = re.search(r'data-testid="login-link">([^<]+)<', html).group(1)
    path = link.split("localhost", 1)[1]
    phone = app.test_client()
    assert phone.get(path).status_code == 200
    response = phone.post(path)
    assert response.status_code == 302
    assert phone.get("/volunteers/me").status_code == 200
    other = app.test_client()
    assert other.post(path).status_code == 410


def test_coordinators_filter_volunteers_by_team_skill_and_time(app, client, login_as, world):
    from app.core.models import OrgUnit
    from tests.volunteers.factories import details

    with app.app_context():
        community = db.session.get(OrgUnit, world.community_a)
        ops.join(community, details("13611110001", name="警官老王", teams=["police"], skills=["法律咨询"]))
        ops.join(
            community,
            details("13611110002", name="阿姨小李", availability=["weekend_evening"], skills=["陪伴聊天"]),
        )
        db.session.commit()
    english(client)
    login_as("coordinator")
    assert page_text(client.get("/volunteers/people")).count("老王") == 1
    text = page_text(client.get("/volunteers/people?team=police"))
    assert "警官老王" in text and "阿姨小李" not in text
    text = page_text(client.get("/volunteers/people?availability=weekend_evening"))
    assert "阿姨小李" in text and "警官老王" not in text
    text = page_text(client.get("/volunteers/people?skill=法律咨询"))
    assert "警官老王" in text and "阿姨小李" not in text
    # a value that is no choice is ignored, not an error
    assert client.get("/volunteers/people?team=nobody&availability=%00").status_code == 200


def test_a_volunteer_edits_their_own_profile(app, client, login_as, group):
    english(client)
    login_as("volunteer")
    response = client.post(
        "/volunteers/me/profile",
        data={
            "name": "孙志愿者",
            "building_id": str(group.building),
            "room": "502",
            "teams": ["party_members", "police"],
            "skills": ["维修"],
            "availability": ["weekend_morning", "weekday_evening"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        volunteer = db.session.get(Volunteer, group.volunteer_row)
        assert volunteer.user.name == "孙志愿者" and volunteer.room == "502"
        assert sorted(t.kind.value for t in volunteer.teams) == ["party_members", "police"]
        assert sorted(a.value for a in volunteer.available) == ["weekday_evening", "weekend_morning"]
    # a building of another community is not a choice
    response = client.post("/volunteers/me/profile", data={"name": "孙志愿者", "building_id": "999999"})
    assert response.status_code == 200 and "Not a valid choice" in page_text(response)


def test_the_event_list_goes_page_by_page_with_the_places_left_and_has_the_past_on_its_own_tab(
    app, client, login_as, group
):
    english(client)
    per_page = app.config["VOLUNTEER_PAGE_SIZE"]
    weekly = make_event(app, group, capacity=3, weeks=per_page + 2)  # one more page than fits
    past = make_event(app, group, starts_in=-timedelta(days=3))
    with app.app_context():
        first = db.session.get(ServiceEvent, weekly[0])
        for user_id in (group.users["volunteer"], *group.extra_volunteers):  # three: the event is full
            ops.sign_up(db.session.get(User, user_id), first)
        ops.cancel_sign_up(db.session.get(User, group.extra_volunteers[1]), first)  # one place free again
        db.session.commit()
    login_as("coordinator")
    response = client.get("/volunteers/events")
    html = response.get_data(as_text=True)
    links = re.findall(r'href="/volunteers/events/(\d+)"', html)
    # the coming events, soonest first, a page of them; the past one is not among them
    assert [int(link) for link in links] == weekly[:per_page]
    assert said("%(left)s of %(capacity)s places left", left=1, capacity=3) in page_text(response)
    assert page_text(response).count(said("%(left)s of %(capacity)s places left", left=3, capacity=3)) == per_page - 1
    next_page = re.search(r'href="([^"]*page=2[^"]*)"', html).group(1).replace("&amp;", "&")
    rest = client.get(next_page).get_data(as_text=True)
    assert [int(link) for link in re.findall(r'href="/volunteers/events/(\d+)"', rest)] == weekly[per_page:]
    # the past tab: the past event and what became of it
    response = client.get("/volunteers/events?when=past")
    assert re.findall(r'href="/volunteers/events/(\d+)"', response.get_data(as_text=True)) == [str(past)]
    assert said("Planned") in page_text(response)
