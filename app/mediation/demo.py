"""Demo cases of the mediation studios, dated relative to the day they are loaded, so that the studio's
list, the deadline flags and the mediator's due visits look as they would on a working day.

Every case goes through the same operations as a mediator's forms, each at the time its story tells
(``app.core.types.clock_at``): a case received 24 days ago has its intake on its timeline 24 days ago, not at the
moment the demo was loaded. Buildings are written with the installation's word (3幢). All people are fictional.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app.core.models import Building, OrgUnit, User
from app.core.places import building_name
from app.core.types import clock_at, local_today
from app.extensions import db
from app.mediation import operations as ops


def _user(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def _unit(code):
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _building(grid, number, estate=""):
    name = building_name(number, estate)
    return db.session.scalar(select(Building).where(Building.grid_id == grid.id, Building.name == name))


def _place(number, rest="", estate="回龙苑"):
    """An address in the estate: _place(3, "302室") == _place(3, "302室")."""
    return building_name(number, estate) + rest


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute))


def _on(day, hour, minute=0):
    """A moment of the story: ``day`` at hour:minute where the community is."""
    return _at(day, hour, minute).replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def _then(moment, operation, *args, **kwargs):
    """Run an operation as if at ``moment``: its timeline entry and its record's times are the story's."""
    with clock_at(moment):
        result = operation(*args, **kwargs)
        db.session.flush()  # column defaults (times) are filled in now, on the story's clock
    return result


def _session(mediator, case, day, place, outcome, applicant, respondent, attendees, evidence=""):
    _then(
        _on(day, 11, 30),  # recorded after the session, which started at 9:30
        ops.record_session,
        mediator,
        case,
        {
            "started_at": _at(day, 9, 30),
            "place": place,
            "is_open": True,
            "attendees": attendees,
            "applicant_statement": applicant,
            "respondent_statement": respondent,
            "evidence": evidence,
            "outcome": outcome,
            "recorder": mediator.name,
        },
    )


def leaking_ceiling(today):
    """Reported by the grid worker, two sessions, a written agreement; the follow-up visit is ahead."""
    mediator, grid_worker = _user("13800000002"), _user("13800000003")
    community, grid = _unit("QX-WY-HL"), _unit("QX-WY-HL-01")
    case = _then(
        _on(today - timedelta(days=24), 9, 10),
        ops.register_case,
        mediator,
        community,
        {
            "source": "grid_report",
            "category": "neighbour",
            "grid": grid,
            "building": _building(grid, 3),
            "room": "302",
            "address": _place(3, "302室"),
            "summary": "楼上402室卫生间漏水，302室天花板发霉、墙皮脱落。两户多次争吵，网格员上门劝解未果。",
            "requests": "申请人要求402室修复防水并赔偿天花板修缮费用。",
            "risk_level": "medium",
            "may_escalate": True,
            "occurred_on": today - timedelta(days=70),
            "registered_on": today - timedelta(days=24),
        },
        [
            {
                "role": "applicant",
                "name": "张建华",
                "sex": "male",
                "phone": "13912345678",
                "id_number": "11010519491231002X",
                "address": _place(3, "302室"),
            },
            {
                "role": "respondent",
                "name": "李秀兰",
                "sex": "female",
                "phone": "13987654321",
                "address": _place(3, "402室"),
            },
        ],
        referred_by=grid_worker,
    )
    _then(_on(today - timedelta(days=23), 10), ops.accept_case, mediator, case, mediator, today - timedelta(days=23))
    _then(_on(today - timedelta(days=23), 10, 20), ops.give_rights_notice, mediator, case, today - timedelta(days=23))
    _session(
        mediator,
        case,
        today - timedelta(days=20),
        "回龙社区调解室",
        "约定请物业共同查看漏水点",
        "漏水已两个多月，天花板发霉，孩子过敏。",
        "不清楚漏水原因，愿意请人检查。",
        "张建华、李秀兰、王丹丹、物业周建国",
        "天花板照片三张",
    )
    _session(
        mediator,
        case,
        today - timedelta(days=12),
        _place(3, "402室（现场）"),
        "物业确认402室卫生间防水层老化，双方同意协商赔偿",
        "希望尽快修好，赔偿修缮费。",
        "同意修防水，赔偿数额希望少一些。",
        "张建华、李秀兰、王丹丹、物业周建国",
        "物业检测记录",
    )
    _then(
        _on(today - timedelta(days=10), 15),
        ops.record_agreement,
        mediator,
        case,
        {
            "form": "written",
            "concluded_on": today - timedelta(days=10),
            "facts": "402室卫生间防水层老化，导致302室天花板渗水发霉。",
            "issues": "漏水责任的承担与天花板修缮费用的赔偿。",
            "responsibilities": "被申请人对漏水负主要责任。",
            "terms": "一、李秀兰于协议签订后十五日内请有资质的施工单位修复卫生间防水层；\n"
            "二、李秀兰赔偿张建华天花板修缮费人民币1800元，于协议签订后三十日内一次付清；\n"
            "三、双方今后遇有类似问题先行协商，不再争吵。",
            "performance_method": "现金或银行转账",
            "performance_place": "回龙社区调解室",
            "performance_deadline": today + timedelta(days=20),
        },
    )


def noise_near_deadline(today):
    """In mediation for almost a month: the list flags it as due soon."""
    mediator = _user("13800000002")
    community, grid = _unit("QX-WY-HL"), _unit("QX-WY-HL-02")
    case = _then(
        _on(today - timedelta(days=29), 14, 30),
        ops.register_case,
        mediator,
        community,
        {
            "source": "party_application",
            "category": "neighbour",
            "grid": grid,
            "building": _building(grid, 8),
            "room": "501",
            "address": _place(8, "501室"),
            "summary": "楼上601室夜间拖动桌椅、跳绳，501室老人长期失眠，双方在楼道发生口角。",
            "requests": "要求楼上晚十点后保持安静，铺设地垫。",
            "risk_level": "low",
            "occurred_on": today - timedelta(days=60),
            "registered_on": today - timedelta(days=29),
        },
        [
            {
                "role": "applicant",
                "name": "陈桂英",
                "sex": "female",
                "phone": "13712340001",
                "address": _place(8, "501室"),
            },
            {
                "role": "respondent",
                "name": "吴磊",
                "sex": "male",
                "phone": "13712340002",
                "address": _place(8, "601室"),
            },
        ],
    )
    _then(_on(today - timedelta(days=28), 9, 40), ops.accept_case, mediator, case, mediator, today - timedelta(days=28))
    _then(_on(today - timedelta(days=28), 10), ops.give_rights_notice, mediator, case, today - timedelta(days=28))
    _session(
        mediator,
        case,
        today - timedelta(days=21),
        "回龙社区调解室",
        "被申请人同意晚十点后不跳绳，地垫费用分担未谈妥，约定再次调解",
        "晚上十一点后还有拖椅子的声音。",
        "孩子白天上学，只有晚上能运动。",
        "陈桂英、吴磊、王丹丹",
    )


def parking_just_registered(today):
    """Registered two days ago: waits for a mediator to accept it."""
    mediator = _user("13800000002")
    community, grid = _unit("QX-WY-HL"), _unit("QX-WY-HL-03")
    _then(
        _on(today - timedelta(days=2), 16, 5),
        ops.register_case,
        mediator,
        community,
        {
            "source": "hotline_12345",
            "category": "property_management",
            "grid": grid,
            "address": _place(13, "楼下"),
            "summary": building_name(13) + "楼下公共车位被一住户长期用地锁占用，其他住户无法停车。",
            "requests": "拆除地锁，公共车位按先到先停使用。",
            "risk_level": "low",
            "registered_on": today - timedelta(days=2),
        },
        [
            {
                "role": "applicant",
                "name": "郑国平",
                "sex": "male",
                "phone": "13712340003",
                "address": _place(13, "201室"),
            },
            {
                "role": "respondent",
                "name": "钱志刚",
                "sex": "male",
                "phone": "13712340004",
                "address": _place(13, "102室"),
            },
        ],
    )


def dog_oral_agreement(today):
    """Settled by an oral agreement six weeks ago: its follow-up visit is overdue on the mediator's home page."""
    mediator = _user("13800000002")
    community, grid = _unit("QX-WY-HL"), _unit("QX-WY-HL-01")
    case = _then(
        _on(today - timedelta(days=44), 8, 50),
        ops.register_case,
        mediator,
        community,
        {
            "source": "party_application",
            "category": "neighbour",
            "grid": grid,
            "address": _place(5),
            "summary": building_name(5) + "住户遛狗不牵绳，狗扑倒邻居家小孩，小孩膝盖擦伤。",
            "requests": "赔礼道歉，支付医药费，今后遛狗牵绳。",
            "risk_level": "low",
            "registered_on": today - timedelta(days=44),
        },
        [
            {
                "role": "applicant",
                "name": "何丽",
                "sex": "female",
                "phone": "13712340005",
                "address": _place(5, "302室"),
            },
            {
                "role": "respondent",
                "name": "冯建军",
                "sex": "male",
                "phone": "13712340006",
                "address": _place(5, "101室"),
            },
        ],
    )
    _then(_on(today - timedelta(days=44), 9, 15), ops.accept_case, mediator, case, mediator, today - timedelta(days=44))
    _then(_on(today - timedelta(days=44), 9, 20), ops.give_rights_notice, mediator, case, today - timedelta(days=44))
    _session(
        mediator,
        case,
        today - timedelta(days=42),
        "回龙社区调解室",
        "当场达成口头协议",
        "孩子受了惊吓，要求道歉并赔医药费。",
        "愿意道歉，赔偿医药费。",
        "何丽、冯建军、王丹丹",
    )
    _then(
        _on(today - timedelta(days=42), 11, 50),
        ops.record_agreement,
        mediator,
        case,
        {
            "form": "oral",
            "concluded_on": today - timedelta(days=42),
            "facts": "冯建军遛狗未牵绳，狗扑倒何丽之子，致其膝盖擦伤。",
            "issues": "道歉与医药费的赔偿。",
            "terms": "冯建军当场向何丽道歉，支付医药费300元；今后遛狗一律牵绳。",
            "oral_note": "双方当场履行完毕，医药费已付清。调解员王丹丹记录。",
        },
    )


def declined_inheritance(today):
    """Declined: a court has already taken the same dispute."""
    mediator = _user("13800000002")
    community = _unit("QX-WY-HL")
    case = _then(
        _on(today - timedelta(days=15), 10, 30),
        ops.register_case,
        mediator,
        community,
        {
            "source": "party_application",
            "category": "marriage_family",
            "address": _place(10),
            "summary": "兄妹三人对父亲遗留的" + _place(10) + "住房如何分配有争议。",
            "requests": "按份额分割房屋。",
            "risk_level": "medium",
            "registered_on": today - timedelta(days=15),
        },
        [
            {"role": "applicant", "name": "蒋文斌", "sex": "male", "phone": "13712340007"},
            {"role": "respondent", "name": "蒋文华", "sex": "female", "phone": "13712340008"},
            {"role": "respondent", "name": "蒋文丽", "sex": "female"},
        ],
    )
    _then(
        _on(today - timedelta(days=14), 16),
        ops.decline_case,
        mediator,
        case,
        "清溪县人民法院已受理同一纠纷（人民调解法第十八条），告知当事人等候法院审理。",
    )


def crack_in_east_lake(today):
    """The other community's studio: a case its own mediator is working on."""
    mediator = _user("13800000007")
    community, grid = _unit("QX-WY-DH"), _unit("QX-WY-DH-01")
    case = _then(
        _on(today - timedelta(days=6), 15, 40),
        ops.register_case,
        mediator,
        community,
        {
            "source": "own_initiative",
            "category": "housing_homestead",
            "grid": grid,
            "building": _building(grid, 2, "东湖苑"),
            "room": "101",
            "address": _place(2, "101室", "东湖苑"),
            "summary": "101室装修拆改承重墙附近墙体，隔壁102室墙面出现裂缝。",
            "requests": "停止拆改，请专业机构鉴定，修复裂缝。",
            "risk_level": "high",
            "may_escalate": True,
            "registered_on": today - timedelta(days=6),
        },
        [
            {
                "role": "applicant",
                "name": "褚红梅",
                "sex": "female",
                "phone": "13712340009",
                "address": _place(2, "102室", "东湖苑"),
            },
            {
                "role": "respondent",
                "name": "卫东",
                "sex": "male",
                "phone": "13712340010",
                "address": _place(2, "101室", "东湖苑"),
            },
        ],
    )
    _then(_on(today - timedelta(days=5), 9), ops.accept_case, mediator, case, mediator, today - timedelta(days=5))


DEMO_CASES = (
    leaking_ceiling,
    noise_near_deadline,
    parking_just_registered,
    dog_oral_agreement,
    declined_inheritance,
    crack_in_east_lake,
)


def demo_steps():
    """One step per demo case (they need the users and units of app.core.demo)."""
    return [lambda make=make: make(local_today()) for make in DEMO_CASES]
