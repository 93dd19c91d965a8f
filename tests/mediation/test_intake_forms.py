"""The studio's forms as a page without scripts gets them: the intake that asks nothing twice (the building
gives the grid and the community, a party's home is the place of the dispute unless said otherwise), the
applicant's required number marked where it is required, a party's age, ethnicity and occupation; a session's
time filled in, a closed session's reason and an oral agreement's note ignored when they do not apply."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.core.models import Building, OrgUnit
from app.extensions import db
from app.mediation.models import Agreement, Case, MediationSession, Party
from tests.conftest import page_text
from tests.mediation.factories import case_dates, make_case


def intake(world, **extra):
    when = case_dates()
    data = {
        "category": "neighbour",
        "risk_level": "low",
        "summary": "楼上卫生间漏水",
        "registered_on": when.registered.isoformat(),
        "building_id": str(world.building),
        "room": "302",
        "parties-0-role": "applicant",
        "parties-0-name": "张建华",
        "parties-0-phone": "13912345678",
        "parties-0-at_place": "y",
        "parties-1-role": "respondent",
        "parties-1-name": "李秀兰",
        "parties-1-at_place": "y",
    }
    data.update(extra)
    return {key: value for key, value in data.items() if value is not None}


def register(client, world, **extra):
    response = client.post("/mediation/cases/new", data=intake(world, **extra))
    assert response.status_code == 302, page_text(response)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def stored(app, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        parties = db.session.scalars(select(Party).where(Party.case_id == case_id).order_by(Party.position)).all()
        db.session.expunge_all()
        return case, parties


def case_count(app):
    with app.app_context():
        return len(db.session.scalars(select(Case.id)).all())


def label_of(body, field_id):
    return re.search(rf'<label for="{field_id}">(.*?)</label>', body, re.S).group(1)


def test_the_intake_page_offers_oral_application_first_and_marks_the_applicants_number(client, login_as, world):
    login_as("mediator")
    body = client.get("/mediation/cases/new").get_data(as_text=True)
    options = re.search(r'<select id="source".*?</select>', body, re.S).group(0)
    assert re.findall(r'value="([a-z_0-9]+)"', options)[0] == "oral_application"
    assert re.search(r'<option (selected value="oral_application"|value="oral_application" selected)>', options)
    # the applicant's number is marked required, the respondent's is not (and no hint says "applicants only")
    assert 'class="req"' in label_of(body, "parties-0-phone")
    assert 'class="req"' not in label_of(body, "parties-1-phone")
    assert 'id="parties-1-phone-help"' not in body
    # both live at the place of the dispute unless unticked; the home fields are there for a page without
    # scripts, with a hint
    for n in (0, 1):
        assert re.search(rf'<input checked id="parties-{n}-at_place"', body)
        assert f'id="parties-{n}-address"' in body
    # the building is named first, its grid after it
    assert re.search(rf'<option value="{world.building}">3幢 · 回龙第一网格</option>', body)


def test_the_building_gives_the_grid_and_the_home(app, client, login_as, world):
    login_as("mediator")
    # a grid chosen too (a page without scripts shows both): the building's own grid is what counts
    case_id = register(client, world, grid_id=str(world.grid_a2), **{"parties-1-room": "402"})
    case, (applicant, respondent) = stored(app, case_id)
    assert (case.building_id, case.grid_id, case.room, case.address) == (
        world.building,
        world.grid_a1,
        "302",
        "3幢302室",
    )
    assert (applicant.building_id, applicant.room, applicant.address) == (world.building, "302", "3幢302室")
    assert (respondent.building_id, respondent.room, respondent.address) == (world.building, "402", "3幢402室")


def test_the_place_in_words_gives_the_homes_their_estate(app, client, login_as, world):
    login_as("mediator")
    case_id = register(client, world, address="回龙苑3幢302室", **{"parties-1-room": "402"})
    case, (applicant, respondent) = stored(app, case_id)
    assert (case.address, applicant.address, respondent.address) == (
        "回龙苑3幢302室",
        "回龙苑3幢302室",
        "回龙苑3幢402室",
    )


def test_a_home_elsewhere_is_taken_as_typed_and_ignored_while_the_box_is_ticked(app, client, login_as, world):
    login_as("mediator")
    case_id = register(
        client,
        world,
        **{
            "parties-0-address": "回龙苑9幢101室",  # typed, but the box stays ticked: the place counts
            "parties-1-at_place": None,
            "parties-1-address": "东湖苑1幢201室",
            "parties-1-building_id": "0",
        },
    )
    case, (applicant, respondent) = stored(app, case_id)
    assert applicant.address == "3幢302室"
    assert (respondent.address, respondent.building_id, respondent.room) == ("东湖苑1幢201室", None, None)


def test_a_building_of_another_community_is_refused_and_nothing_typed_is_lost(app, client, login_as, world):
    with app.app_context():
        elsewhere = Building(grid=db.session.get(OrgUnit, world.grid_b1), name="东湖苑1幢")
        db.session.add(elsewhere)
        db.session.commit()
        elsewhere_id = elsewhere.id
    login_as("mediator")
    response = client.post("/mediation/cases/new", data=intake(world, building_id=str(elsewhere_id)))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="building_id-error"' in body
    assert 'value="张建华"' in body and "楼上卫生间漏水" in body
    assert case_count(app) == 0


def test_age_ethnicity_and_occupation_are_kept_and_shown(app, client, login_as, world):
    login_as("mediator")
    case_id = register(
        client,
        world,
        **{"parties-0-age": "0", "parties-1-age": "58", "parties-1-ethnicity": "回族", "parties-1-occupation": "个体"},
    )
    case, (applicant, respondent) = stored(app, case_id)
    assert applicant.age == 0  # a baby's age is an age, not nothing
    assert (respondent.age, respondent.ethnicity, respondent.occupation) == (58, "回族", "个体")
    text = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert "58" in text and "回族" in text and "个体" in text


def test_bad_party_details_are_refused_on_the_page(app, client, login_as, world):
    login_as("mediator")
    for field, value in (
        ("parties-0-age", "151"),
        ("parties-0-age", "-1"),
        ("parties-0-age", "三十"),
        ("parties-0-age", "99999999999999999999"),
        ("parties-0-ethnicity", "族" * 21),
        ("parties-0-occupation", "业" * 61),
    ):
        response = client.post("/mediation/cases/new", data=intake(world, **{field: value}))
        assert response.status_code == 200, (field, value)
        body = response.get_data(as_text=True)
        assert f'id="{field}-error"' in body, (field, value)
        assert 'value="张建华"' in body
    assert case_count(app) == 0


def test_a_session_starts_now_and_an_open_sessions_reason_is_ignored(app, client, login_as, world):
    case_id = make_case(app, world, upto="rights")
    login_as("mediator")
    body = client.get(f"/mediation/cases/{case_id}/sessions/new").get_data(as_text=True)
    value = re.search(r'id="started_at"[^>]*value="([^"]+)"', body).group(1)
    shown = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    now = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).replace(tzinfo=None)
    assert shown.minute % 5 == 0 and timedelta(0) <= now - shown < timedelta(minutes=5, seconds=30)
    # the reason of a closed session is there for a page without scripts, which says when it counts
    assert 'data-shown-by="is_open"' in body
    session = {
        "started_at": value,
        "place": "调解室",
        "is_open": "y",
        "closed_reason": "涉及隐私",
        "attendees": "双方",
        "applicant_statement": "漏水",
        "respondent_statement": "同意检查",
        "outcome": "约定查看",
        "submission_key": "s-1",
    }
    response = client.post(f"/mediation/cases/{case_id}/sessions/new", data=session)
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        recorded = db.session.scalars(select(MediationSession).where(MediationSession.case_id == case_id)).one()
        assert (recorded.is_open, recorded.closed_reason) == (True, None)
    # a closed session needs its reason
    closed = dict(session, is_open=None, closed_reason="", submission_key="s-2")
    response = client.post(
        f"/mediation/cases/{case_id}/sessions/new", data={k: v for k, v in closed.items() if v is not None}
    )
    assert response.status_code == 200 and 'id="closed_reason-error"' in response.get_data(as_text=True)


def agreement(**extra):
    when = case_dates()
    data = {
        "form": "written",
        "concluded_on": when.agreement.isoformat(),
        "facts": "防水层老化",
        "issues": "责任与赔偿",
        "terms": "被申请人修复防水层",
        "oral_note": "口头约定",
    }
    data.update(extra)
    return data


def test_a_written_agreement_ignores_an_oral_note_and_an_oral_one_needs_it(app, client, login_as, world):
    case_id = make_case(app, world, upto="session")
    login_as("mediator")
    body = client.get(f"/mediation/cases/{case_id}/agreement").get_data(as_text=True)
    assert 'data-shown-by="form" data-shown-value="oral"' in body
    response = client.post(f"/mediation/cases/{case_id}/agreement", data=agreement(form="oral", oral_note=""))
    assert response.status_code == 200 and 'id="oral_note-error"' in response.get_data(as_text=True)
    response = client.post(f"/mediation/cases/{case_id}/agreement", data=agreement())
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        assert db.session.scalars(select(Agreement).where(Agreement.case_id == case_id)).one().oral_note is None


def test_correcting_an_oral_agreement_keeps_its_note(app, client, login_as, world):
    case_id = make_case(app, world, upto="session")
    login_as("mediator")
    response = client.post(f"/mediation/cases/{case_id}/agreement", data=agreement(form="oral"))
    assert response.status_code == 302, page_text(response)[:2000]
    with app.app_context():
        version = db.session.scalars(select(Agreement).where(Agreement.case_id == case_id)).one().version
    response = client.post(
        f"/mediation/cases/{case_id}/agreement", data=agreement(form="oral", oral_note="", version=str(version))
    )
    assert response.status_code == 200 and 'id="oral_note-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Agreement).where(Agreement.case_id == case_id)).one().oral_note == "口头约定"


def party_form(**extra):
    data = {
        "name": "李秀兰",
        "sex": "female",
        "phone": "13987654321",
        "id_number": "320582198506154027",
        "building_id": "0",
        "room": "",
        "address": "回龙苑3幢402室",
        "age": "58",
        "ethnicity": "回族",
        "occupation": "个体",
    }
    data.update(extra)
    return data


def first_parties(app, case_id):
    _case, parties = stored(app, case_id)
    return parties


def test_a_partys_details_are_completed_on_the_case(app, client, login_as, world):
    case_id = make_case(app, world, upto="accepted")
    applicant, respondent = first_parties(app, case_id)
    login_as("mediator")
    page = client.get(f"/mediation/cases/{case_id}").get_data(as_text=True)
    url = f"/mediation/cases/{case_id}/parties/{respondent.id}"
    assert f'href="{url}"' in page
    response = client.post(url, data=party_form(age="151"))  # refused on the page, nothing lost
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="age-error"' in body and 'value="320582198506154027"' in body
    response = client.post(url, data=party_form())
    assert response.status_code == 302, page_text(response)[:2000]
    respondent = first_parties(app, case_id)[1]
    assert (respondent.id_number, respondent.age, respondent.ethnicity, respondent.occupation) == (
        "320582198506154027",
        58,
        "回族",
        "个体",
    )
    text = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert "回族" in text and "个体" in text and "58" in text
    # the applicant keeps a mobile number
    response = client.post(f"/mediation/cases/{case_id}/parties/{applicant.id}", data=party_form(phone=""))
    assert response.status_code == 200 and 'id="phone-error"' in response.get_data(as_text=True)
    assert first_parties(app, case_id)[0].phone == applicant.phone


def test_a_colleague_not_on_the_case_may_not_change_a_party(app, client, login_as, world):
    case_id = make_case(app, world, upto="accepted")
    respondent = first_parties(app, case_id)[1]
    url = f"/mediation/cases/{case_id}/parties/{respondent.id}"
    login_as("colleague")  # a mediator of the same studio, not on the case
    assert client.get(url).status_code == 403
    assert client.post(url, data=party_form()).status_code == 403
    assert 'href="' + url + '"' not in client.get(f"/mediation/cases/{case_id}").get_data(as_text=True)
    assert first_parties(app, case_id)[1].age is None
    # a party of another case is not reached through this one
    other = make_case(app, world, upto="accepted")
    login_as("mediator")
    other_party = first_parties(app, other)[1]
    assert client.get(f"/mediation/cases/{case_id}/parties/{other_party.id}").status_code == 404
