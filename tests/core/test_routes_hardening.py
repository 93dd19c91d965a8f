"""Hostile URLs and query strings: ids beyond what the id columns hold, query arguments that url_for() would
take for itself, LIKE wildcards typed into searches, dates at the ends of the calendar, and which audit entries
an admin of a part of the tree may read. None of them may answer 5xx, and a refused request changes no row."""

import re

import pytest
from flask import url_for
from sqlalchemy import BigInteger, Integer, select
from werkzeug.routing import IntegerConverter

from app.core import operations
from app.core.models import OrgUnit, User
from app.extensions import db
from app.mediation.models import Case
from tests.conftest import ROLES, database_rows, make_user, page_text, translated
from tests.mediation.factories import leak_parties, make_case

# ids are INTEGER columns, 32 bits on PostgreSQL: a larger number in a URL would fail in the database
LARGEST_ID = 2**31 - 1  # accepted by the URL, found in no table
HUGE_IDS = [2**31, 2**63 - 1, 2**63, 2**64, 10**20]
BAD_ID_TEXTS = ["007", "+7", "-7", "٣", "1e3", " 7"]

# what url_for() would take for itself, or chokes on, if a page copied the query string into it
JUNK_ARGS = {
    "endpoint": "x",
    "_method": "POST",
    "_external": "1",
    "_anchor": "x",
    "_scheme": "javascript",
    "values": "x",
    "page": "2",
}


def int_rules(app):
    """Every URL rule with an ``int`` argument, with the names of those arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        names = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if names:
            found.append((rule, names))
    return found


def rule_url(app, rule, value):
    """The rule's URL with every ``int`` argument set to ``value`` (built as url_for() would build it)."""
    with app.test_request_context():
        return url_for(rule.endpoint, **dict.fromkeys(rule.arguments, value))


def methods_of(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def send(client, method, url):
    return client.open(url, method=method, data={} if method == "POST" else None)


# --- ids in URLs -------------------------------------------------------------------------------------


def test_the_int_converter_is_bounded_everywhere(app):
    rules = int_rules(app)
    assert len(rules) >= 20  # the case pages, the admin's records, notifications
    for rule, _names in rules:
        for name in rule.arguments:
            converter = rule._converters[name]
            assert converter.to_python("1") == 1 and converter.to_python(str(LARGEST_ID)) == LARGEST_ID


def test_every_id_is_a_32_bit_integer(app):
    """The bound of the URLs is that of the ids: a BIGINT key would need a wider one."""
    for table in db.metadata.tables.values():
        for column in table.primary_key:
            if isinstance(column.type, Integer):
                assert not isinstance(column.type, BigInteger), f"{table.name}.{column.name}"


@pytest.mark.parametrize("role", ["anonymous", "admin", "mediator", "grid_worker"])
def test_ids_beyond_the_id_columns_are_not_found(app, client, login_as, world, role):
    make_case(app, world, upto="agreement")
    login_as(role)
    with app.app_context():
        before = database_rows()
    for rule, _names in int_rules(app):
        for value in HUGE_IDS:
            url = rule_url(app, rule, value)
            for method in methods_of(rule):
                response = send(client, method, url)
                assert response.status_code == 404, f"{method} {url} as {role}: {response.status_code}"
    with app.app_context():
        assert database_rows() == before


def test_ids_with_signs_zeros_or_other_digits_are_not_found(app, client, login_as, world):
    case_id = make_case(app, world, upto="registered")
    login_as("mediator")
    assert client.get(f"/mediation/cases/{case_id}").status_code == 200
    for text in BAD_ID_TEXTS:
        for url in (f"/mediation/cases/{text}", f"/mediation/cases/{text}{case_id}/status"):
            assert client.get(url).status_code == 404, url
    login_as("admin")
    assert client.get(f"/admin/users/0{world.users['volunteer']}/edit").status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "admin", "mediator"])
def test_the_largest_id_reaches_the_database_and_is_not_found(app, client, login_as, world, role):
    login_as(role)
    with app.app_context():
        before = database_rows()
    for rule, _names in int_rules(app):
        url = rule_url(app, rule, LARGEST_ID)
        for method in methods_of(rule):
            response = send(client, method, url)
            if role == "anonymous":
                assert response.status_code in (302, 404), f"{method} {url}: {response.status_code}"
                if response.status_code == 302:
                    assert response.headers["Location"].startswith("/login"), url
            else:
                # 404, or 403 where the role may not use the page at all
                assert response.status_code in (403, 404), f"{method} {url} as {role}: {response.status_code}"
    with app.app_context():
        assert database_rows() == before


def test_the_reported_urls(app, client, login_as, world):
    big = "99999999999999999999"
    login_as("mediator")
    assert client.get(f"/mediation/cases/{big}/status").status_code == 404
    assert client.post(f"/notifications/{big}/open").status_code == 404
    login_as("admin")
    assert client.get(f"/admin/users/{big}/edit").status_code == 404


# --- query arguments never reach url_for() -----------------------------------------------------------

URL_ARGS = (
    "case_id",
    "session_id",
    "follow_up_id",
    "attachment_id",
    "party_id",
    "parent_id",
    "unit_id",
    "grid_id",
    "building_id",
    "handling_unit_id",
    "user_id",
    "notification_id",
    "order_id",
    "key_id",
    "fmt",
    "service_code",
    "service_request_id",
    "photo_id",
    "category_id",
    # the help group (tests.properties_support.build_volunteer_scene)
    "event_id",
    "participation_id",
    "volunteer_id",
    "record_id",
    "certificate_id",
    "number",
    "code",
    "entry_id",
    "request_id",
)


def url_args(app, world, case_id):
    from app.grid.models import OrderPhoto
    from tests.grid.factories import make_order
    from tests.properties_support import build_volunteer_scene

    order_id = make_order(app, world, upto="replied")
    with app.app_context():
        # the help group's rows: events with participations, records, a certificate, a roster entry, a request
        help_group = {name: ids[0] for name, ids in build_volunteer_scene(app, world)["ids"].items()}
        order_photo = db.session.scalar(select(OrderPhoto).where(OrderPhoto.order_id == order_id))
        case = db.session.get(Case, case_id)
        note = operations.notify(db.session.get(User, world.users["mediator"]), "测试消息", "/notifications")
        db.session.commit()
        return {
            "case_id": case.id,
            "session_id": case.sessions[0].id,
            "follow_up_id": case.follow_ups[0].id,
            "attachment_id": case.attachments[0].id,
            "party_id": case.parties[0].id,
            "parent_id": world.community_a,
            "unit_id": world.community_a,
            "grid_id": world.grid_a1,
            "building_id": world.building,
            "handling_unit_id": world.property_company,
            "user_id": world.users["volunteer"],
            "notification_id": note.id,
            "order_id": order_id,
            "photo_id": order_photo.id,
            "category_id": order_photo.order.category_id,
            # an Open311 API key, and the Open311 API's own arguments (app.grid.open311)
            "key_id": api_key_id(world),
            "fmt": "json",
            "service_code": str(order_photo.order.category_id),
            "service_request_id": order_id,
            **help_group,
        }


def api_key_id(world):
    from app.grid.operations import create_api_key

    row, _key = create_api_key(None, db.session.get(OrgUnit, world.community_a), "社区小程序")
    db.session.commit()
    return row.id


def get_pages(app, args):
    """The URL of every GET page of the app (files under /static aside)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            assert set(rule.arguments) <= set(URL_ARGS), rule.endpoint
            urls.append(url_for(rule.endpoint, **{name: args[name] for name in rule.arguments}))
    return urls


@pytest.fixture
def pillow_settings():
    """Put Pillow's process-wide LOAD_TRUNCATED_IMAGES back: importing WeasyPrint (the agreement's PDF) turns
    it on, and later tests of uploads expect damaged images to be refused."""
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    yield
    ImageFile.LOAD_TRUNCATED_IMAGES = saved


@pytest.fixture
def small_pages(app):
    """One row per page, so that every list has a page 2 with links both ways."""
    saved = {key: app.config[key] for key in ("PAGE_SIZE", "CASE_PAGE_SIZE")}
    app.config.update(PAGE_SIZE=1, CASE_PAGE_SIZE=1)
    yield
    app.config.update(saved)


def test_junk_query_arguments_on_every_page_as_every_role(app, client, login_as, world, small_pages, pillow_settings):
    case_id = make_case(app, world, upto="agreement")
    make_case(app, world, upto="registered")
    make_case(app, world, upto="accepted")
    args = url_args(app, world, case_id)
    with app.app_context():
        mediator = db.session.get(User, world.users["mediator"])
        for number in range(3):
            operations.notify(mediator, f"消息{number}", "/notifications")
        db.session.commit()
    query = "&".join(f"{key}={value}" for key, value in JUNK_ARGS.items())
    pages = get_pages(app, args)
    for role in ROLES:
        login_as(role)
        for url in pages:
            response = client.get(f"{url}?{query}")
            assert response.status_code < 500, f"GET {url}?{query} as {role}: {response.status_code}"


@pytest.mark.parametrize(
    "url",
    [
        "/mediation/?q=回龙&status=&{junk}",
        "/admin/users?q=1390&{junk}",
        "/admin/audit?action=mediation&{junk}",
        "/notifications?{junk}",
    ],
)
def test_page_links_keep_the_filters_and_nothing_else(app, client, login_as, world, small_pages, url):
    for _ in range(3):
        make_case(app, world, upto="registered")
    with app.app_context():
        mediator = db.session.get(User, world.users["mediator"])
        for number in range(3):
            operations.notify(mediator, f"消息{number}", "/notifications")
        db.session.commit()
    login_as("admin" if url.startswith("/admin") else "mediator")
    junk = "&".join(f"{key}={value}" for key, value in JUNK_ARGS.items())
    # a search by name or number is moved out of the URL (app.core.searches): the links carry its token instead
    response = client.get(url.format(junk=junk), follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = re.findall(r'<a href="([^"]*)" rel="(?:prev|next)"', html)
    assert len(links) == 2, links  # page 2 of at least 3: both ways
    path, _, filters = url.partition("?")
    kept = [part for part in filters.split("&") if part and "{" not in part and not part.startswith("status=")]
    private = [part for part in kept if part.split("=")[0] in ("q", "actor")]
    for link in links:
        link = link.replace("&amp;", "&")
        assert link.startswith(path + "?"), link
        for name in ("endpoint", "_method", "_external", "_anchor", "_scheme", "values"):
            assert f"{name}=" not in link, link
        for part in kept:
            key, value = part.split("=")
            assert re.search(rf"[?&]{'search' if private else key}=", link), (part, link)
        for part in private:
            assert part.split("=")[1] not in link, link
        assert "page=1" in link or "page=3" in link


def test_the_excel_link_of_the_figures_keeps_the_period_only(app, client, login_as, world):
    login_as("mediator")
    response = client.get("/mediation/stats?date_from=2026-01-01&endpoint=x&_method=POST&_external=1")
    assert response.status_code == 200
    (link,) = re.findall(r'href="(/mediation/stats\.xlsx[^"]*)"', response.get_data(as_text=True))
    assert link == "/mediation/stats.xlsx?date_from=2026-01-01"
    assert client.get("/mediation/stats?_method=POST").status_code == 200
    assert client.get("/mediation/stats?endpoint=x").status_code == 200


# --- LIKE wildcards are what was typed ---------------------------------------------------------------


def add_user(world, phone, name, unit_id, password_hash, roles=("volunteer",)):
    user = make_user(phone, name, list(roles), db.session.get(OrgUnit, unit_id), password_hash)
    db.session.flush()
    return user


def test_user_search_takes_wildcards_literally(app, client, login_as, world, password_hash):
    with app.app_context():
        add_user(world, "13700000001", "百分%之百", world.grid_a2, password_hash)
        add_user(world, "13700000002", "下_划线", world.grid_a2, password_hash)
        add_user(world, "13700000003", "反\\斜杠", world.grid_a2, password_hash)
        db.session.commit()
    login_as("admin")
    for typed, only in (("%", "百分%之百"), ("_", "下_划线"), ("\\", "反\\斜杠"), ("%之", "百分%之百")):
        text = page_text(client.get("/admin/users", query_string={"q": typed}, follow_redirects=True))
        assert only in text, typed
        others = {"百分%之百", "下_划线", "反\\斜杠", "王调解", "孙志愿"} - {only}
        assert not [name for name in others if name in text], typed
    text = page_text(client.get("/admin/users", query_string={"q": "1370000000_"}, follow_redirects=True))
    assert translated(app, "No users found.") in text


def test_audit_filters_take_wildcards_literally(app, client, login_as, world, password_hash):
    with app.app_context():
        admin = db.session.get(User, world.users["admin"])
        odd = add_user(world, "13700000005", "百分%之百", world.grid_a2, password_hash)
        operations.log(admin, "user.checked", odd, "看过百分")
        operations.log(odd, "user.account_updated", odd, "改了自己的资料")
        db.session.commit()
    login_as("admin")
    text = page_text(client.get("/admin/audit", query_string={"actor": "%"}, follow_redirects=True))
    assert "改了自己的资料" in text and "看过百分" not in text
    text = page_text(client.get("/admin/audit", query_string={"actor": "_"}, follow_redirects=True))
    assert translated(app, "No entries match these filters.") in text
    for action in ("%", "_ser", "user_", "%checked"):
        text = page_text(client.get("/admin/audit", query_string={"action": action}))
        assert translated(app, "No entries match these filters.") in text, action
    text = page_text(client.get("/admin/audit", query_string={"action": "user.che"}))
    assert "看过百分" in text and "改了自己的资料" not in text


def test_case_search_takes_wildcards_literally(app, client, login_as, world):
    odd = [dict(leak_parties()[0], name="%张建华", phone="13911110000"), leak_parties()[1]]
    make_case(app, world, upto="registered", parties=odd)
    make_case(app, world, upto="registered")
    login_as("mediator")
    with app.app_context():
        numbers = db.session.scalars(select(Case.number).order_by(Case.id)).all()
    for typed, found in (
        ("%", [numbers[0]]),
        ("_", []),
        ("%张", [numbers[0]]),
        ("张建华", [numbers[1]]),
        ("139%", []),
        ("1391111", [numbers[0]]),
    ):
        text = page_text(client.get("/mediation/", query_string={"q": typed}, follow_redirects=True))
        assert [number for number in numbers if number in text] == found, typed


# --- dates at the ends of the calendar ---------------------------------------------------------------


def test_audit_dates_at_the_ends_of_the_calendar(app, client, login_as, world):
    with app.app_context():
        operations.log(db.session.get(User, world.users["admin"]), "user.checked", None, "边界日期")
        db.session.commit()
    login_as("admin")
    # dates outside 1900-2100 are refused by the form (the field says so) and filter nothing: never a 500
    for query in (
        "date_from=0001-01-01",
        "date_to=9999-12-31",
        "date_from=0001-01-01&date_to=9999-12-31",
        "date_from=9999-12-31",
        "date_to=0001-01-01",
        "date_from=9999-12-31&date_to=0001-01-01",
    ):
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200 and "边界日期" in page_text(response), query
        assert 'aria-invalid="true"' in response.get_data(as_text=True), query
    # at the ends of the range the view's arithmetic must not overflow either
    for query in ("date_from=2100-12-31", "date_to=1900-01-01"):
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200, query
        assert translated(app, "No entries match these filters.") in page_text(response), query


def test_figures_for_dates_at_the_ends_of_the_calendar(app, client, login_as, world):
    make_case(app, world, upto="registered")
    login_as("mediator")
    for query in ("date_from=0001-01-01", "date_to=9999-12-31", "date_from=9999-12-31", "date_to=0001-01-01"):
        assert client.get(f"/mediation/stats?{query}").status_code == 200, query
        assert client.get(f"/mediation/stats.xlsx?{query}").status_code == 200, query


# --- audit entries without an actor ------------------------------------------------------------------


@pytest.fixture
def admins(app, world, password_hash):
    """An admin of community A, one of community B (both below the street's admin of the world) and one at
    the top of the tree (the county)."""
    with app.app_context():
        ids = {
            "admin_a": add_user(world, "13600000001", "回龙管理", world.community_a, password_hash, ["admin"]).id,
            "admin_b": add_user(world, "13600000002", "东湖管理", world.community_b, password_hash, ["admin"]).id,
            "admin_top": add_user(world, "13600000003", "县管理", world.county, password_hash, ["admin"]).id,
        }
        db.session.commit()
    world.users.update(ids)
    return ids


def log_without_actor(app, world):
    """What the command line and failed logins write: a user created in each community, a failed login of
    a user of each community, and one of a number nobody has."""
    with app.app_context():
        operations.create_user(
            None, "13500000001", "命令行甲", "linli-pass-2026", ["volunteer"], db.session.get(OrgUnit, world.grid_a1)
        )
        operations.create_user(
            None, "13500000002", "命令行乙", "linli-pass-2026", ["volunteer"], db.session.get(OrgUnit, world.grid_b1)
        )
        operations.record_failed_login(world.phones["mediator"])  # 139****0002, of community A
        operations.record_failed_login(world.phones["outsider"])  # 139****0007, of community B
        operations.record_failed_login("13100009999")  # nobody's
        db.session.commit()


def audit_text(client, login_as, role):
    login_as(role)
    response = client.get("/admin/audit")
    assert response.status_code == 200
    return page_text(response)


def test_entries_without_an_actor_are_scoped_by_what_they_are_about(app, client, login_as, world, admins):
    log_without_actor(app, world)
    created_a = translated(app, "Created user %(name)s", name="命令行甲")
    created_b = translated(app, "Created user %(name)s", name="命令行乙")
    failed = {
        phone: translated(app, "Failed login for %(phone)s", phone=phone)
        for phone in ("139****0002", "139****0007", "131****9999")
    }

    text = audit_text(client, login_as, "admin_a")
    assert created_a in text and failed["139****0002"] in text
    assert created_b not in text and failed["139****0007"] not in text and failed["131****9999"] not in text

    text = audit_text(client, login_as, "admin_b")
    assert created_b in text and failed["139****0007"] in text
    assert created_a not in text and failed["139****0002"] not in text and failed["131****9999"] not in text

    # the street's admin: both communities, but not a failed login that is nobody's of the street
    text = audit_text(client, login_as, "admin")
    assert created_a in text and created_b in text and failed["139****0002"] in text
    assert failed["139****0007"] in text and failed["131****9999"] not in text

    # the top of the tree sees every entry
    text = audit_text(client, login_as, "admin_top")
    assert created_a in text and created_b in text and all(line in text for line in failed.values())


def test_entries_about_units_and_cases_follow_the_unit(app, client, login_as, world, admins):
    case_b = make_case(app, world, upto="registered", community="community_b")
    with app.app_context():
        operations.log(None, "mediation.reminder", db.session.get(Case, case_b), "东湖案件提醒")
        operations.log(None, "org_unit.checked", db.session.get(OrgUnit, world.grid_a2), "回龙网格检查")
        operations.log(None, "system.started", None, "系统启动")
        db.session.commit()
    text = audit_text(client, login_as, "admin_a")
    assert "回龙网格检查" in text and "东湖案件提醒" not in text and "系统启动" not in text
    text = audit_text(client, login_as, "admin_b")
    assert "东湖案件提醒" in text and "回龙网格检查" not in text and "系统启动" not in text
    text = audit_text(client, login_as, "admin_top")
    assert "东湖案件提醒" in text and "回龙网格检查" in text and "系统启动" in text


def test_the_audit_page_filters_within_the_scope(app, client, login_as, world, admins):
    log_without_actor(app, world)
    login_as("admin_a")
    text = page_text(client.get("/admin/audit", query_string={"action": "user.login_failed"}))
    assert translated(app, "Failed login for %(phone)s", phone="139****0002") in text
    assert translated(app, "Failed login for %(phone)s", phone="139****0007") not in text
    assert translated(app, "Created user %(name)s", name="命令行甲") not in text
