"""Certificates of volunteer service: issued by a coordinator with the hours confirmed so far and a unique
number; the PDF states the volunteer number, the hours and the certificate number; the public verification page
shows only facts that are not sensitive, and a wrong number or code is 404."""

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.models import User
from app.core.types import clock_at, utcnow
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import Certificate, ServiceEvent, Volunteer
from tests.conftest import database_rows, page_text
from tests.volunteers.factories import make_event

ID_NUMBER = "11010519491231002X"


def served(app, world, hours=2):
    """The world's volunteer (with an ID number) attended a past event whose hours the leader confirmed."""
    event_id = make_event(app, world, starts_in=timedelta(days=-3), hours=hours)
    with app.app_context():
        event = db.session.get(ServiceEvent, event_id)
        user = db.session.get(User, world.users["volunteer"])
        leader = db.session.get(User, world.users["leader"])
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))
        volunteer.id_number = ID_NUMBER
        with clock_at(event.starts_at - timedelta(hours=1)):
            ops.sign_up(user, event)
        with clock_at(event.ends_at + timedelta(hours=1)):
            ops.mark_attendance(leader, event, event.participations[0], True)
            ops.confirm_hours(leader, event, {}, "good", "探访")
        db.session.commit()
        number = volunteer.number
        volunteer_id = volunteer.id
        db.session.remove()
    return volunteer_id, number


def issue(client, volunteer_id):
    response = client.post(f"/volunteers/people/{volunteer_id}/certificate", data={"content": "上门探访独居老人"})
    assert response.status_code == 302, page_text(response)
    match = re.search(r"/volunteers/certificates/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def pdf_text(data):
    return "".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages).replace(" ", "")


def test_certificate_pdf_states_volunteer_number_hours_and_its_number(app, client, group, login_as):
    volunteer_id, volunteer_number = served(app, group, hours=2)
    login_as("coordinator")
    certificate_id = issue(client, volunteer_id)
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        number, hours = certificate.number, certificate.hours_at_issue
    year = utcnow().year
    assert re.fullmatch(rf"LSZ{year}-\d{{6}}", number)
    assert str(hours) == "2.00"

    response = client.get(f"/volunteers/certificates/{certificate_id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    assert volunteer_number in text
    assert number in text
    assert "2.00" in text
    assert "回龙社区" in text and "孙志愿" in text  # Chinese text embedded (CJK fonts)

    page = client.get(f"/volunteers/certificates/{certificate_id}")
    assert page.status_code == 200
    assert number in page_text(page) and volunteer_number in page_text(page)


def test_certificate_numbers_are_unique_and_count_up(app, client, group, login_as):
    volunteer_id, _number = served(app, group)
    login_as("coordinator")
    first, second = issue(client, volunteer_id), issue(client, volunteer_id)
    with app.app_context():
        numbers = [db.session.get(Certificate, i).number for i in (first, second)]
    assert numbers[0] != numbers[1]
    assert int(numbers[1].split("-")[1]) == int(numbers[0].split("-")[1]) + 1


def verification_path(app, certificate_id):
    from app.volunteers.certificates import verification_url

    with app.test_request_context():
        return verification_url(db.session.get(Certificate, certificate_id), external=False)


def test_verification_page_shows_no_phone_or_id_number_and_wrong_token_is_404(app, client, group, login_as):
    volunteer_id, volunteer_number = served(app, group)
    login_as("coordinator")
    certificate_id = issue(client, volunteer_id)
    path = verification_path(app, certificate_id)
    login_as("anonymous")
    response = client.get(path)
    assert response.status_code == 200
    text = page_text(response)
    html = response.get_data(as_text=True)
    assert volunteer_number in text
    assert "孙*愿" in text  # the name masked
    assert "孙志愿" not in html
    assert group.phones["volunteer"] not in html
    assert ID_NUMBER not in html and ID_NUMBER[-6:] not in html
    assert "2.00" in text

    number, code = path.rsplit("/", 2)[-2:]
    wrong_code = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert client.get(path.replace(code, wrong_code)).status_code == 404
    assert client.get(path.replace(number, number[:-1] + "9")).status_code == 404
    assert client.get(f"/volunteers/certificates/check/{number}/").status_code == 404


def test_a_volunteer_cannot_issue_and_another_volunteer_cannot_open_the_certificate(app, client, group, login_as):
    volunteer_id, _number = served(app, group)
    login_as("coordinator")
    certificate_id = issue(client, volunteer_id)
    login_as("volunteer")
    assert client.get(f"/volunteers/certificates/{certificate_id}").status_code == 200  # their own
    with app.app_context():
        before = database_rows()
    assert client.post(f"/volunteers/people/{volunteer_id}/certificate", data={}).status_code == 403
    with app.app_context():
        assert database_rows() == before  # the refused POST changed nothing
    login_as(user_id=group.users["leader"])  # another volunteer of the same community
    assert client.get(f"/volunteers/certificates/{certificate_id}").status_code == 404
    assert client.get(f"/volunteers/certificates/{certificate_id}.pdf").status_code == 404
    login_as("outsider")  # a mediator of community B
    assert client.get(f"/volunteers/certificates/{certificate_id}").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_masked_names():
    from app.volunteers.certificates import masked_name

    assert masked_name("张三明") == "张*明"
    assert masked_name("张三") == "张*"
    assert masked_name("欧阳小明") == "欧**明"
    assert masked_name("张") == "张"
