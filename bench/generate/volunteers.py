"""The help group's data (app.volunteers): at scale 100,000, 50,000 volunteers (each with an account, about one
in ten still waiting for approval) in every community, their teams and skills, 20,000 service events (a few
hundred still to come) and 500,000 service records; proportional at other scales (scale // 2 volunteers,
scale * 5 records, scale // 5 events).

``ctx.refs["volunteer"]`` is an approved volunteer with about a hundred records (the coordinator's page of one
volunteer). Rows are inserted with explicit ids (fast on SQLite), the big tables' indexes built after them."""

from datetime import date, timedelta

from sqlalchemy import func, select

from bench.generate.core import indexes_built_after, insert_rows, person_name

TEAMS = ["party_members", "grid_workers", "private_enterprises", "social_organisations", "police", "residents"]
SKILLS = ["维修", "医疗护理", "法律咨询", "心理疏导", "辅导功课", "陪伴聊天", "文体活动", "理发", "电脑手机"]
KINDS = ["warm_service", "home_visit", "repairs", "legal_advice", "health_advice", "tutoring", "culture", "other"]
SHOWCASE_RECORDS = 100


def _next_id(conn, ctx, table):
    return (conn.scalar(select(func.max(ctx.tables[table].c.id))) or 0) + 1


def _sequences_after(conn, ctx, *tables):
    """On PostgreSQL, move each table's id sequence past the explicit ids written into it (later inserts, by
    other generators or the app, take the next ones)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        last = select(func.coalesce(func.max(ctx.tables[table].c.id), 1)).scalar_subquery()
        conn.execute(select(func.setval(func.pg_get_serial_sequence(table, "id"), last)))


def volunteers(conn, scale, ctx):
    rng = ctx.rng
    communities = ctx.ids["community"]
    count = max(scale // 2, 10)
    # teams and skills of every community
    team_ids, skill_ids = {}, {}
    team_rows, skill_rows = [], []
    next_team, next_skill = _next_id(conn, ctx, "teams"), _next_id(conn, ctx, "skills")
    for community in communities:
        for kind in TEAMS:
            team_ids.setdefault(community, []).append(next_team)
            team_rows.append({"id": next_team, "org_unit_id": community, "kind": kind})
            next_team += 1
        for order, name in enumerate(SKILLS):
            skill_ids.setdefault(community, []).append(next_skill)
            skill_rows.append({"id": next_skill, "org_unit_id": community, "name": name, "sort_order": order})
            next_skill += 1
    insert_rows(conn, ctx, "teams", team_rows)
    insert_rows(conn, ctx, "skills", skill_rows)

    first_user = _next_id(conn, ctx, "users")
    first_volunteer = _next_id(conn, ctx, "volunteers")
    homes = {}  # volunteer id -> community
    approved = []
    users, people, roles, teams, skills = [], [], [], [], []
    for i in range(count):
        user_id, volunteer_id = first_user + i, first_volunteer + i
        community = communities[i % len(communities)]
        applied = ctx.now - timedelta(days=rng.randrange(30, 900))
        status = "applied" if i % 10 == 9 else "approved"
        users.append(
            {
                "id": user_id,
                "phone": f"159{i:08d}",
                "name": person_name(rng),
                "password_hash": ctx.password_hash,
                "active": True,
                "org_unit_id": community,
                "handling_unit_id": None,
                "locale": None,
                "login_token": f"v{i:031d}",
                "created_at": applied,
                "last_login_at": None,
            }
        )
        roles.append({"user_id": user_id, "role": "volunteer"})
        people.append(
            {
                "id": volunteer_id,
                "user_id": user_id,
                "org_unit_id": community,
                "number": f"LSB{i:07d}" if status == "approved" else None,
                "status": status,
                "status_reason": None,
                "sex": "female" if i % 2 else "male",
                "birth_month": date(1950 + i % 50, 1 + i % 12, 1),
                "building_id": None,
                "room": None,
                "id_number": None,
                "availability": 1 + i % 63,
                "consent_at": applied,
                "consent_version": "2026-11",
                "applied_at": applied,
                "decided_at": applied + timedelta(days=2) if status == "approved" else None,
                "decided_by_id": ctx.ids["admin"][0] if status == "approved" else None,
            }
        )
        homes[volunteer_id] = community
        if status == "approved":
            approved.append(volunteer_id)
        for team in rng.sample(team_ids[community], 1 + (i % 3 == 0)):
            teams.append({"volunteer_id": volunteer_id, "team_id": team})
        for skill in rng.sample(skill_ids[community], 1 + i % 3):
            skills.append({"volunteer_id": volunteer_id, "skill_id": skill})
    insert_rows(conn, ctx, "users", users)
    insert_rows(conn, ctx, "user_roles", roles)
    with indexes_built_after(conn, ["volunteers"]):
        insert_rows(conn, ctx, "volunteers", people)
    insert_rows(conn, ctx, "volunteer_teams", teams)
    insert_rows(conn, ctx, "volunteer_skills", skills)
    _sequences_after(conn, ctx, "teams", "skills", "users", "volunteers")
    ctx.ids["volunteer"] = approved
    ctx.maps["volunteer_community"] = homes
    ctx.maps["community_skills"] = skill_ids
    ctx.refs["volunteer"] = approved[0]
    ctx.refs["volunteer_community"] = homes[approved[0]]  # the community of the poster the sign-up row opens


def service_events(conn, scale, ctx):
    rng = ctx.rng
    communities = ctx.ids["community"]
    users = ctx.ids["user"]
    count = max(scale // 5, 10)
    first = _next_id(conn, ctx, "service_events")
    rows, skills = [], []
    events_of = {}
    for i in range(count):
        event_id = first + i
        community = communities[i % len(communities)]
        upcoming = i % 50 == 0
        starts = ctx.now + timedelta(days=1 + i % 30) if upcoming else ctx.now - timedelta(days=1 + rng.randrange(700))
        starts = starts.replace(minute=0, second=0, microsecond=0)
        rows.append(
            {
                "id": event_id,
                "org_unit_id": community,
                "title": "暖心服务" if i % 3 else "上门探访",
                "kind": KINDS[i % len(KINDS)],
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "place": "党群服务中心",
                "description": None,
                "capacity": 10,
                "leader_id": users[i % len(users)],
                "beneficiary_count": rng.randrange(0, 40),
                "series_id": None,
                "status": "planned" if upcoming else "completed",
                "cancel_reason": None,
                "created_by_id": ctx.ids["admin"][0],
                "created_at": starts - timedelta(days=7),
                "confirmed_at": None if upcoming else starts + timedelta(hours=3),
                "confirmed_by_id": None if upcoming else ctx.ids["admin"][0],
            }
        )
        skills.append({"event_id": event_id, "skill_id": ctx.maps["community_skills"][community][i % len(SKILLS)]})
        if not upcoming:
            events_of.setdefault(community, []).append((event_id, starts))
    with indexes_built_after(conn, ["service_events"]):
        insert_rows(conn, ctx, "service_events", rows)
    insert_rows(conn, ctx, "service_event_skills", skills)
    _sequences_after(conn, ctx, "service_events")
    ctx.maps["past_events"] = events_of


def service_records(conn, scale, ctx):
    """scale * 5 records: the showcase volunteer gets SHOWCASE_RECORDS, the others share the rest."""
    rng = ctx.rng
    approved = ctx.ids["volunteer"]
    homes = ctx.maps["volunteer_community"]
    events_of = ctx.maps["past_events"]
    count = max(scale * 5, 100)
    showcase = ctx.refs["volunteer"]
    first = _next_id(conn, ctx, "service_records")

    def rows():
        for i in range(count):
            volunteer_id = showcase if i < SHOWCASE_RECORDS else approved[rng.randrange(len(approved))]
            community = homes[volunteer_id]
            event_id, starts = rng.choice(events_of[community])
            yield {
                "id": first + i,
                "org_unit_id": community,
                "volunteer_id": volunteer_id,
                "event_id": event_id,
                "participation_id": None,
                "project": "暖心服务",
                "served_on": starts.date(),
                "place": "党群服务中心",
                "beneficiary": None,
                "content": "探访",
                "hours": (1 + i % 4) / 2,
                "quality": "good",
                "leader_id": ctx.ids["admin"][0],
                "recorder_id": ctx.ids["admin"][0],
                "created_at": starts + timedelta(hours=3),
                "correction_status": None,
                "correction_hours": None,
                "correction_reason": None,
                "correction_requested_at": None,
                "correction_decided_at": None,
                "correction_decided_by_id": None,
                "correction_note": None,
            }

    with indexes_built_after(conn, ["service_records"]):
        insert_rows(conn, ctx, "service_records", rows())
    _sequences_after(conn, ctx, "service_records")


GENERATORS = [volunteers, service_events, service_records]
GROWS = {"volunteers", "service_events", "service_records", "volunteer_skills", "volunteer_teams"}
