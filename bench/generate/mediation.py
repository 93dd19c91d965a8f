"""The mediation studio's data (app.mediation): a studio per community with mediators of its own, and
``scale`` cases with their parties and, for some, their sessions, agreements, visits, files and timeline.

Two cases the benchmark opens (``ctx.refs["case_2_parties"]`` and ``["case_6_parties"]``, see
``mediation_cases``) are the ids behind the case-page rows of ``bench/run/pages/mediation.py``.
"""

import secrets
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text

from bench.generate.core import (
    BATCH_SIZE,
    BUILDINGS_PER_GRID,
    GRIDS_PER_COMMUNITY,
    indexes_built_after,
    insert_rows,
    insert_sparse,
    person_name,
)

STUDIO_PLACES = [
    "回龙",
    "东湖",
    "桂花",
    "清溪",
    "舞阳",
    "南门",
    "北关",
    "西城",
    "杨柳",
    "青石",
    "白沙",
    "金桥",
    "龙井",
    "新华",
    "红星",
    "柳营",
    "凤凰",
    "梅岭",
    "石桥",
    "望江",
]
MEDIATORS_PER_COMMUNITY = 3
CASE_DAYS = 730  # cases were registered over the last two years, oldest first
SHOWCASE_AGE = 60  # days: the cases the bench opens were registered this long ago

CATEGORIES = (
    ["neighbour"] * 22
    + ["marriage_family"] * 18
    + ["property_management"] * 12
    + ["housing_homestead"] * 8
    + ["contract"] * 7
    + ["damages"] * 7
    + ["labour"] * 5
    + ["consumer"] * 4
    + ["traffic"] * 4
    + ["production_business"] * 3
    + ["environment"] * 3
    + ["medical"] * 2
    + ["forest_land", "land_requisition"]
    + ["other"] * 3
)
SOURCES = (
    ["party_application"] * 45
    + ["grid_report"] * 20
    + ["own_initiative"] * 12
    + ["hotline_12345"] * 10
    + ["police_referral"] * 7
    + ["court_referral"] * 3
    + ["government_assignment"] * 3
)
# Where a case stands, by its age in days: young cases are open, old ones mostly archived.
OUTCOMES_BY_AGE = [
    (3, ["registered"] * 70 + ["accepted"] * 20 + ["declined"] * 5 + ["referred"] * 5),
    (
        10,
        ["registered"] * 5
        + ["accepted"] * 25
        + ["in_mediation"] * 50
        + ["agreement_reached"] * 5
        + ["declined"] * 5
        + ["referred"] * 5
        + ["withdrawn"] * 5,
    ),
    (
        45,
        ["accepted"] * 5
        + ["in_mediation"] * 25
        + ["agreement_reached"] * 40
        + ["followed_up"] * 5
        + ["ended"] * 10
        + ["withdrawn"] * 5
        + ["declined"] * 5
        + ["referred"] * 5,
    ),
    (
        None,
        ["in_mediation"] * 2
        + ["agreement_reached"] * 3
        + ["followed_up"] * 20
        + ["ended"] * 7
        + ["withdrawn"] * 4
        + ["declined"] * 4
        + ["referred"] * 5
        + ["archived"] * 55,
    ),
]
# What an archived case went through before it was archived.
BEFORE_ARCHIVE = ["followed_up"] * 70 + ["ended"] * 12 + ["withdrawn"] * 6 + ["declined"] * 6 + ["referred"] * 6
SUMMARIES = {
    "neighbour": [
        "楼上卫生间漏水，楼下天花板发霉，两户多次争吵",
        "邻居在楼道堆放杂物，影响通行，双方发生口角",
        "楼上夜间噪音扰民，楼下多次敲门理论未果",
        "邻居空调外机正对卧室窗户，噪音和热风影响休息",
    ],
    "marriage_family": [
        "子女对老人赡养费分担有分歧",
        "夫妻因家务和子女教育长期争吵，女方要求分居",
        "兄弟姐妹对父母遗留房屋的分配有争议",
    ],
    "property_management": [
        "业主拖欠物业费两年，物业公司停止门禁卡服务",
        "小区电梯多次故障，业主要求物业赔偿",
        "地下车库漏水损坏业主车辆",
    ],
    "housing_homestead": ["两户宅基地界址不清，围墙位置有争议", "租户到期不搬离，房东要求腾房"],
    "contract": ["装修公司工期拖延且质量不合格，业主拒付尾款", "借款到期未还，出借人多次催讨无果"],
    "damages": ["电动车相撞致一人受伤，医药费分担有争议", "宠物狗咬伤邻居小孩，赔偿数额谈不拢"],
    "labour": ["小区保洁员被拖欠三个月工资", "装修工人施工受伤，包工头不愿承担医疗费"],
}
GENERIC_SUMMARIES = ["双方因经济往来发生纠纷，多次协商未果", "双方对赔偿数额意见不一，情绪激动"]
REQUESTS = ["要求对方赔偿损失并赔礼道歉", "要求尽快修复并承担维修费用", "要求按约定履行义务", None]
DECLINE_REASONS = ["一方已向人民法院起诉", "纠纷不属于人民调解范围", "当事人一方明确拒绝调解"]
REFERRALS = [
    ("基准派出所", "涉及治安案件"),
    ("基准县劳动人事争议仲裁委员会", "劳动争议，告知申请仲裁"),
    ("基准县人民法院诉调对接中心", "当事人要求诉讼"),
    ("基准街道城建办", "涉及违章搭建"),
]
WITHDRAW_REASONS = ["双方已自行和解", "申请人表示不再追究", "申请人搬离本小区"]
END_REASONS = ["双方分歧较大，经三次调解未能达成协议", "被申请人拒绝继续调解"]
OTHER_ROUTES = "向人民法院提起诉讼；申请仲裁；向有关行政部门投诉。"
TERMS = [
    "被申请人于十五日内修复漏水部位，并赔偿申请人损失人民币3000元",
    "双方约定各自清理楼道杂物，今后保持通道畅通",
    "被申请人分三期偿还借款，每期5000元",
    "子女三人每月各承担赡养费800元，按月转账",
]
RISKS = ["low"] * 6 + ["medium"] * 3 + ["high"]
SEXES = ["male", "female", "male", "female", None]
SESSION_COUNTS = [1, 1, 1, 2, 2, 3]
PERFORMANCES = ["performed"] * 8 + ["partly", "not_performed"]
SATISFACTIONS = ["satisfied", "satisfied", "basically_satisfied", "unsatisfied"]
DETAIL_EVERY = 10  # 1 case in 10 gets its sessions, agreement, visits, files and timeline as rows
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def id_number(rng):
    """A well-formed mainland ID number (area code, birth date, sequence, GB 11643 check digit)."""
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 62))
    body = f"110105{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def at(day, hour=9, minute=0):
    """A UTC time on a local (Asia/Shanghai) day."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def mediation_studios(conn, scale, ctx):
    """A studio per community, and ``MEDIATORS_PER_COMMUNITY`` mediators at each."""
    rng = ctx.rng
    communities = ctx.ids["community"]
    studios, users, roles = [], [], []
    for i, community in enumerate(communities):
        place = STUDIO_PLACES[i % len(STUDIO_PLACES)] + (
            str(i // len(STUDIO_PLACES)) if i >= len(STUDIO_PLACES) else ""
        )
        studios.append(
            {
                "org_unit_id": community,
                "name": f"{place}社区调解工作室",
                "committee_name": f"{place}社区人民调解委员会",
                "number_prefix": f"{place}调",
                "number_format": "{prefix}〔{year}〕第{seq:06d}号",
                "follow_up_days": 30,
                "retention_years": 10,
                "address": f"{place}社区党群服务中心二楼",
                "phone": f"0731-8{i:07d}",
            }
        )
        for m in range(MEDIATORS_PER_COMMUNITY):
            users.append(
                {
                    "phone": f"136{i * MEDIATORS_PER_COMMUNITY + m:08d}",
                    "name": person_name(rng),
                    "password_hash": ctx.password_hash,
                    "active": True,
                    "org_unit_id": community,
                    "handling_unit_id": None,
                    "locale": None,
                    "login_token": secrets.token_hex(16),
                    "created_at": ctx.now - timedelta(days=800),
                    "last_login_at": None,
                }
            )
            roles.append(["mediator", "grid_worker"] if m == 2 else ["mediator"])
    studio_ids = insert_rows(conn, ctx, "mediation_studios", studios, returning_ids=True)
    user_ids = insert_rows(conn, ctx, "users", users, returning_ids=True)
    insert_rows(
        conn,
        ctx,
        "user_roles",
        (
            {"user_id": user_id, "role": role}
            for user_id, user_roles in zip(user_ids, roles, strict=True)
            for role in user_roles
        ),
    )
    ctx.ids["user"].extend(user_ids)
    ctx.ids["mediator"] = user_ids
    ctx.maps["studio"] = {
        community: {
            "id": studio_id,
            "prefix": row["number_prefix"],
            "name": row["name"],
            "format": row["number_format"],
        }
        for community, studio_id, row in zip(communities, studio_ids, studios, strict=True)
    }
    names = {user_id: row["name"] for user_id, row in zip(user_ids, users, strict=True)}
    ctx.maps["mediator_name"] = names
    ctx.maps["community_mediators"] = {
        community: user_ids[i * MEDIATORS_PER_COMMUNITY : (i + 1) * MEDIATORS_PER_COMMUNITY]
        for i, community in enumerate(communities)
    }
    for user_id, row, user_roles in zip(user_ids, users, roles, strict=True):
        ctx.maps["user_unit"][user_id] = row["org_unit_id"]
        ctx.maps["user_roles"][user_id] = user_roles


class CasePlan:
    """One case being made: its row, and (for a case with ``detail``) the rows of its children, without
    case_id yet."""

    def __init__(self, row, detail):
        self.row = row
        self.detail = detail
        self.home = ""
        self.parties, self.sessions, self.agreements, self.follow_ups = [], [], [], []
        self.helpers, self.attachments, self.events = [], [], []

    def event(self, day, actor, kind, summary, from_status=None, to_status=None, hour=10):
        if self.detail:
            self.events.append(
                {
                    "at": at(day, hour, len(self.events)),
                    "actor_id": actor,
                    "kind": kind,
                    "from_status": from_status,
                    "to_status": to_status,
                    "summary": summary,
                }
            )


CASE_COLUMNS = [
    "studio_id",
    "year",
    "seq",
    "number",
    "org_unit_id",
    "grid_id",
    "building_id",
    "room",
    "address",
    "source",
    "category",
    "summary",
    "requests",
    "risk_level",
    "may_escalate",
    "status",
    "occurred_on",
    "registered_on",
    "accepted_on",
    "due_on",
    "extended",
    "extension_reason",
    "closed_on",
    "archived_at",
    "presiding_mediator_id",
    "registered_by_id",
    "referred_by_id",
    "decline_reason",
    "referred_to",
    "referral_note",
    "end_reason",
    "other_routes",
    "withdraw_reason",
    "rights_notice_on",
    "rights_notice_by_id",
    "file_number",
    "archived_by_id",
    "retention_until",
    "created_at",
]
EMPTY_VISIT = {
    "done_on": None,
    "method": None,
    "performance": None,
    "applicant_satisfaction": None,
    "respondent_satisfaction": None,
    "flare_up": False,
    "lawsuit": False,
    "note": None,
    "done_by_id": None,
}


class CaseMaker:
    """Plans realistic cases: parties, a consistent history of dates and statuses and, for a case with
    ``detail``, its sessions, agreement, follow-up visits, files and timeline."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = (ctx.now + timedelta(hours=8)).date()
        self.communities = ctx.ids["community"]
        grids = ctx.ids["grid"]
        self.grids = {
            c: grids[i * GRIDS_PER_COMMUNITY : (i + 1) * GRIDS_PER_COMMUNITY] for i, c in enumerate(self.communities)
        }
        buildings = ctx.ids["building"]
        # (building id, "street address + building name") of each grid, as org_tree made them
        self.buildings = {
            grid: [
                (buildings[g * BUILDINGS_PER_GRID + b], f"基准路{g * BUILDINGS_PER_GRID + b + 1}号{b + 1}幢")
                for b in range(BUILDINGS_PER_GRID)
            ]
            for g, grid in enumerate(grids)
        }
        roles, units = ctx.maps["user_roles"], ctx.maps["user_unit"]
        self.grid_workers = {}
        for user_id, user_roles in roles.items():
            if "grid_worker" in user_roles and units[user_id] in self.buildings:
                self.grid_workers.setdefault(units[user_id], []).append(user_id)
        self.names = [person_name(self.rng) for _ in range(20_000)]  # common names repeat, as they do
        self.id_numbers = [id_number(self.rng) for _ in range(5_000)]
        self.seq = {}

    def pick(self, items):
        return items[int(self.rng.random() * len(items))]

    def new_case(self, registered_on, community, detail):
        rng, ctx, pick = self.rng, self.ctx, self.pick
        studio = ctx.maps["studio"][community]
        key = (studio["id"], registered_on.year)
        self.seq[key] = seq = self.seq.get(key, 0) + 1
        grid = pick(self.grids[community])
        building, home = pick(self.buildings[grid])
        room = f"{int(rng.random() * 18) + 1}0{int(rng.random() * 4) + 1}室"
        category = pick(CATEGORIES)
        source = pick(SOURCES)
        registrar = pick(ctx.maps["community_mediators"][community])
        referrer = pick(self.grid_workers[grid]) if source == "grid_report" and self.grid_workers.get(grid) else None
        row = dict.fromkeys(CASE_COLUMNS)
        row.update(
            studio_id=studio["id"],
            year=registered_on.year,
            seq=seq,
            number=studio["format"].format(prefix=studio["prefix"], year=registered_on.year, seq=seq),
            org_unit_id=community,
            grid_id=grid,
            building_id=building,
            room=room,
            address=home + room,
            source=source,
            category=category,
            summary=pick(SUMMARIES.get(category, GENERIC_SUMMARIES)),
            requests=pick(REQUESTS),
            risk_level=pick(RISKS),
            may_escalate=rng.random() < 0.08,
            status="registered",
            occurred_on=registered_on - timedelta(days=int(rng.random() * 90) + 1),
            registered_on=registered_on,
            extended=False,
            registered_by_id=registrar,
            referred_by_id=referrer,
            created_at=at(registered_on, 9, int(rng.random() * 60)),
        )
        plan = CasePlan(row, detail)
        plan.home = home
        plan.event(registered_on, registrar, "registered", "登记立案", to_status="registered", hour=9)
        return plan

    def add_parties(self, plan, count):
        rng, row, pick = self.rng, plan.row, self.pick
        for position in range(count):
            role = "applicant" if position == 0 else "respondent" if position == 1 or rng.random() < 0.5 else "other"
            at_home = position == 0 or rng.random() < 0.6
            if position == 0:
                address = row["address"]
            elif at_home:
                address = f"{plan.home}{int(rng.random() * 18) + 1}0{int(rng.random() * 4) + 1}室"
            else:
                address = f"基准路{int(rng.random() * 2000) + 1}号"
            plan.parties.append(
                {
                    "position": position,
                    "role": role,
                    "name": pick(self.names),
                    "sex": pick(SEXES),
                    "phone": f"1{pick('35789')}{int(rng.random() * 1e9):09d}",
                    "id_number": pick(self.id_numbers) if rng.random() < 0.6 else None,
                    "address": address,
                    "building_id": row["building_id"] if at_home else None,
                    "room": row["room"] if position == 0 else None,
                    "representative": f"{pick(self.names)}（亲属）" if rng.random() < 0.05 else None,
                }
            )

    def later(self, day, low, high):
        """A day ``low``..``high`` days after ``day``, never after today."""
        return min(day + timedelta(days=low + int(self.rng.random() * (high - low + 1))), max(day, self.today))

    def play(self, plan, outcome, sessions=None, follow_ups=1, helper=None):
        """Take the case through the workflow to ``outcome``, as the operations would."""
        rng, row, pick, detail = self.rng, plan.row, self.pick, plan.detail
        names = self.ctx.maps["mediator_name"]
        mediators = self.ctx.maps["community_mediators"][row["org_unit_id"]]
        archived = outcome == "archived"
        path = pick(BEFORE_ARCHIVE) if archived else outcome
        day = row["registered_on"]
        actor = row["registered_by_id"]

        def move(to_status, kind, summary, when):
            plan.event(when, actor, kind, summary, from_status=row["status"], to_status=to_status)
            row["status"] = to_status

        if path in ("declined", "referred") or (path == "withdrawn" and rng.random() < 0.3):
            day = row["closed_on"] = self.later(day, 0, 3)
            if path == "declined":
                row["decline_reason"] = pick(DECLINE_REASONS)
                move("declined", "declined", f"不予受理：{row['decline_reason']}", day)
            elif path == "referred":
                row["referred_to"], row["referral_note"] = pick(REFERRALS)
                move("referred", "referred", f"移送{row['referred_to']}", day)
            else:
                row["withdraw_reason"] = pick(WITHDRAW_REASONS)
                move("withdrawn", "withdrawn", f"撤回：{row['withdraw_reason']}", day)
        elif path != "registered":
            presiding = actor = pick(mediators)
            day = row["accepted_on"] = self.later(day, 0, 2)
            row["presiding_mediator_id"] = presiding
            row["due_on"] = day + timedelta(days=30)
            move("accepted", "accepted", f"受理；主持调解员{names[presiding]}", day)
            if detail and (helper or (helper is None and rng.random() < 0.1)):
                co = next(m for m in mediators if m != presiding)
                plan.helpers.append(
                    {"kind": "co_mediator", "user_id": co, "name": names[co], "organisation": None, "active": True}
                )
                plan.event(day, actor, "helper_added", f"协助调解员{names[co]}加入")
            if path != "accepted" or rng.random() < 0.5:
                row["rights_notice_on"], row["rights_notice_by_id"] = day, presiding
                plan.event(day, actor, "rights_notice", "已告知当事人权利义务")
            if path not in ("accepted", "withdrawn") or (path == "withdrawn" and rng.random() < 0.5):
                count = sessions or pick(SESSION_COUNTS)
                place = self.ctx.maps["studio"][row["org_unit_id"]]["name"]
                for n in range(count):
                    day = self.later(day, 1, 7)
                    if detail:
                        is_open = rng.random() < 0.9
                        plan.sessions.append(
                            {
                                "started_at": at(day, 9 + n, 30),
                                "place": place,
                                "is_open": is_open,
                                "closed_reason": None if is_open else "涉及个人隐私",
                                "attendees": "、".join(p["name"] for p in plan.parties) + "、" + names[presiding],
                                "applicant_statement": "申请人陈述了纠纷经过和诉求。",
                                "respondent_statement": "被申请人陈述了自己的理由。",
                                "evidence": "现场照片、收据" if rng.random() < 0.5 else None,
                                "outcome": "双方同意再次协商" if n < count - 1 else "双方意见趋于一致",
                                "recorder": names[presiding],
                                "created_by_id": presiding,
                                "created_at": at(day, 12),
                            }
                        )
                    if n == 0:
                        move("in_mediation", "mediation_started", "开始调解", day)
                    plan.event(day, actor, "session_recorded", f"记录调解笔录（{place}）")
            if path == "withdrawn":
                day = row["closed_on"] = self.later(day, 1, 5)
                row["withdraw_reason"] = pick(WITHDRAW_REASONS)
                move("withdrawn", "withdrawn", f"撤回：{row['withdraw_reason']}", day)
            elif path == "ended":
                day = row["closed_on"] = self.later(day, 0, 3)
                row["end_reason"], row["other_routes"] = pick(END_REASONS), OTHER_ROUTES
                move("ended", "ended", f"调解终结：{row['end_reason']}", day)
            elif path in ("agreement_reached", "followed_up"):
                day = row["closed_on"] = self.later(day, 0, 3)
                form = "written" if sessions or rng.random() < 0.8 else "oral"
                if detail:
                    written = form == "written"
                    plan.agreements.append(
                        {
                            "form": form,
                            "concluded_on": day,
                            "facts": row["summary"],
                            "issues": "责任划分与赔偿数额",
                            "responsibilities": "双方各自承担相应责任" if written else None,
                            "terms": pick(TERMS),
                            "performance_method": "现金支付" if written else None,
                            "performance_place": None,
                            "performance_deadline": day + timedelta(days=15),
                            "oral_note": None if written else "双方当场口头达成一致，调解员记录在册",
                            "confirmation_applied_on": None,
                            "confirmation_court": None,
                            "confirmation_result": None,
                            "confirmation_result_on": None,
                            "created_by_id": presiding,
                            "created_at": at(day, 15),
                        }
                    )
                move(
                    "agreement_reached",
                    "agreement_reached",
                    "达成书面调解协议" if form == "written" else "达成口头调解协议",
                    day,
                )
                due = day + timedelta(days=30)
                visit = dict(EMPTY_VISIT, due_on=due, assigned_to_id=presiding)
                if detail:
                    plan.follow_ups.append(visit)
                plan.event(day, actor, "follow_up_scheduled", f"回访定于{due.isoformat()}")
                if path == "followed_up":
                    day = self.later(day, 20, 35)
                    visit.update(
                        done_on=day,
                        method=pick(("phone", "doorstep")),
                        performance=pick(PERFORMANCES),
                        applicant_satisfaction=pick(SATISFACTIONS),
                        respondent_satisfaction=pick(SATISFACTIONS),
                        note="协议已履行，双方关系缓和",
                        done_by_id=presiding,
                    )
                    move("followed_up", "followed_up", "回访：协议已履行", day)
                    for n in range(1, follow_ups):  # further visits scheduled
                        next_visit = dict(
                            EMPTY_VISIT, due_on=self.today + timedelta(days=30 * n), assigned_to_id=presiding
                        )
                        if detail:
                            plan.follow_ups.append(next_visit)
                        plan.event(day, actor, "follow_up_scheduled", f"回访定于{next_visit['due_on'].isoformat()}")
                if detail and form == "written":
                    plan.attachments.append(
                        {
                            "kind": "signed_agreement",
                            "title": "调解协议书（签字版）",
                            "filename": "调解协议书.pdf",
                            "content_type": "application/pdf",
                            "size": 180_000,
                            "uploaded_by_id": presiding,
                            "uploaded_at": at(day, 16),
                        }
                    )
        if archived:
            archived_on = self.later(day, 3, 20)
            keep_until = archived_on + timedelta(days=3652)  # 10 years (the studio's retention_years)
            row.update(
                archived_at=at(archived_on, 17),
                archived_by_id=actor,
                file_number=row["number"],
                retention_until=keep_until,
            )
            if detail and not all(p["id_number"] for p in plan.parties):
                plan.attachments.append(
                    {
                        "kind": "party_id",
                        "title": "当事人身份证复印件",
                        "filename": "身份证.pdf",
                        "content_type": "application/pdf",
                        "size": 90_000,
                        "uploaded_by_id": actor,
                        "uploaded_at": at(archived_on, 16),
                    }
                )
            move("archived", "archived", f"归档；保管至{keep_until.isoformat()}", archived_on)
        return plan


CHILD_TABLES = [
    ("parties", "mediation_parties"),
    ("sessions", "mediation_sessions"),
    ("agreements", "mediation_agreements"),
    ("follow_ups", "mediation_follow_ups"),
    ("helpers", "mediation_case_helpers"),
    ("attachments", "mediation_attachments"),
    ("events", "mediation_case_events"),
]


def mediation_cases(conn, scale, ctx):
    """``scale`` cases over the last two years, with 2-3 parties each and a consistent history (status,
    dates, presiding mediator, reasons); 1 case in ``DETAIL_EVERY`` also gets its child rows (sessions,
    agreement, follow-up visits, co-mediator, files, timeline). Inserted in batches: the cases of a batch,
    then their children.

    Two cases registered ``SHOWCASE_AGE`` days ago in the first community are the same but for their
    parties (2 and 6): followed up, with 2 sessions, a written agreement, a done and a scheduled
    follow-up visit, a co-mediator, a file and a timeline; ``ctx.refs["case_2_parties"]`` and
    ``ctx.refs["case_6_parties"]`` are their ids. The case just before them is in mediation (overdue)
    with an applicant named 张…, so that a search for 张 among cases in mediation finds one at any scale.
    """
    rng = ctx.rng
    maker = CaseMaker(ctx)
    n_cases = max(10, scale)
    start = maker.today - timedelta(days=CASE_DAYS)
    days = [start + timedelta(days=CASE_DAYS * (i + 1) // n_cases) for i in range(n_cases)]
    showcase = min(n_cases - 2, max(0, round(n_cases * (1 - SHOWCASE_AGE / CASE_DAYS))))
    showcase_state = None
    cases = ctx.tables["mediation_cases"]
    next_id = (conn.scalar(select(func.max(cases.c.id))) or 0) + 1

    def plan(i):
        nonlocal showcase_state
        if i in (showcase, showcase + 1):
            # both from the same random state, so that only their parties differ
            if showcase_state is None:
                showcase_state = rng.getstate()
            else:
                rng.setstate(showcase_state)
            case = maker.new_case(days[showcase], ctx.ids["community"][0], detail=True)
            state = rng.getstate()
            maker.add_parties(case, 2 if i == showcase else 6)
            rng.setstate(state)
            return maker.play(case, "followed_up", sessions=2, follow_ups=2, helper=True)
        case = maker.new_case(days[i], maker.pick(maker.communities), detail=i % DETAIL_EVERY == 0)
        maker.add_parties(case, 3 if rng.random() < 0.3 else 2)
        if i == showcase - 1:
            # an overdue case in mediation with a party named 张…, so that the filtered list
            # (?status=in_mediation&q=张) is never empty, whatever the scale (an empty page runs fewer queries)
            case.parties[0]["name"] = "张" + case.parties[0]["name"][1:]
            return maker.play(case, "in_mediation")
        age = (maker.today - days[i]).days
        outcomes = next(choices for limit, choices in OUTCOMES_BY_AGE if limit is None or age < limit)
        return maker.play(case, maker.pick(outcomes))

    def insert_batch(first, plans):
        nonlocal next_id
        # explicit ids: on SQLite, RETURNING in id order would insert one row at a time
        ids = list(range(next_id, next_id + len(plans)))
        next_id += len(plans)
        insert_sparse(
            conn, ctx, "mediation_cases", (dict(p.row, id=case_id) for case_id, p in zip(ids, plans, strict=True))
        )
        for name, position in (("case_2_parties", showcase), ("case_6_parties", showcase + 1)):
            if first <= position < first + len(plans):
                ctx.refs[name] = ids[position - first]
        for attribute, table in CHILD_TABLES:
            rows = [
                dict(child, case_id=case_id)
                for case_id, p in zip(ids, plans, strict=True)
                for child in getattr(p, attribute)
            ]
            if attribute == "attachments":
                for child in rows:
                    child["stored_name"] = f"bench-{secrets.token_hex(12)}.pdf"
            if rows:
                insert_sparse(conn, ctx, table, rows)

    with indexes_built_after(conn, ["mediation_cases"] + [table for _attribute, table in CHILD_TABLES]):
        for first in range(0, n_cases, BATCH_SIZE):
            insert_batch(first, [plan(i) for i in range(first, min(first + BATCH_SIZE, n_cases))])
    if conn.dialect.name == "postgresql":  # the explicit ids went past the sequence
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('mediation_cases', 'id'), :last)"), {"last": next_id - 1}
        )


# In the order they run, after the foundation's (core.GENERATORS).
GENERATORS = [mediation_studios, mediation_cases]

# The tables filled here whose rows grow with the scale: the cases and their children (not the studios, one per
# community).
GROWS = {
    "mediation_cases",
    "mediation_parties",
    "mediation_sessions",
    "mediation_agreements",
    "mediation_follow_ups",
    "mediation_case_helpers",
    "mediation_attachments",
    "mediation_case_events",
    "mediation_recusals",
}
