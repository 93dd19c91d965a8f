"""Open311 GeoReport v2 at /open311/v2/, through a client that knows only the specification
(http://wiki.open311.org/GeoReport_v2): its paths, its parameters, its fields and its error format. Then the
admin pages of the API keys, and property-based tests over what a POST may send."""

import json
import string
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.core.forms import TELEPHONE_RE, UNWANTED
from app.core.models import AuditEntry, Building, Notification, OrgUnit
from app.core.operations import DomainError
from app.extensions import db, limiter
from app.grid import operations as ops
from app.grid.models import ApiKey, Category, OrderEvent, OrderSource, OrderStatus, WorkOrder
from tests.conftest import make_user, page_text
from tests.grid.factories import make_category, make_order

# --- a client of the specification, and nothing else --------------------------------------------------

# the elements that hold a list in the XML format (the JSON format has an array there)
SPEC_LISTS = {"services", "service_requests", "errors", "attributes", "values", "endpoints", "formats"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def from_xml(element):
    """An XML answer as the JSON format would have it (the spec's Spark convention), values as text."""
    children = list(element)
    if element.tag in SPEC_LISTS:
        return [from_xml(child) for child in children]
    if children:
        return {child.tag: from_xml(child) for child in children}
    return element.text


class GeoReportClient:
    """GeoReport v2 over an HTTP client: ``endpoint`` is the API's base path. Each call answers
    (HTTP status, body as JSON data or as the XML converted to the same shape, the raw body)."""

    def __init__(self, http, endpoint="/open311/v2"):
        self.http = http
        self.endpoint = endpoint

    def _answer(self, response, fmt):
        raw = response.get_data(as_text=True)
        if fmt == "json":
            assert response.mimetype == "application/json"
            return response.status_code, json.loads(raw), raw
        assert response.mimetype == "text/xml"
        assert raw.startswith('<?xml version="1.0" encoding="utf-8"?>')
        return response.status_code, from_xml(ET.fromstring(raw.encode("utf-8"))), raw  # noqa: S314 - our own answer

    def get(self, resource, fmt="json", **params):
        response = self.http.get(f"{self.endpoint}/{resource}.{fmt}", query_string=params)
        return self._answer(response, fmt)

    def discovery(self, fmt="json"):
        return self.get("discovery", fmt)

    def services(self, fmt="json"):
        return self.get("services", fmt)

    def service_definition(self, service_code, fmt="json"):
        return self.get(f"services/{service_code}", fmt)

    def requests(self, fmt="json", **filters):
        return self.get("requests", fmt, **filters)

    def request(self, service_request_id, fmt="json"):
        return self.get(f"requests/{service_request_id}", fmt)

    def post_request(self, fmt="json", **fields):
        """POST Service Request: form-encoded, no cookie, no CSRF token (the api_key authenticates)."""
        response = self.http.post(f"{self.endpoint}/requests.{fmt}", data=fields, csrf=False)
        return self._answer(response, fmt)


@pytest.fixture
def spec(app):
    return GeoReportClient(app.test_client())


@pytest.fixture
def api(app, world):
    """A category of community A (a service), an API key of community A and its plain key, a building."""
    category = make_category(app, world, name="路灯损坏", level="one_day", unit="community_a")
    dispute = make_category(app, world, name="邻里纠纷", level="three_days", unit="community_a")
    with app.app_context():
        db.session.get(Category, dispute).is_dispute = True
        row, key = ops.create_api_key(None, db.session.get(OrgUnit, world.community_a), "社区小程序")
        db.session.commit()
        world.api_key_id = row.id
        db.session.remove()
    world.api_key, world.service_code, world.dispute_code = key, str(category), str(dispute)
    return world


def valid_post(world, **changes):
    fields = {
        "api_key": world.api_key,
        "service_code": world.service_code,
        "lat": "30.27415",
        "long": "120.15515",
        "description": "小区东门路灯不亮，晚上很黑",
        "first_name": "小红",
        "last_name": "张",
        "phone": "138-0013-8000",
        "email": "zhang@example.com",
        "device_id": "tt222111",
        "account_id": "123456",
        "media_url": "https://img.example.com/lamp.jpg",
    }
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not None}


def order_count(app):
    with app.app_context():
        count = db.session.scalar(select(db.func.count(WorkOrder.id)))
        db.session.remove()
    return count


# --- the specification's walk: services, a new request, read back ------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_spec_client_lists_services_posts_a_request_and_reads_it_back(app, spec, api, fmt):
    status, discovery, _ = spec.discovery(fmt)
    assert status == 200
    (endpoint,) = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    status, services, _ = spec.services(fmt)
    assert status == 200
    offered = {service["service_code"]: service for service in services}
    assert offered[api.service_code]["service_name"] == "路灯损坏"
    assert offered[api.service_code]["group"] == "设施"
    assert str(offered[api.service_code]["metadata"]).lower() == "false"
    assert offered[api.service_code]["type"] == "realtime"

    status, definition, _ = spec.service_definition(api.service_code, fmt)
    assert status == 200
    assert definition["service_code"] == api.service_code
    assert not definition["attributes"]

    status, created, _ = spec.post_request(fmt, **valid_post(api))
    assert status == 201
    (receipt,) = created
    request_id = receipt["service_request_id"]
    assert request_id and "token" not in receipt
    assert receipt["service_notice"]

    status, found, _ = spec.request(request_id, fmt)
    assert status == 200
    (record,) = found
    assert set(record) == REQUEST_FIELDS
    assert record["service_request_id"] == request_id
    assert record["status"] == "open"
    assert record["service_code"] == api.service_code
    assert record["service_name"] == "路灯损坏"
    assert record["description"] == "小区东门路灯不亮，晚上很黑"
    assert float(record["lat"]) == pytest.approx(30.27415)
    assert float(record["long"]) == pytest.approx(120.15515)
    # no building named: the community's first grid, in words from the most specific to the most general
    assert record["address"] == "回龙第一网格, 回龙社区"
    assert record["expected_datetime"] is None  # its clocks start when it is dispatched
    requested = datetime.fromisoformat(record["requested_datetime"])
    assert requested.utcoffset() == timedelta(hours=8)
    assert abs(datetime.now(UTC) - requested) < timedelta(minutes=5)

    # what it is in the app: a reported order of community A, in the dispatch queue, with its caller for the
    # verification call, its timeline and its audit entry
    with app.app_context():
        order = db.session.get(WorkOrder, int(request_id))
        assert order.source == OrderSource.open311 and order.status == OrderStatus.reported
        assert order.org_unit_id == api.community_a and order.grid_id == api.grid_a1
        assert order.reporter_id is None and order.level == "one_day"
        assert (order.caller_name, order.caller_phone) == ("张小红", "13800138000")
        (event,) = order.events
        assert event.kind == "open311_received" and event.to_status == OrderStatus.reported
        assert "https://img.example.com/lamp.jpg" in event.text
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grid.open311_received"))
        assert entry.target_id == order.id
        assert "13800138000" not in json.dumps(entry.data) + (entry.text or "")
        assert db.session.get(ApiKey, api.api_key_id).last_used_at is not None
        # the community's staff are told it arrived; it waits in their dispatch queue
        note = db.session.scalar(select(Notification).where(Notification.user_id == api.users["admin"]))
        assert note.link == f"/grid/orders/{order.id}" and order.number in note.text
        db.session.remove()


def test_json_and_xml_say_the_same(spec, api):
    status, created, _ = spec.post_request("json", **valid_post(api))
    request_id = created[0]["service_request_id"]
    _, as_json, _ = spec.request(request_id, "json")
    _, as_xml, _ = spec.request(request_id, "xml")
    texts = {name: None if value is None else str(value) for name, value in as_json[0].items()}
    assert texts == as_xml[0]


def test_the_building_comes_from_address_id_or_address_string(app, spec, api):
    with app.app_context():
        db.session.add(Building(grid_id=api.grid_a2, name="13幢"))
        db.session.commit()
        building_13 = db.session.scalar(select(Building.id).where(Building.name == "13幢"))
        db.session.remove()
    by_id = valid_post(api, lat=None, long=None, address_id=str(api.building))
    _, created, _ = spec.post_request("json", **by_id)
    _, (record,), _ = spec.request(created[0]["service_request_id"])
    assert record["address_id"] == str(api.building)
    assert record["address"] == "3幢, 回龙第一网格, 回龙社区"

    # "13幢" is named, "3幢" only inside it: 13幢 of grid A2; the room never leaves the app
    in_words = valid_post(api, lat=None, long=None, address_string="回龙社区13幢2单元301室")
    _, created, _ = spec.post_request("json", **in_words)
    _, (record,), raw = spec.request(created[0]["service_request_id"])
    assert record["address"] == "13幢, 回龙第二网格, 回龙社区"
    assert record["address_id"] == str(building_13)
    assert "301" not in raw
    with app.app_context():
        order = db.session.get(WorkOrder, int(created[0]["service_request_id"]))
        assert order.grid_id == api.grid_a2 and order.address == "回龙社区13幢2单元301室"
        db.session.remove()

    # a building of another community is not this key's place
    with app.app_context():
        other = Building(grid_id=api.grid_b1, name="1幢")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
        db.session.remove()
    before = order_count(app)
    status, errors, _ = spec.post_request("json", **valid_post(api, lat=None, long=None, address_id=str(other_id)))
    assert status == 400 and errors[0]["code"] == 400
    assert order_count(app) == before


# --- errors in the standard format ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_missing_or_revoked_key_is_403_and_creates_nothing(app, spec, api, fmt):
    with app.app_context():
        revoked, revoked_key = ops.create_api_key(None, db.session.get(OrgUnit, api.community_a), "旧应用")
        ops.revoke_api_key(None, revoked)
        db.session.commit()
        db.session.remove()
    for key in ("not-a-key", api.api_key + "x", api.api_key[:-1], revoked_key, None, ""):
        status, errors, _ = spec.post_request(fmt, **valid_post(api, api_key=key))
        assert status == 403
        (error,) = errors
        assert str(error["code"]) == "403"
        assert error["description"]
    assert order_count(app) == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_service_or_format_is_404(spec, api, fmt):
    for path in ("requests/999999", "requests/abc", "requests/99999999999", "services/999999", "services/x1"):
        status, errors, _ = spec.get(path, fmt)
        assert status == 404, path
        assert [str(error["code"]) for error in errors] == ["404"]
    response = spec.http.get("/open311/v2/services.html")
    assert response.status_code == 404 and response.mimetype == "text/xml"
    # a dispute is not public: its orders are not found either
    status, created, _ = spec.post_request(fmt, **valid_post(api, service_code=api.dispute_code))
    assert status == 201
    status, _, _ = spec.request(created[0]["service_request_id"], fmt)
    assert status == 404


def test_a_service_not_offered_in_the_keys_community_is_404(app, spec, api):
    with app.app_context():
        category = Category(org_unit_id=api.community_b, name="东湖专用", default_level="one_day")
        db.session.add(category)
        db.session.commit()
        other = category.id
        db.session.remove()
    status, errors, _ = spec.post_request("json", **valid_post(api, service_code=str(other)))
    assert status == 404 and errors[0]["code"] == 404
    assert order_count(app) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"service_code": None},
        {"service_code": ""},
        {"lat": None, "long": None},  # no location at all
        {"long": None},  # lat without long
        {"lat": None, "long": None, "address_string": "  \u200b "},  # blank once cleaned
    ],
)
def test_missing_required_fields_are_400(app, spec, api, changes):
    for fmt in ("json", "xml"):
        status, errors, _ = spec.post_request(fmt, **valid_post(api, **changes))
        assert status == 400
        assert errors and all(str(error["code"]) == "400" and error["description"] for error in errors)
    assert order_count(app) == 0


@pytest.mark.parametrize(
    ("lat", "long"),
    [("abc", "120"), ("91", "120"), ("-90.5", "0"), ("30", "181"), ("nan", "120"), ("30", "inf"), ("1e400", "1")],
)
def test_invalid_coordinates_are_400(app, spec, api, lat, long):
    status, errors, _ = spec.post_request("json", **valid_post(api, lat=lat, long=long))
    assert status == 400
    assert any("lat" in error["description"] or "long" in error["description"] for error in errors)
    assert order_count(app) == 0


def test_errors_are_translated(spec, api):
    chinese = spec.http.post("/open311/v2/requests.json", data={"api_key": "nope"}, csrf=False)
    english = spec.http.post(
        "/open311/v2/requests.json", data={"api_key": "nope"}, csrf=False, headers={"Accept-Language": "en"}
    )
    assert english.json[0]["description"] == "Invalid or missing api_key: the request was not created."
    assert chinese.status_code == english.status_code == 403


def test_other_invalid_fields_are_400_with_a_line_each(app, spec, api):
    fields = valid_post(
        api, phone="12345678901234", media_url="javascript:alert(1)", description="很长" * 2001, first_name="名" * 61
    )
    status, errors, raw = spec.post_request("json", **fields)
    assert status == 400
    assert len(errors) == 4
    assert "12345678901234" not in raw  # a refused phone is never repeated
    assert order_count(app) == 0


# --- GET Service Requests and its filters -----------------------------------------------------------------


def test_the_filters_of_get_service_requests(app, spec, api):
    reported = make_order(app, api, upto="reported")
    closed = make_order(app, api, upto="closed")
    dispatched = make_order(app, api, upto="dispatched")
    _, created, _ = spec.post_request("json", **valid_post(api))
    posted_id = created[0]["service_request_id"]
    with app.app_context():  # an old one, reported 200 days ago
        old = db.session.get(WorkOrder, reported)
        old.reported_at = old.reported_at - timedelta(days=200)
        grid_code = str(db.session.get(WorkOrder, closed).category_id)
        db.session.commit()
        db.session.remove()

    def ids(fmt="json", **filters):
        status, found, _ = spec.requests(fmt, **filters)
        assert status == 200
        return {record["service_request_id"] for record in found}

    # the last 90 days by default
    assert ids() == {str(closed), str(dispatched), posted_id}
    assert ids("xml") == {str(closed), str(dispatched), posted_id}
    assert ids(status="open") == {str(dispatched), posted_id}
    assert ids(status="closed") == {str(closed)}
    assert ids(status="open,closed") == {str(closed), str(dispatched), posted_id}
    assert ids(service_code=api.service_code) == {posted_id}
    assert ids(service_code=f"{grid_code},{api.service_code}") == {str(closed), str(dispatched), posted_id}
    # service_request_id overrides every other argument (the old one too)
    assert ids(service_request_id=f"{reported},{closed}", status="open") == {str(reported), str(closed)}
    now = datetime.now(UTC)
    long_ago = (now - timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (now - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=long_ago, end_date=later) == {str(reported)}
    assert ids(start_date=long_ago) == {str(reported)}
    assert ids(end_date=(now - timedelta(days=1)).isoformat()) == set()
    _, found, _ = spec.requests(service_request_id=str(dispatched))
    assert found[0]["agency_responsible"] == "安居物业"
    assert found[0]["expected_datetime"] is not None
    _, found, _ = spec.requests(service_request_id=str(closed))
    assert found[0]["status_notes"] == "已更换灯泡"
    # a dispute is not public
    spec.post_request("json", **valid_post(api, service_code=api.dispute_code))
    assert len(ids()) == 3

    for bad in (
        {"start_date": "yesterday"},
        {"start_date": long_ago, "end_date": now.isoformat()},  # more than 90 days
        {"start_date": now.isoformat(), "end_date": long_ago},
        {"status": "pending"},
        {"service_request_id": "1;DROP"},
        {"service_code": "abc"},
    ):
        status, errors, _ = spec.requests("json", **bad)
        assert status == 400, bad
        assert errors[0]["code"] == 400


def test_no_caller_data_in_any_get_answer(app, spec, api):
    fields = valid_post(api, phone="13912345678", first_name="秘密", last_name="欧阳", email="secret@example.com")
    _, created, _ = spec.post_request("json", **fields)
    request_id = created[0]["service_request_id"]
    make_order(app, api, upto="reported")  # a grid worker's report, with a room
    answers = []
    for fmt in ("json", "xml"):
        answers += [
            spec.requests(fmt)[2],
            spec.request(request_id, fmt)[2],
            spec.requests(fmt, service_request_id=request_id)[2],
        ]
    assert len(answers) == 6
    for raw in answers:
        assert request_id in raw
        for secret in ("13912345678", "139****5678", "欧阳秘密", "秘密", "secret@example.com", "2单元301"):
            assert secret not in raw


def test_posts_are_rate_limited(app, spec, api):
    app.config["OPEN311_POST_LIMIT"] = "2 per minute"
    try:
        assert spec.post_request("json", **valid_post(api))[0] == 201
        assert spec.post_request("xml", **valid_post(api))[0] == 201
        status, errors, _ = spec.post_request("xml", **valid_post(api))
        assert status == 429 and str(errors[0]["code"]) == "429"
        assert spec.requests("json")[0] == 200  # reads have their own limit
    finally:
        del app.config["OPEN311_POST_LIMIT"]
        limiter.reset()
    assert order_count(app) == 2


def test_the_api_needs_no_csrf_token_and_sets_no_cookie(spec, api):
    response = spec.http.post("/open311/v2/requests.json", data=valid_post(api), csrf=False)
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Location"].endswith(f"/open311/v2/requests/{response.json[0]['service_request_id']}.json")


# --- the operations, without HTTP -------------------------------------------------------------------------


def test_an_order_is_received_only_in_the_keys_community(app, api):
    with app.app_context():
        key = db.session.get(ApiKey, api.api_key_id)
        category = db.session.get(Category, int(api.service_code))
        for grid in (api.grid_b1, api.community_a):  # a grid of B, a unit that is no grid of A
            data = {"category": category, "grid": db.session.get(OrgUnit, grid), "description": "x"}
            with pytest.raises(DomainError):
                ops.receive_open311_request(key, data)
        category.active = False
        with pytest.raises(DomainError):
            ops.receive_open311_request(key, {"category": category, "grid": db.session.get(OrgUnit, api.grid_a1)})
        db.session.rollback()
        assert db.session.scalar(select(db.func.count(WorkOrder.id))) == 0
        db.session.remove()


def test_a_key_is_found_by_its_digest_until_it_is_revoked(app, api):
    with app.app_context():
        assert ops.active_api_key(api.api_key).id == api.api_key_id
        for wrong in ("", None, api.api_key.upper(), api.api_key + "\x00", "x" * 10_000):
            assert ops.active_api_key(wrong) is None
        key = db.session.get(ApiKey, api.api_key_id)
        assert key.digest == ops.api_key_digest(api.api_key) and api.api_key[:8] == key.prefix
        ops.revoke_api_key(None, key)
        assert ops.active_api_key(api.api_key) is None
        with pytest.raises(DomainError):
            ops.revoke_api_key(None, key)
        with pytest.raises(DomainError):  # a key posts into a community, not a street or a grid
            ops.create_api_key(None, db.session.get(OrgUnit, api.street), "x")
        db.session.rollback()
        db.session.remove()


# --- the API keys' admin pages ------------------------------------------------------------------------------


def test_an_admin_makes_a_key_sees_it_once_and_revokes_it(app, client, login_as, spec, api):
    login_as("admin")
    categories = client.get("/grid/categories")
    assert "/grid/api-keys" in categories.get_data(as_text=True)
    assert client.get("/grid/api-keys/new").status_code == 200
    response = client.post("/grid/api-keys/new", data={"name": "物业报修应用", "org_unit_id": str(api.community_a)})
    assert response.status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiKey).where(ApiKey.name == "物业报修应用"))
        prefix, digest, key_id = row.prefix, row.digest, row.id
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "grid.api_key_created", AuditEntry.target_id == key_id)
        )
        assert entry.target_type == "grid_api_keys" and entry.actor_id == api.users["admin"]
        db.session.remove()
    html = response.get_data(as_text=True)
    key = html.split('id="api-key" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert key.startswith(prefix) and len(key) >= 40
    assert digest == ops.api_key_digest(key) and key not in digest  # only the digest is kept
    assert response.headers["Cache-Control"] == "no-store"

    listing = client.get("/grid/api-keys")
    assert prefix in page_text(listing) and key not in listing.get_data(as_text=True)
    assert spec.post_request("json", **valid_post(api, api_key=key))[0] == 201

    # no CSRF token: refused, still active
    assert client.post(f"/grid/api-keys/{key_id}/revoke", csrf=False).status_code in (400, 303)
    assert spec.post_request("json", **valid_post(api, api_key=key))[0] == 201
    response = client.post(f"/grid/api-keys/{key_id}/revoke")
    assert response.status_code == 302
    assert spec.post_request("json", **valid_post(api, api_key=key))[0] == 403
    with app.app_context():
        assert db.session.get(ApiKey, key_id).revoked_at is not None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "grid.api_key_revoked")) is not None
        db.session.remove()


def test_a_key_form_with_bad_input_keeps_what_was_typed(app, client, login_as, api):
    login_as("admin")
    response = client.post("/grid/api-keys/new", data={"name": "很长的名字" * 13, "org_unit_id": str(api.grid_a1)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "很长的名字" * 13 in html
    assert 'id="api-key"' not in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ApiKey.id))) == 1
        db.session.remove()


def test_an_admin_of_another_community_cannot_revoke(app, client, login_as, api, password_hash):
    with app.app_context():
        admin_b = make_user(
            "13900000021", "东湖管理", ["admin"], db.session.get(OrgUnit, api.community_b), password_hash
        )
        db.session.commit()
        api.users["admin_b"] = admin_b.id
        db.session.remove()
    login_as("admin_b")
    assert client.get("/grid/api-keys").status_code == 200
    assert "社区小程序" not in page_text(client.get("/grid/api-keys"))
    assert client.post(f"/grid/api-keys/{api.api_key_id}/revoke").status_code == 404
    # and cannot make a key for community A
    response = client.post("/grid/api-keys/new", data={"name": "越权", "org_unit_id": str(api.community_a)})
    assert response.status_code == 200 and 'id="api-key"' not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ApiKey, api.api_key_id).revoked_at is None
        assert db.session.scalar(select(db.func.count(ApiKey.id))) == 1
        db.session.remove()


@pytest.mark.parametrize("role", ["grid_worker", "handler", "mediator", "coordinator", "outsider"])
def test_a_user_who_is_not_an_admin_gets_403(app, client, login_as, api, role):
    login_as(role)
    assert client.get("/grid/api-keys").status_code == 403
    assert client.get("/grid/api-keys/new").status_code == 403
    assert client.post("/grid/api-keys/new", data={"name": "x", "org_unit_id": str(api.community_a)}).status_code == 403
    assert client.post(f"/grid/api-keys/{api.api_key_id}/revoke").status_code == 403
    with app.app_context():
        assert db.session.get(ApiKey, api.api_key_id).revoked_at is None
        db.session.remove()


# --- property-based: whatever a POST sends ------------------------------------------------------------------

any_text = st.text(st.characters(codec="utf-8"), max_size=60) | st.text(
    st.sampled_from(string.printable + "\x00\u200b\u202e\ufeff\ud7ff幢号"), max_size=30
)
number_like = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-1000, 1000).map(str),
    any_text,
)
maybe = st.none() | any_text


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lat=st.none() | st.floats(-90, 90).map(str) | number_like,
    long=st.none() | st.floats(-180, 180).map(str) | number_like,
    address_string=maybe,
    address_id=st.none() | st.integers(-5, 10**11).map(str) | any_text,
    description=st.none() | st.text(max_size=300) | st.just("长" * 4001),
    first_name=maybe,
    last_name=maybe,
    phone=st.none() | st.from_regex(r"\+?[0-9０-９ -]{0,16}", fullmatch=True) | any_text,
    media_url=st.none() | st.just("https://example.com/a.jpg") | any_text,
    email=maybe,
    service_code=st.none() | st.sampled_from(["KEEP", "0", "-1", "99999999999", "1.5"]) | any_text,
    fmt=st.sampled_from(["json", "xml"]),
)
def test_any_post_is_answered_and_stores_only_readable_values(app, spec, api, fmt, service_code, **fields):
    limiter.reset()
    data = valid_post(api, service_code=api.service_code if service_code == "KEEP" else service_code)
    data.update({name: value for name, value in fields.items() if value is not None})
    for name, value in fields.items():
        if value is None:
            data.pop(name, None)
    response = spec.http.post(f"/open311/v2/requests.{fmt}", data=data, csrf=False)
    assert response.status_code in (201, 400, 404), response.get_data(as_text=True)
    status, body, _ = spec._answer(response, fmt)
    event(f"HTTP {status}")
    if status != 201:
        assert all(str(error["code"]) == str(status) and error["description"] for error in body)
        return
    check_stored(app, spec, body[0]["service_request_id"])


def check_stored(app, spec, request_id):
    """The order a POST made reads back through the API in both formats, and every value kept is one the app
    can show: no control or invisible characters, within its column, a phone number that is one."""
    for read_fmt in ("json", "xml"):
        read_status, (record,), _ = spec.request(request_id, read_fmt)
        assert read_status == 200 and record["service_request_id"] == request_id
    with app.app_context():
        order = db.session.get(WorkOrder, int(request_id))
        for value in (order.description, order.address, order.caller_name):
            assert value is None or not UNWANTED.search(value)
        assert len(order.description) <= 4000
        assert order.address is None or 0 < len(order.address) <= 200
        assert order.caller_name is None or 0 < len(order.caller_name) <= 60
        assert order.caller_phone is None or TELEPHONE_RE.match(order.caller_phone)
        assert (order.latitude is None) == (order.longitude is None)
        assert order.latitude is None or (-90 <= order.latitude <= 90 and -180 <= order.longitude <= 180)
        for entry in db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)):
            assert entry.text
        db.session.remove()


mobile = st.from_regex(r"(\+86 ?)?1[3-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{2}", fullmatch=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    position=st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    address_string=st.none() | st.text(max_size=120),
    description=st.text(max_size=500),
    first_name=st.none() | st.text(max_size=25),
    last_name=st.none() | st.text(max_size=25),
    phone=st.none() | mobile | mobile.map(lambda n: n.translate(str.maketrans("0123456789", "０１２３４５６７８９"))),
    media_url=st.none()
    | st.text(string.ascii_letters + string.digits + "/._-", max_size=40).map(
        lambda path: "https://img.example.com/" + path
    ),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_a_plausible_post_is_stored_readable(app, spec, api, position, fmt, **fields):
    """Fields as a partner's app might send them, with whatever characters people type (and some they do not):
    created, or refused with a reason (a location left blank once cleaned), never a 500."""
    limiter.reset()
    data = {name: value for name, value in fields.items() if value is not None}
    data.update(api_key=api.api_key, service_code=api.service_code, address_id=str(api.building))
    if position is not None:
        data.update(lat=repr(position[0]), long=repr(position[1]))
    response = spec.http.post(f"/open311/v2/requests.{fmt}", data=data, csrf=False)
    status, body, _ = spec._answer(response, fmt)
    event(f"HTTP {status}")
    assert status == 201, body
    check_stored(app, spec, body[0]["service_request_id"])


def test_the_list_of_requests_takes_as_many_statements_for_many_orders_as_for_one(app, spec, api, count_queries):
    spec.post_request("json", **valid_post(api))
    with count_queries() as statements:
        assert len(spec.requests("json")[1]) == 1
    few = len(statements)
    for _ in range(6):
        spec.post_request("json", **valid_post(api, lat=None, long=None, address_id=str(api.building)))
    make_order(app, api, upto="dispatched")
    with count_queries() as statements:
        assert len(spec.requests("xml")[1]) == 8
    assert len(statements) == few
