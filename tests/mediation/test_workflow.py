"""The leaking-ceiling case through HTTP with real forms, and the other ways a case can end."""

import io
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.models import AuditEntry, Notification, OrgUnit
from app.core.roles import Role
from app.core.types import as_local
from app.extensions import db
from app.mediation.models import Case, CaseStatus
from tests.conftest import make_user, page_text, translated
from tests.mediation.factories import LEAK_TERMS, case_dates, make_case, png_bytes


def form_time(moment):
    """A date and time as the browser's datetime-local field sends it."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def case_number(seq, prefix="回龙调"):
    """The number of a case registered on the factories' date (the year is that of its registration)."""
    return f"{prefix}〔{case_dates().registered.year}〕第{seq:03d}号"


def intake_data(world, **extra):
    when = case_dates()
    data = {
        "source": "grid_report",
        "category": "neighbour",
        "risk_level": "medium",
        "may_escalate": "y",
        "summary": "楼上卫生间漏水，楼下天花板发霉，两户多次争吵",
        "requests": "修复漏水并赔偿装修损失",
        "occurred_on": when.occurred.isoformat(),
        "registered_on": when.registered.isoformat(),
        "grid_id": str(world.grid_a1),
        "building_id": str(world.building),
        "room": "302",
        "address": "回龙苑3幢302室",
        "parties-0-role": "applicant",
        "parties-0-name": "张建华",
        "parties-0-sex": "male",
        "parties-0-phone": "139 1234 5678",
        "parties-0-id_number": "11010519491231002x",
        "parties-0-address": "回龙苑3幢302室",
        "parties-1-role": "respondent",
        "parties-1-name": "李秀兰",
        "parties-1-sex": "female",
        "parties-1-phone": "13987654321",
        "parties-1-address": "回龙苑3幢402室",
    }
    data.update(extra)
    return data


def register(client, world, **extra):
    response = client.post("/mediation/cases/new", data=intake_data(world, **extra))
    assert response.status_code == 302, page_text(response)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def post_ok(client, url, data=None):
    response = client.post(url, data=data or {})
    assert response.status_code == 302, page_text(response)[:3000]
    return client.get(response.headers["Location"])


def status_of(app, case_id):
    with app.app_context():
        return db.session.get(Case, case_id).status


def test_leaking_ceiling_case_end_to_end(app, client, login_as, world, output_dir):
    when = case_dates()
    login_as("mediator")
    case_id = register(client, world)
    page = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert case_number(1) in page and "张建华" in page and "李秀兰" in page
    assert status_of(app, case_id) == "registered"

    page = page_text(
        post_ok(
            client,
            f"/mediation/cases/{case_id}/accept",
            {"presiding_mediator_id": str(world.users["mediator"]), "accepted_on": when.accepted.isoformat()},
        )
    )
    assert translated(app, "Accepted") in page
    # now that she presides, the mediator sees the full numbers
    assert "13912345678" in page and "11010519491231002X" in page

    post_ok(client, f"/mediation/cases/{case_id}/rights-notice", {"given_on": when.rights_notice.isoformat()})
    notice = client.get(f"/mediation/cases/{case_id}/rights-notice/print")
    assert notice.status_code == 200 and "张建华" in page_text(notice)

    for day, outcome in (
        (form_time(when.first_session), "约定共同查看现场"),
        (form_time(when.second_session), "双方同意由楼上修复并赔偿"),
    ):
        post_ok(
            client,
            f"/mediation/cases/{case_id}/sessions/new",
            {
                "started_at": day,
                "place": "回龙社区调解室",
                "is_open": "y",
                "attendees": "张建华、李秀兰、王调解",
                "applicant_statement": "楼上漏水已两个月，天花板发霉",
                "respondent_statement": "愿意请人检查防水",
                "evidence": "天花板照片两张",
                "outcome": outcome,
                "recorder": "王调解",
            },
        )
    assert status_of(app, case_id) == "in_mediation"

    page = page_text(
        post_ok(
            client,
            f"/mediation/cases/{case_id}/agreement",
            {
                "form": "written",
                "concluded_on": when.agreement.isoformat(),
                "facts": "卫生间防水层老化导致楼下天花板漏水",
                "issues": "漏水责任与赔偿数额",
                "responsibilities": "被申请人承担全部责任",
                "terms": LEAK_TERMS,
                "performance_method": "现金支付",
                "performance_place": "回龙社区调解室",
                "performance_deadline": when.performance_deadline.isoformat(),
            },
        )
    )
    assert translated(app, "Agreement reached") in page

    pdf = client.get(f"/mediation/cases/{case_id}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    with open(f"{output_dir}/agreement.pdf", "wb") as fh:
        fh.write(pdf.data)
    from pypdf import PdfReader

    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    for expected in ("张建华", "李秀兰", re.sub(r"\s+", "", LEAK_TERMS), case_number(1)):
        assert expected in text, expected

    # the signed scan and a copy of the respondent's ID go into the file
    post_ok(
        client,
        f"/mediation/cases/{case_id}/attachments/new",
        {"kind": "signed_agreement", "title": "双方签字", "file": (io.BytesIO(b"%PDF-1.4 signed scan"), "scan.pdf")},
    )
    post_ok(
        client,
        f"/mediation/cases/{case_id}/attachments/new",
        {"kind": "party_id", "title": "李秀兰身份证", "file": (io.BytesIO(png_bytes()), "id.png")},
    )

    # archiving before the follow-up visit is refused and changes nothing
    response = client.post(f"/mediation/cases/{case_id}/archive", follow_redirects=True)
    assert status_of(app, case_id) == "agreement_reached"
    assert translated(
        app,
        "Only a case that was followed up, or that was declined, referred out, ended without "
        "agreement or withdrawn, can be archived.",
    ) in page_text(response)

    with app.app_context():
        visit_id = db.session.get(Case, case_id).follow_ups[0].id
    post_ok(
        client,
        f"/mediation/cases/{case_id}/follow-ups/{visit_id}",
        {
            "done_on": when.visited.isoformat(),
            "method": "doorstep",
            "performance": "performed",
            "applicant_satisfaction": "satisfied",
            "respondent_satisfaction": "basically_satisfied",
            "note": "已修复",
        },
    )
    assert status_of(app, case_id) == "followed_up"

    page = page_text(post_ok(client, f"/mediation/cases/{case_id}/archive"))
    assert translated(app, "Archived") in page
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.archived_at is not None and case.file_number == case.number
        # kept ten years from the day of archiving in the community (not in UTC: they differ after 16:00 UTC)
        assert case.retention_until.year == as_local(case.archived_at).year + 10
        kinds = [e.kind for e in case.events]
        assert kinds[0] == "registered" and kinds[-1] == "archived"
        assert {
            "accepted",
            "rights_notice",
            "mediation_started",
            "session_recorded",
            "agreement_reached",
            "follow_up_scheduled",
            "followed_up",
            "attachment_added",
        } <= set(kinds)
    # archived: read-only, and the page says so
    response = client.post(f"/mediation/cases/{case_id}/sessions/new", data={}, follow_redirects=True)
    assert translated(app, "This case is archived and can no longer be changed.") in page_text(response)
    with app.app_context():
        assert len(db.session.get(Case, case_id).sessions) == 2


@pytest.mark.parametrize(
    "path,data,final,reason_field",
    [
        ("decline", {"reason": "属于法院已受理的纠纷"}, "declined", "decline_reason"),
        ("refer", {"referred_to": "舞阳派出所", "note": "涉及治安案件"}, "referred", "referred_to"),
        ("withdraw", {"reason": "双方已自行和解"}, "withdrawn", "withdraw_reason"),
    ],
)
def test_first_decisions(app, client, login_as, world, path, data, final, reason_field):
    login_as("mediator")
    case_id = register(client, world)
    post_ok(client, f"/mediation/cases/{case_id}/{path}", data)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == final and getattr(case, reason_field) and case.closed_on is not None
    # such a case can be archived at once (no follow-up needed); party IDs: one is missing, so attach a copy
    response = client.post(f"/mediation/cases/{case_id}/archive", follow_redirects=True)
    assert status_of(app, case_id) == final
    assert translated(app, "Parties' identity") in page_text(response)
    post_ok(
        client,
        f"/mediation/cases/{case_id}/attachments/new",
        {"kind": "party_id", "file": (io.BytesIO(png_bytes()), "id.png")},
    )
    post_ok(client, f"/mediation/cases/{case_id}/archive")
    assert status_of(app, case_id) == "archived"


def test_mediation_ended_without_agreement(app, client, login_as, world):
    case_id = make_case(app, world, upto="session")
    login_as("mediator")
    response = client.post(
        f"/mediation/cases/{case_id}/end", data={"reason": "被申请人拒绝继续调解", "other_routes": ""}
    )
    assert response.status_code == 200 and status_of(app, case_id) == "in_mediation"
    post_ok(
        client,
        f"/mediation/cases/{case_id}/end",
        {"reason": "被申请人拒绝继续调解", "other_routes": "可向人民法院起诉"},
    )
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == "ended" and case.other_routes == "可向人民法院起诉"


def test_withdrawn_during_mediation(app, client, login_as, world):
    case_id = make_case(app, world, upto="session")
    login_as("mediator")
    post_ok(client, f"/mediation/cases/{case_id}/withdraw", {"reason": "申请人撤回"})
    assert status_of(app, case_id) == "withdrawn"


def test_forbidden_transitions_are_refused_and_change_nothing(app, client, login_as, world):
    when = case_dates()
    login_as("mediator")
    declined = register(client, world)
    post_ok(client, f"/mediation/cases/{declined}/decline", {"reason": "不属于调解范围"})
    with app.app_context():
        events_before = len(db.session.get(Case, declined).events)
    # an agreement on a declined case
    response = client.post(
        f"/mediation/cases/{declined}/agreement",
        data={"form": "written", "concluded_on": when.agreement.isoformat(), "facts": "x", "issues": "x", "terms": "x"},
    )
    assert response.status_code == 200
    assert translated(app, "An agreement can only be recorded while the case is in mediation.") in page_text(response)
    # accepting it again
    response = client.post(
        f"/mediation/cases/{declined}/accept",
        data={"presiding_mediator_id": str(world.users["mediator"]), "accepted_on": when.accepted.isoformat()},
    )
    assert translated(app, "Only a newly registered case can be accepted.") in page_text(response)
    with app.app_context():
        case = db.session.get(Case, declined)
        assert case.status == "declined" and case.agreement is None and len(case.events) == events_before
    # a session before the rights notice
    accepted = make_case(app, world, upto="accepted")
    response = client.post(
        f"/mediation/cases/{accepted}/sessions/new",
        data={
            "started_at": form_time(when.first_session),
            "place": "调解室",
            "is_open": "y",
            "attendees": "双方",
            "applicant_statement": "a",
            "respondent_statement": "b",
            "outcome": "c",
        },
    )
    assert translated(app, "Give the parties the rights notice before the first session.") in page_text(response)
    assert status_of(app, accepted) == "accepted"


def test_one_month_limit_flags_and_extension(app, client, login_as, world):
    case_id = make_case(app, world, upto="rights")  # accepted 26 days ago, due in 4 days
    until = case_dates().accepted + timedelta(days=47)  # 17 days after the one-month limit
    login_as("mediator")
    response = client.post(
        f"/mediation/cases/{case_id}/extend", data={"until": until.isoformat(), "reason": "需等待维修报价"}
    )
    assert translated(app, "An extension needs the consent of both parties.") in page_text(response)
    post_ok(
        client,
        f"/mediation/cases/{case_id}/extend",
        {"until": until.isoformat(), "reason": "需等待维修报价", "both_consent": "y"},
    )
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_on == until and case.extended
        assert case.is_overdue(until + timedelta(days=1)) and case.is_due_soon(until - timedelta(days=3))
        assert not case.is_overdue(until - timedelta(days=15))


def test_bad_intake_input_comes_back_with_errors_and_keeps_everything(app, client, login_as, world):
    after_registration = (case_dates().registered + timedelta(days=1)).isoformat()
    login_as("mediator")
    long_summary = "漏" * 2001
    response = client.post(
        "/mediation/cases/new",
        data=intake_data(
            world,
            **{
                "parties-0-phone": "1234",
                "parties-0-id_number": "110105194912310021",
                "occurred_on": after_registration,
                "summary": long_summary,
            },
        ),
    )
    assert response.status_code == 200
    text = page_text(response)
    html = response.get_data(as_text=True)
    assert translated(app, "Enter an 11-digit mainland mobile number, e.g. 13800138000.") in text
    assert translated(app, "This is not a valid 18-digit ID number (check the digits and the last character).") in text
    assert translated(app, "Keep it under %(max)d characters.", max=2000) in text
    assert 'value="李秀兰"' in html and 'value="1234"' in html and long_summary in html
    assert db_count(app) == 0
    # dates in the wrong order
    response = client.post("/mediation/cases/new", data=intake_data(world, occurred_on=after_registration))
    assert translated(app, "The dispute cannot have started after the day it was registered.") in page_text(response)
    assert 'value="张建华"' in response.get_data(as_text=True)
    # no applicant
    response = client.post("/mediation/cases/new", data=intake_data(world, **{"parties-0-role": "other"}))
    assert translated(app, "Enter at least one applicant.") in page_text(response)
    assert db_count(app) == 0


def db_count(app):
    with app.app_context():
        return db.session.scalar(select(db.func.count(Case.id)))


def test_add_party_row_keeps_what_was_typed(client, login_as, world):
    login_as("mediator")
    response = client.post("/mediation/cases/new", data=dict(intake_data(world), add_party="1"))
    html = response.get_data(as_text=True)
    assert 'id="parties-2-name"' in html and 'value="张建华"' in html and "楼上卫生间漏水" in html


def test_attachments_are_checked(app, client, login_as, world):
    case_id = make_case(app, world, upto="accepted")
    login_as("mediator")
    url = f"/mediation/cases/{case_id}/attachments/new"
    response = client.post(
        url,
        data={"kind": "evidence", "title": "漏水照片", "file": (io.BytesIO(b"MZ\x90\x00 not an image"), "leak.jpg")},
    )
    assert translated(app, "Only photos (JPEG, PNG, WebP, GIF) and PDF documents can be attached.") in page_text(
        response
    )
    assert 'value="漏水照片"' in response.get_data(as_text=True)
    response = client.post(url, data={"kind": "photo", "file": (io.BytesIO(b"MZ\x90\x00 not an image"), "a.jpg")})
    assert translated(app, "A photo must be an image file.") in page_text(response)
    response = client.post(url, data={"kind": "photo", "file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")})
    assert translated(app, "A photo must be an image file.") in page_text(response)
    big = b"%PDF-1.4" + b"0" * (10 * 1024 * 1024 + 10)
    response = client.post(url, data={"kind": "evidence", "title": "大文件", "file": (io.BytesIO(big), "big.pdf")})
    assert response.status_code == 200
    assert translated(app, "The file is larger than %(mb)s MB.", mb=10) in page_text(response)
    assert 'value="大文件"' in response.get_data(as_text=True)
    post_ok(client, url, {"kind": "photo", "title": "漏水照片", "file": (io.BytesIO(png_bytes()), "leak.png")})
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert [(a.kind, a.content_type, a.filename) for a in case.attachments] == [("photo", "image/png", "leak.png")]
        attachment_id = case.attachments[0].id
    download = client.get(f"/mediation/cases/{case_id}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == png_bytes()


def test_confidentiality(app, client, login_as, world):
    case_id = make_case(app, world, upto="accepted", referred_by_role="grid_worker")
    # another mediator of the studio sees the case, with masked numbers
    with app.app_context():
        from tests.conftest import make_user

        make_user(
            "13900000077",
            "钱调解",
            ["mediator"],
            db.session.get(Case, case_id).org_unit,
            db.session.get(
                __import__("app.core.models", fromlist=["User"]).User, world.users["mediator"]
            ).password_hash,
        )
        db.session.commit()
        other_id = db.session.scalar(
            select(db.text("id")).select_from(db.table("users")).where(db.text("phone = '13900000077'"))
        )
    world.users["other_mediator"] = other_id
    login_as("other_mediator")
    text = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert "139****5678" in text and "13912345678" not in text and "1101**" in text
    listing = page_text(client.get("/mediation/"))
    assert "139****5678" in listing and "13912345678" not in listing
    # the presiding mediator sees everything
    login_as("mediator")
    text = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert "13912345678" in text and "11010519491231002X" in text
    # every full view is in the audit log
    with app.app_context():
        views = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "mediation.case_viewed", AuditEntry.target_id == case_id)
            .order_by(AuditEntry.id)
        ).all()
        assert [(v.actor_id, v.data["private"]) for v in views] == [(other_id, False), (world.users["mediator"], True)]
    # the grid worker who reported it sees the status only, and was told of the acceptance
    login_as("grid_worker")
    assert client.get(f"/mediation/cases/{case_id}").status_code == 403
    status_page = page_text(client.get(f"/mediation/cases/{case_id}/status"))
    assert translated(app, "Accepted") in status_page and "张建华" not in status_page
    with app.app_context():
        assert db.session.scalar(select(Notification).where(Notification.user_id == world.users["grid_worker"]))
    # volunteers see nothing of mediation; outsiders do not learn the case exists
    login_as("volunteer")
    assert client.get("/mediation/").status_code == 403
    assert client.get(f"/mediation/cases/{case_id}/status").status_code == 404
    login_as("outsider")
    assert client.get(f"/mediation/cases/{case_id}").status_code == 404
    assert "回龙调" not in page_text(client.get("/mediation/"))


def test_search_and_filters(app, client, login_as, world):
    first = make_case(app, world, upto="registered")
    second = make_case(
        app,
        world,
        upto="accepted",
        parties=[
            {"role": "applicant", "name": "赵大妈", "phone": "13711112222", "address": "回龙苑5幢101室"},
            {"role": "respondent", "name": "钱大爷", "address": "回龙苑5幢201室"},
        ],
    )
    login_as("mediator")
    with app.app_context():
        numbers = {cid: db.session.get(Case, cid).number for cid in (first, second)}
    for query, hit, miss in (
        ("赵大妈", second, first),
        ("13711112222", second, first),
        ("回龙苑5幢201", second, first),
        ("赵", second, first),
        ("１３７１１１１２２２２", second, first),  # full-width digits, as a Chinese keyboard may type them
        (numbers[first], first, second),
    ):
        text = page_text(client.get("/mediation/", query_string={"q": query}, follow_redirects=True))
        assert numbers[hit] in text and numbers[miss] not in text, query
    text = page_text(client.get("/mediation/", query_string={"status": "accepted"}))
    assert numbers[second] in text and numbers[first] not in text


def test_repeat_disputes_are_shown(app, client, login_as, world):
    earlier = make_case(app, world, upto="registered")
    login_as("mediator")
    response = client.post("/mediation/cases/new", data=dict(intake_data(world), check="1"))
    with app.app_context():
        number = db.session.get(Case, earlier).number
    assert number in page_text(response)
    assert 'value="张建华"' in response.get_data(as_text=True)
    later = register(client, world)
    assert number in page_text(client.get(f"/mediation/cases/{later}"))


def test_case_numbers_count_up_per_studio_and_year(app, world):
    ids = [make_case(app, world, upto="registered") for _ in range(3)]
    other = make_case(app, world, upto="registered", community="community_b")
    with app.app_context():
        numbers = [db.session.get(Case, i).number for i in ids]
        assert numbers == [case_number(1), case_number(2), case_number(3)]
        assert db.session.get(Case, other).number == case_number(1, prefix="东湖调")
        assert CaseStatus(db.session.get(Case, other).status) == CaseStatus.registered


def test_due_follow_ups_and_deadlines_on_the_mediators_home_page(app, client, login_as, world):
    from datetime import timedelta

    from app.core.types import local_today

    visit_case = make_case(app, world, upto="agreement")
    running = make_case(app, world, upto="accepted")
    with app.app_context():
        case = db.session.get(Case, visit_case)
        case.follow_ups[0].due_on = local_today() - timedelta(days=2)
        db.session.get(Case, running).due_on = local_today() + timedelta(days=3)
        db.session.commit()
        numbers = [db.session.get(Case, i).number for i in (visit_case, running)]
    login_as("mediator")
    text = page_text(client.get("/"))
    assert numbers[0] in text and translated(app, "overdue") in text
    assert numbers[1] in text
    login_as("outsider")
    assert numbers[0] not in page_text(client.get("/"))


def test_oral_agreement_goes_into_the_register(app, client, login_as, world):
    case_id = make_case(app, world, upto="session")
    login_as("mediator")
    response = client.post(
        f"/mediation/cases/{case_id}/agreement",
        data={
            "form": "oral",
            "concluded_on": case_dates().agreement.isoformat(),
            "facts": "漏水",
            "issues": "赔偿",
            "terms": "赔偿500元",
        },
    )
    assert translated(app, "An oral agreement needs the mediator's written note.") in page_text(response)
    post_ok(
        client,
        f"/mediation/cases/{case_id}/agreement",
        {
            "form": "oral",
            "concluded_on": case_dates().agreement.isoformat(),
            "facts": "漏水",
            "issues": "赔偿",
            "terms": "赔偿500元",
            "oral_note": "双方当场口头同意，由调解员记录",
        },
    )
    register_page = page_text(client.get("/mediation/oral-agreements"))
    assert "赔偿500元" in register_page and "双方当场口头同意" in register_page
    assert client.get(f"/mediation/cases/{case_id}/agreement.pdf").status_code == 404  # no written document
    login_as("outsider")
    assert "赔偿500元" not in page_text(client.get("/mediation/oral-agreements"))


def test_conflict_check_on_the_accept_page(app, client, login_as, world):
    from app.core.models import User

    case_id = make_case(
        app,
        world,
        upto="registered",
        parties=[
            {"role": "applicant", "name": "张建华", "phone": "13912345678", "building_id": world.building},
            {"role": "respondent", "name": "李秀兰", "building_id": world.building},
        ],
    )
    with app.app_context():
        db.session.get(User, world.users["mediator"]).home_building_id = world.building
        db.session.commit()
    login_as("mediator")
    text = page_text(client.get(f"/mediation/cases/{case_id}/accept"))
    assert translated(app, "%(name)s lives in the same building as a party.", name="王调解") in text


def test_applicant_needs_a_mobile_number(app, client, login_as, world):
    login_as("mediator")
    response = client.post("/mediation/cases/new", data=intake_data(world, **{"parties-0-phone": ""}))
    assert translated(app, "Enter the applicant's mobile number, so the studio can reach them.") in page_text(response)
    assert db_count(app) == 0


def test_street_admin_chooses_the_community(app, client, login_as, world):
    login_as("admin")
    text = page_text(client.get("/mediation/cases/new", query_string={"community_id": world.community_b}))
    assert "东湖社区" in text and "东湖第一网格" in text and "回龙第一网格" not in text
    response = client.post(
        f"/mediation/cases/new?community_id={world.community_b}", data=intake_data(world, grid_id="0", building_id="0")
    )
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    with app.app_context():
        assert db.session.get(Case, case_id).org_unit_id == world.community_b
    login_as("mediator")  # community A's mediator may not register cases for B
    assert client.get("/mediation/cases/new", query_string={"community_id": world.community_b}).status_code == 404


def test_studio_settings_change_the_case_numbers(app, client, login_as, world):
    login_as("mediator")
    response = client.post(
        "/mediation/studio",
        data={
            "name": "丹丹调解工作室",
            "committee_name": "回龙社区人民调解委员会",
            "number_prefix": "回龙调",
            "number_format": "{prefix}{year",
            "follow_up_days": "14",
            "retention_years": "30",
        },
    )
    assert translated(app, "The number format may only use {prefix}, {year} and {seq}.") in page_text(response)
    assert 'value="丹丹调解工作室"' in response.get_data(as_text=True)
    response = client.post(
        "/mediation/studio",
        data={
            "name": "丹丹调解工作室",
            "committee_name": "回龙社区人民调解委员会",
            "number_prefix": "回龙调",
            "number_format": "{prefix}字〔{year}〕{seq:04d}号",
            "follow_up_days": "14",
            "retention_years": "30",
        },
    )
    assert response.status_code == 302
    case_id = register(client, world)
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.number == f"回龙调字〔{case_dates().registered.year}〕0001号" and case.studio.follow_up_days == 14


def test_grid_worker_reported_case_is_followed_by_status_only(app, client, login_as, world):
    login_as("mediator")
    case_id = register(client, world, reported_by_id=str(world.users["grid_worker"]))
    post_ok(
        client,
        f"/mediation/cases/{case_id}/accept",
        {"presiding_mediator_id": str(world.users["mediator"]), "accepted_on": case_dates().accepted.isoformat()},
    )
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.referred_by_id == world.users["grid_worker"]
        number = case.number
    login_as("grid_worker")
    assert number in page_text(client.get("/notifications"))
    grid_page = page_text(client.get("/grid/"))
    assert number in grid_page and translated(app, "Accepted") in grid_page
    # the agreement is news for the reporter too
    make_case_agreement = make_case(app, world, upto="agreement", referred_by_role="grid_worker")
    with app.app_context():
        other_number = db.session.get(Case, make_case_agreement).number
    inbox = page_text(client.get("/notifications"))
    assert other_number in inbox and translated(app, "Agreement reached") in inbox
    status_page = page_text(client.get(f"/mediation/cases/{case_id}/status"))
    assert number in status_page and "张建华" not in status_page and "13912345678" not in status_page
    # someone who is not a grid worker of this community cannot be named as the reporter
    login_as("mediator")
    response = client.post("/mediation/cases/new", data=intake_data(world, reported_by_id=str(world.users["outsider"])))
    assert response.status_code == 200 and 'aria-invalid="true"' in response.get_data(as_text=True)


def test_at_most_twenty_parties(app, client, login_as, world):
    login_as("mediator")
    data = intake_data(world)
    for i in range(2, 20):
        data[f"parties-{i}-role"] = "other"
        data[f"parties-{i}-name"] = f"第三人{i}"
    response = client.post("/mediation/cases/new", data=dict(data, add_party="1"))
    assert response.status_code == 200
    assert translated(app, "A case can have at most %(n)s parties.", n=20) in page_text(response)
    assert 'value="第三人19"' in response.get_data(as_text=True)
    response = client.post("/mediation/cases/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        assert len(db.session.get(Case, int(response.headers["Location"].rsplit("/", 1)[-1])).parties) == 20


def test_dates_in_the_future_are_refused(app, client, login_as, world):
    from datetime import timedelta

    from app.core.types import local_today

    with app.app_context():
        tomorrow = (local_today() + timedelta(days=1)).isoformat()
    login_as("mediator")
    response = client.post("/mediation/cases/new", data=intake_data(world, registered_on=tomorrow))
    assert translated(app, "This date is in the future.") in page_text(response)
    case_id = make_case(app, world, upto="session")
    response = client.post(
        f"/mediation/cases/{case_id}/agreement",
        data={"form": "written", "concluded_on": tomorrow, "facts": "x", "issues": "y", "terms": "z"},
    )
    assert translated(app, "This date is in the future.") in page_text(response)
    assert status_of(app, case_id) == "in_mediation"


def test_case_list_filters_by_community_then_by_its_mediators(app, client, login_as, world):
    """Above community level the list is filtered by community first: the mediators and grids to pick from
    are those of the chosen community (a county holds hundreds)."""
    in_a = make_case(app, world, upto="accepted")
    in_b = make_case(app, world, upto="accepted", community="community_b")
    with app.app_context():
        numbers = {cid: db.session.get(Case, cid).number for cid in (in_a, in_b)}
    login_as("admin")  # the street: both communities
    response = client.get("/mediation/")
    everything = response.get_data(as_text=True)
    assert 'name="community"' in everything and 'name="mediator"' not in everything
    assert translated(app, "Choose a community to filter by its mediators and grids.") in page_text(response)
    assert numbers[in_a] in page_text(response) and numbers[in_b] in page_text(response)

    response = client.get("/mediation/", query_string={"community": world.community_b})
    only_b = response.get_data(as_text=True)
    assert numbers[in_b] in page_text(response) and numbers[in_a] not in page_text(response)
    mediators = re.search(r'<select id="mediator" name="mediator">(.*?)</select>', only_b, re.S).group(1)
    assert "刘外来" in mediators and "王调解" not in mediators
    grids = re.search(r'<select id="grid" name="grid">(.*?)</select>', only_b, re.S).group(1)
    assert "东湖第一网格" in grids and "回龙第一网格" not in grids

    by_mediator = client.get(
        "/mediation/", query_string={"community": world.community_a, "mediator": world.users["mediator"]}
    )
    assert numbers[in_a] in page_text(by_mediator) and numbers[in_b] not in page_text(by_mediator)
    # switching to community B with A's mediator still chosen: the mediator no longer applies
    switched = client.get(
        "/mediation/", query_string={"community": world.community_b, "mediator": world.users["mediator"]}
    )
    assert numbers[in_b] in page_text(switched) and numbers[in_a] not in page_text(switched)

    # a community's own mediator picks mediators and grids at once, and no community
    login_as("mediator")
    response = client.get("/mediation/")
    own = response.get_data(as_text=True)
    assert 'name="community"' not in own and 'name="mediator"' in own and "回龙第一网格" in own
    assert numbers[in_b] not in page_text(response)


@contextmanager
def changed_meanwhile(case_id, **values):
    """While the request runs, just before it writes, another request changes the case and commits first."""
    from sqlalchemy import event, update
    from sqlalchemy.orm import Session

    table = Case.__table__
    done = []

    def colleague(session, flush_context, instances):
        if done:
            return
        done.append(True)
        with db.engine.begin() as other:  # on its own connection
            other.execute(update(table).where(table.c.id == case_id).values(version=table.c.version + 1, **values))

    event.listen(Session, "before_flush", colleague)
    try:
        yield
    finally:
        event.remove(Session, "before_flush", colleague)
    assert done, "the request wrote nothing"


CHANGED_MEANWHILE = (
    "Somebody else changed this at the same moment, so nothing was saved. Please reload the page, "
    "check what changed and try again."
)


def test_a_case_changed_by_someone_else_meanwhile_is_not_overwritten(app, client, login_as, world):
    """Two mediators act on the same case at the same moment: the one who is second is told, and changes
    nothing (optimistic locking on the case's version)."""
    case_id = make_case(app, world, upto="registered")
    login_as("mediator")
    accepted_on = case_dates().accepted.isoformat()
    with changed_meanwhile(case_id, status="declined", decline_reason="已由法院受理"):
        response = client.post(
            f"/mediation/cases/{case_id}/accept",
            data={"presiding_mediator_id": str(world.users["mediator"]), "accepted_on": accepted_on},
        )
    assert response.status_code == 200
    assert translated(app, CHANGED_MEANWHILE) in page_text(response)
    assert f'value="{accepted_on}"' in response.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == "declined" and case.presiding_mediator_id is None and case.accepted_on is None
        assert [e.kind for e in case.events] == ["registered"]


def test_archiving_a_case_changed_meanwhile_gives_a_translated_conflict_page(app, client, login_as, world):
    case_id = make_case(app, world, upto="followed_up")
    login_as("mediator")
    with changed_meanwhile(case_id):
        response = client.post(f"/mediation/cases/{case_id}/archive")
    assert response.status_code == 409
    assert translated(app, CHANGED_MEANWHILE) in page_text(response)
    with app.app_context():
        assert db.session.get(Case, case_id).status == "followed_up"


def test_mediators_above_the_community_can_be_picked_in_the_filter(app, client, login_as, world, password_hash):
    """A street's mediator may preside over a community's cases (the accept form offers them): the list can be
    filtered by them too."""
    with app.app_context():
        street = db.session.get(OrgUnit, world.street)
        street_mediator = make_user("13900000088", "街道调解", [Role.mediator], street, password_hash)
        db.session.commit()
        mediator_id = street_mediator.id
    login_as("admin")
    html = client.get("/mediation/", query_string={"community": world.community_a}).get_data(as_text=True)
    mediators = re.search(r'<select id="mediator" name="mediator">(.*?)</select>', html, re.S).group(1)
    assert f'value="{mediator_id}"' in mediators and "王调解" in mediators and "刘外来" not in mediators


def test_action_pages_label_their_button(app, client, login_as, world):
    case_id = make_case(app, world, upto="registered")
    login_as("mediator")
    html = client.get(f"/mediation/cases/{case_id}/decline").get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" class="button primary">(.*?)</button>', html)
    assert buttons == [translated(app, "Decline")]


def test_nobody_is_added_to_a_closed_case(app, client, login_as, world):
    case_id = make_case(app, world, upto="registered")
    login_as("mediator")
    post_ok(client, f"/mediation/cases/{case_id}/decline", {"reason": "法院已受理"})
    case_page = page_text(client.get(f"/mediation/cases/{case_id}"))
    assert translated(app, "Add a co-mediator or specialist") not in case_page
    response = client.get(f"/mediation/cases/{case_id}/helpers/new", follow_redirects=True)
    assert translated(app, "Co-mediators and specialists join a case while it is still open.") in page_text(response)
    response = client.post(f"/mediation/cases/{case_id}/helpers/new", data={"kind": "legal_adviser", "name": "周律师"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).helpers == []


def test_a_correction_made_on_an_outdated_form_is_refused_until_the_user_has_seen_the_change(
    app, client, login_as, world
):
    case_id = make_case(app, world, upto="agreement")
    login_as("mediator")
    form = client.get(f"/mediation/cases/{case_id}/agreement").get_data(as_text=True)
    opened_on = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    colleague = app.test_client()
    login_as("admin", colleague)
    when = case_dates()
    fields = {
        "form": "written",
        "concluded_on": when.agreement.isoformat(),
        "facts": "卫生间防水层老化导致漏水",
        "issues": "漏水责任与赔偿数额",
        "performance_deadline": when.performance_deadline.isoformat(),
    }
    post_ok(
        colleague,
        f"/mediation/cases/{case_id}/agreement",
        dict(fields, terms="李秀兰赔偿张建华2000元", version=opened_on),
    )

    mine = dict(fields, terms="李秀兰赔偿张建华1800元并修复防水", version=opened_on)
    response = client.post(f"/mediation/cases/{case_id}/agreement", data=mine)
    assert response.status_code == 200
    refused = translated(
        app,
        "Somebody else changed this after you opened the form, so it was not saved. What "
        "you typed is kept below: compare it with the case page, then save again.",
    )
    assert refused in page_text(response)
    html = response.get_data(as_text=True)
    assert "李秀兰赔偿张建华1800元并修复防水" in html  # kept
    with app.app_context():
        assert db.session.get(Case, case_id).agreement.terms == "李秀兰赔偿张建华2000元"  # the colleague's stands
    # saving again, now knowingly, goes through
    current = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert current != opened_on
    post_ok(client, f"/mediation/cases/{case_id}/agreement", dict(mine, version=current))
    with app.app_context():
        assert db.session.get(Case, case_id).agreement.terms == "李秀兰赔偿张建华1800元并修复防水"


def test_a_file_for_a_case_withdrawn_meanwhile_is_refused_and_not_kept(app, client, login_as, world):
    """Adding rows is checked too: the case's version moves with every change, so an upload that arrives just
    after the case was withdrawn is refused, and the file it wrote is removed again."""
    import os

    case_id = make_case(app, world, upto="accepted")
    login_as("mediator")
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "mediation")
    before = set(os.listdir(folder)) if os.path.isdir(folder) else set()
    with changed_meanwhile(case_id, status="withdrawn", withdraw_reason="双方已自行和解", closed_on=None):
        response = client.post(
            f"/mediation/cases/{case_id}/attachments/new",
            data={"kind": "photo", "title": "漏水照片", "file": (io.BytesIO(png_bytes()), "leak.png")},
        )
    assert response.status_code == 200
    assert translated(app, CHANGED_MEANWHILE) in page_text(response)
    assert 'value="漏水照片"' in response.get_data(as_text=True)
    assert set(os.listdir(folder)) == before
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.status == "withdrawn" and case.attachments == []


def test_a_confirmation_form_without_its_version_is_refused(app, client, login_as, world):
    case_id = make_case(app, world, upto="agreement")
    login_as("mediator")
    data = {"applied_on": case_dates().confirmation_applied.isoformat(), "court": "清溪县人民法院", "result": "pending"}
    response = client.post(f"/mediation/cases/{case_id}/confirmation", data=data)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Case, case_id).agreement.confirmation_applied_on is None
    # the page now carries the version: saving again goes through
    version = re.search(r'name="version" type="hidden" value="(\d+)"', response.get_data(as_text=True)).group(1)
    post_ok(client, f"/mediation/cases/{case_id}/confirmation", dict(data, version=version))
    with app.app_context():
        assert db.session.get(Case, case_id).agreement.confirmation_court == "清溪县人民法院"


def test_an_intake_sent_twice_registers_one_case(app, client, login_as, world):
    """A double tap, or a phone retrying on a bad network: the same form (its one-time key) creates one case,
    and the repeat is sent to that case."""
    login_as("mediator")
    page = client.get("/mediation/cases/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    data = dict(intake_data(world), submission_key=key)
    first = client.post("/mediation/cases/new", data=data)
    second = client.post("/mediation/cases/new", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Case.id))) == 1
    # a new form is a new case
    page = client.get("/mediation/cases/new").get_data(as_text=True)
    other = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    assert other != key
    assert client.post("/mediation/cases/new", data=dict(data, submission_key=other)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Case.id))) == 2
