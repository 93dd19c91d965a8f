"""Demo data of the help group of 回龙社区: teams and skills, approved volunteers (the demo accounts 李晓梅 and
孙秀英 among them, both logging in with the demo password), one application waiting, events past and coming,
and the service records of the past ones; the care roster (two residents due a visit), a help request from the
grid worker's walk and a certificate; each step at the time its story tells (``clock_at``).

All people are fictional."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.core.demo import DEMO_PASSWORD
from app.core.models import Building, OrgUnit, User
from app.core.roles import Role
from app.core.types import clock_at, utcnow
from app.extensions import db
from app.volunteers import operations as ops
from app.volunteers.models import Availability, EventKind, Quality, Sex, TeamKind, Volunteer, VolunteerStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMMUNITY = "QX-WY-HL"

# phone, name, sex, year of birth, teams, skills; None for a demo account of app.core.demo (already a user)
PEOPLE = [
    ("13800000003", "李晓梅", Sex.female, 1983, [TeamKind.grid_workers], ["陪伴聊天", "电脑手机"]),
    ("13800000006", "孙秀英", Sex.female, 1957, [TeamKind.party_members, TeamKind.residents], ["陪伴聊天", "理发"]),
    ("13800000101", "钱国强", Sex.male, 1960, [TeamKind.party_members], ["维修"]),
    ("13800000102", "冯玉兰", Sex.female, 1965, [TeamKind.residents], ["医疗护理", "陪伴聊天"]),
    ("13800000103", "蒋志明", Sex.male, 1979, [TeamKind.police], ["法律咨询"]),
    ("13800000104", "沈佳怡", Sex.female, 1995, [TeamKind.social_organisations], ["心理疏导", "辅导功课"]),
    ("13800000105", "韩建军", Sex.male, 1972, [TeamKind.private_enterprises], ["维修", "电脑手机"]),
]
WAITING = ("13800000106", "杨桂芬", Sex.female, 1955, [TeamKind.residents], ["文体活动"])


def local(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def _community():
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == COMMUNITY))


def _user(phone):
    return db.session.scalar(select(User).where(User.phone == phone))


def _building(community, index):
    buildings = db.session.scalars(
        select(Building).join(OrgUnit, Building.grid_id == OrgUnit.id).where(OrgUnit.path.startswith(community.path))
    ).all()
    return buildings[index % len(buildings)].id if buildings else None


def _join(community, row, index, approve=True):
    phone, name, sex, year, teams, skills = row
    coordinator = _user("13800000005")
    user = _user(phone)
    data = {
        "phone": phone,
        "name": name,
        "sex": sex,
        "birth_month": date(year, 1 + index % 12, 1),
        "building_id": _building(community, index),
        "room": f"{1 + index % 6}0{1 + index % 3}",
        "teams": teams,
        "skills": skills,
        "availability": [Availability.weekday_morning, Availability.weekend_afternoon],
        "consent": True,
        "password": DEMO_PASSWORD,
    }
    if user is None:
        volunteer = ops.join(community, data)
    else:  # a demo account of app.core.demo: its application is added to the account it has
        volunteer = Volunteer(
            user=user,
            org_unit_id=community.id,
            sex=sex,
            birth_month=data["birth_month"],
            building_id=data["building_id"],
            room=data["room"],
            availability=Availability.to_bits(data["availability"]),
            consent_at=utcnow(),
            consent_version=ops.CONSENT_VERSION,
            teams=ops.teams_for(community, teams),
            skills=ops.skills_for(community, skills),
        )
        if not user.has_role(Role.volunteer):
            user.set_roles(user.roles | {Role.volunteer})
        db.session.add(volunteer)
        db.session.flush()
    if approve and volunteer.status == VolunteerStatus.applied:
        ops.approve(coordinator, volunteer)
    return volunteer


def demo_steps():
    def people():
        community = _community()
        if community is None:
            return
        ops.skills_for(community, ops.DEFAULT_SKILLS)
        with clock_at(utcnow() - timedelta(days=60)):
            for index, row in enumerate(PEOPLE):
                _join(community, row, index)
        _join(community, WAITING, len(PEOPLE), approve=False)

    def events():
        community = _community()
        if community is None:
            return
        coordinator = _user("13800000005")
        leader = _user("13800000101")
        today = utcnow().astimezone(SHANGHAI).date()
        # a weekly visit to elderly residents living alone: four weeks back, two ahead
        first = today - timedelta(days=28 - (5 - today.weekday()) % 7)
        with clock_at(local(first, 8) - timedelta(days=3)):
            visits = ops.create_events(
                coordinator,
                community,
                {
                    "title": "暖心服务：独居老人上门探访",
                    "kind": EventKind.warm_service,
                    "starts_at": local(first, 9),
                    "ends_at": local(first, 11, 30),
                    "place": "回龙社区党群服务中心集合",
                    "description": "两人一组上门探访独居老人，陪伴聊天、检查水电燃气安全。",
                    "capacity": 4,
                    "leader": leader,
                    "beneficiary_count": 12,
                    "repeat_weeks": 6,
                    "skills": ops.skills_for(community, ["陪伴聊天"]),
                },
            )
        repairs_day = today + timedelta(days=3)
        ops.create_events(
            coordinator,
            community,
            {
                "title": "便民维修：小家电和水龙头",
                "kind": EventKind.repairs,
                "starts_at": local(repairs_day, 14),
                "ends_at": local(repairs_day, 17),
                "place": "回龙社区广场",
                "capacity": 3,
                "leader": leader,
                "beneficiary_count": 30,
                "skills": ops.skills_for(community, ["维修", "电脑手机"]),
            },
        )
        helpers = [_user(row[0]) for row in PEOPLE]
        for number, event in enumerate(visits):
            starts = event.starts_at
            with clock_at(starts - timedelta(days=2)):
                for helper in helpers[number % 3 : number % 3 + 4]:
                    ops.sign_up(helper, event)
            if event.ends_at > utcnow():
                continue
            with clock_at(event.ends_at + timedelta(hours=1)):
                for participation in event.participations:
                    if participation.status.value == "signed_up":
                        ops.mark_attendance(leader, event, participation, True)
                ops.confirm_hours(
                    leader, event, {}, Quality.good, "上门探访独居老人，检查水电燃气安全。", "独居老人12户"
                )
        db.session.flush()

    return [people, events, care]


def care():
    """The care roster (two residents due a visit, so the coordinator's page shows the alert), a help request
    from the grid worker's walk, and 孙秀英's certificate of the visits she made."""
    community = _community()
    if community is None:
        return
    from app.volunteers import certificates, help_requests, queries, roster

    coordinator = _user("13800000005")
    today = utcnow().astimezone(SHANGHAI).date()
    with clock_at(utcnow() - timedelta(days=45)):
        for index, row in enumerate(ROSTER):
            name, room, needs, health, contact, frequency, last_visit = row
            roster.save_entry(
                coordinator,
                community,
                None,
                {
                    "resident_name": name,
                    "building_id": _building(community, index),
                    "room": room,
                    "phone": f"1380000020{index + 1}",
                    "needs": needs,
                    "health_notes": health,
                    "contact_person": contact,
                    "contact_phone": f"1380000021{index + 1}",
                    "visit_frequency": frequency,
                    "last_visited_on": today - timedelta(days=last_visit),
                },
            )
    with clock_at(utcnow() - timedelta(hours=20)):
        help_requests.ask(
            _user("13800000003"),
            community,
            {
                "description": "巡查发现3幢102室独居的王奶奶家防盗门锁坏了，门关不上，需要会修锁的志愿者上门。",
                "place": "3幢102室",
                "wanted_on": today + timedelta(days=1),
                "skills": ["维修"],
            },
        )
    with clock_at(utcnow() - timedelta(days=1)):
        volunteer = queries.volunteer_of(_user("13800000006"))
        certificates.issue(coordinator, volunteer, "参加暖心服务独居老人上门探访。")
    db.session.flush()


# name, room, needs, health, contact person, visit frequency, days since the last visit; all fictional
ROSTER = [
    ("王桂兰", "102", "独居，腿脚不便，需要代买药品和日用品。", "高血压，每天服药。", "王建华（儿子）", "weekly", 12),
    (
        "赵德明",
        "301",
        "肢体残疾，独居，需要陪伴聊天和检查水电燃气。",
        "右腿截肢，使用轮椅。",
        "赵丽（女儿）",
        "fortnightly",
        5,
    ),
    ("陈秀珍", "504", "老伴去世后独居，希望有人定期上门陪伴。", None, "陈刚（侄子）", "monthly", 40),
]
