"""Build mediation cases through the real operations, up to a given stage."""

import io
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from PIL import Image

from app.core.models import OrgUnit, User
from app.extensions import db
from app.mediation import operations as ops
from app.mediation.models import Case

LEAK_TERMS = "被申请人于2026年12月10日前修复卫生间防水层，并赔偿申请人装修损失人民币3000元"

STAGES = ["registered", "accepted", "rights", "session", "agreement", "followed_up", "archived"]


def community_today():
    """Today where the community is: what the operations compare dates with (no date after it)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def case_dates(today=None):
    """The dates of the leaking-ceiling case, counted back from today so that every run, on any day, takes
    the case through the same steps: nothing lies in the future, each step follows the one before, the
    one-month limit (accepted + 30 days) and the 30 days for judicial confirmation (agreement + 30 days) are
    still running, and the follow-up visit (agreement + 30 days) is not yet due."""
    today = today or community_today()

    def ago(days):
        return today - timedelta(days=days)

    return SimpleNamespace(
        today=today,
        occurred=ago(35),
        registered=ago(27),
        accepted=ago(26),  # the one-month limit ends in 4 days
        rights_notice=ago(26),
        first_session=datetime.combine(ago(24), time(9, 30)),
        second_session=datetime.combine(ago(20), time(14, 0)),
        agreement=ago(19),  # judicial confirmation may be applied for until 11 days from now
        performance_deadline=today + timedelta(days=11),
        confirmation_applied=ago(17),
        visited=ago(9),
    )


def leak_parties():
    return [
        {
            "role": "applicant",
            "name": "张建华",
            "sex": "male",
            "phone": "13912345678",
            "id_number": "11010519491231002X",
            "address": "回龙苑3幢302室",
            "representative": None,
        },
        {
            "role": "respondent",
            "name": "李秀兰",
            "sex": "female",
            "phone": "13987654321",
            "id_number": "110101199003077777",
            "address": "回龙苑3幢402室",
            "representative": None,
        },
    ]


def png_bytes(size=(40, 30), color=(200, 80, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


class Upload(io.BytesIO):
    """What Werkzeug hands an operation for an uploaded file."""

    def __init__(self, data, filename):
        super().__init__(data)
        self.filename = filename


def make_case(app, world, upto="agreement", referred_by_role=None, community="community_a", parties=None):
    """A leaking-ceiling case of the world's community A, taken through the stages up to ``upto``.
    Returns the case id."""
    stages = STAGES[: STAGES.index(upto) + 1]
    when = case_dates()
    with app.test_request_context():
        mediator = db.session.get(User, world.users["mediator" if community == "community_a" else "outsider"])
        unit = db.session.get(OrgUnit, getattr(world, community))
        referrer = db.session.get(User, world.users[referred_by_role]) if referred_by_role else None
        data = {
            "source": "grid_report" if referrer else "party_application",
            "category": "neighbour",
            "summary": "楼上卫生间漏水，楼下天花板发霉，两户多次争吵",
            "requests": "修复漏水并赔偿损失",
            "risk_level": "medium",
            "may_escalate": True,
            "occurred_on": when.occurred,
            "registered_on": when.registered,
            "address": "回龙苑3幢302室",
        }
        case = ops.register_case(mediator, unit, data, parties or leak_parties(), referred_by=referrer)
        if "accepted" in stages:
            ops.accept_case(mediator, case, mediator, when.accepted)
        if "rights" in stages:
            ops.give_rights_notice(mediator, case, when.rights_notice)
        if "session" in stages:
            ops.record_session(
                mediator,
                case,
                {
                    "started_at": when.first_session,
                    "place": "回龙社区调解室",
                    "is_open": True,
                    "attendees": "张建华、李秀兰、王调解",
                    "applicant_statement": "楼上漏水已两个月",
                    "respondent_statement": "愿意请人检查",
                    "evidence": "天花板照片",
                    "outcome": "约定共同查看现场",
                    "recorder": "王调解",
                },
            )
        if "agreement" in stages:
            ops.record_agreement(
                mediator,
                case,
                {
                    "form": "written",
                    "concluded_on": when.agreement,
                    "facts": "卫生间防水层老化导致漏水",
                    "issues": "漏水责任与赔偿数额",
                    "responsibilities": "被申请人承担主要责任",
                    "terms": LEAK_TERMS,
                    "performance_method": "现金支付",
                    "performance_place": "回龙社区调解室",
                    "performance_deadline": when.performance_deadline,
                },
            )
            ops.add_attachment(mediator, case, "signed_agreement", Upload(b"%PDF-1.4 signed", "signed.pdf"))
            ops.add_attachment(mediator, case, "photo", Upload(png_bytes(), "ceiling.png"))
        if "followed_up" in stages:
            ops.record_follow_up(
                mediator,
                case.follow_ups[0],
                {
                    "done_on": when.visited,
                    "method": "doorstep",
                    "performance": "performed",
                    "applicant_satisfaction": "satisfied",
                    "respondent_satisfaction": "basically_satisfied",
                    "flare_up": False,
                    "lawsuit": False,
                    "note": "已修复",
                },
            )
        if "archived" in stages:
            ops.archive_case(mediator, case)
        db.session.commit()
        return case.id


def get_case(app, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge_all()
        return case
