"""The help group's demo data shows every part of it: the care roster with residents due a visit, a help request
waiting with volunteers who could help, and a certificate that verifies."""

import re

from sqlalchemy import select

from app.extensions import db
from app.volunteers.certificates import verification_url
from app.volunteers.models import Certificate, HelpRequest, HelpRequestStatus
from tests.conftest import page_text


def test_the_demo_has_a_roster_due_a_visit_a_help_request_and_a_certificate(app, client):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        help_request = db.session.scalar(select(HelpRequest))
        certificate = db.session.scalar(select(Certificate))
        assert help_request.status == HelpRequestStatus.open and "防盗门" in help_request.description
        request_id, number = help_request.id, certificate.number
        assert certificate.hours_at_issue > 0
        check_url = verification_url(certificate, external=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"phone": "13800000005", "password": "linli-demo-2026", "csrf_token": token})
    home = page_text(client.get("/volunteers/roster"))
    assert "王桂兰" in home and "陈秀珍" in home and "赵德明" in home
    due = page_text(client.get("/volunteers/roster?due=1"))
    assert (
        "王桂兰" in due and "陈秀珍" in due and "赵德明" not in due
    )  # 12 days since a weekly visit, 40 since a monthly
    asked = page_text(client.get(f"/volunteers/help/{request_id}"))
    assert "钱国强" in asked or "韩建军" in asked  # the volunteers who repair things are suggested
    # anybody can check the certificate, and sees its number and hours, not the volunteer's phone
    checked = page_text(app.test_client().get(check_url))
    assert number in checked and "13800000006" not in checked
