"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over grid work orders, at /open311/v2/.

    GET  discovery.<format>                      the service discovery document
    GET  services.<format>                       the services: active grid categories (service_code = category id)
    GET  services/<service_code>.<format>        a service definition (no extra attributes: metadata is false)
    GET  requests.<format>                       service requests: service_request_id, service_code, start_date,
                                                 end_date, status (open/closed); 90 days and 1000 requests at most
    POST requests.<format>                       a new service request, with ``api_key`` (form-encoded body)
    GET  requests/<service_request_id>.<format>  one service request

``<format>`` is ``xml`` (text/xml) or ``json`` (application/json). Errors are the standard list
(``[{"code": 400, "description": "..."}]``, ``<errors><error>...``): 400 for missing or invalid fields, 403 for a
missing, unknown or revoked api_key, 404 for an unknown service, request or format. The API takes no session and
no CSRF token (the key is the authentication), and is rate-limited per client address (settings
``OPEN311_READ_LIMIT``, ``OPEN311_POST_LIMIT``).

What a public GET shows, and what it never shows:

- work orders of every category except disputes (a dispute between neighbours is the studio's business: the
  mediation law forbids leaking the parties' private matters), in every community;
- the place as the building's name, the grid and the community (``address``, most specific first), the
  building's id as ``address_id``: a building is a public place. Never the room or entrance (with a building,
  a room is a resident's home address), never the free-text place a POST sent (it may hold one);
- never the caller's name or phone (a POST's first_name, last_name, phone), nor the email, device_id or
  account_id a POST sent (those are not kept at all);
- ``status_notes``: the unit's result (what was done), or the status's title when the order ended otherwise;
  never a return reason or the resident's verification note.

Where a posted request goes (the key posts into one community): ``address_id`` is the id of a building of the
key's community (another id is refused), and the order is in that building's grid; otherwise, when
``address_string`` names a building of the community (its name appears in it, not preceded by a digit), that
building and its grid; otherwise the community's first grid (the oldest). The order is a reported order like a
grid worker's report, in the dispatch queue of the community's staff, with the category's response level; its
clocks start when it is dispatched (app.grid.operations.receive_open311_request).
"""

import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.forms import TELEPHONE_RE, clean_line, clean_text, normalise_telephone
from app.core.i18n import gettext as _
from app.core.models import Building, OrgUnit
from app.core.operations import DomainError
from app.core.types import as_local, utcnow
from app.extensions import csrf, db, limiter
from app.grid import operations as ops
from app.grid.models import ENDED, Category, OrderStatus, WorkOrder

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # when the endpoints below last changed
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
FORMATS_MEDIA = ("text/xml", "application/json")  # as the discovery document names them
MAX_DAYS = 90
MAX_REQUESTS = 1000
LARGEST_ID = 2**31 - 1
DESCRIPTION_MAX = 4000  # the spec's limit
ADDRESS_MAX = 200  # WorkOrder.address
NAME_MAX = 60  # WorkOrder.caller_name
MEDIA_URL_MAX = 500
OTHER_MAX = 200  # email, device_id, account_id: checked, not kept
# the tags of list items in XML (the spec's "Spark convention": a JSON array is the container's items)
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
# characters XML 1.0 cannot carry (text typed through the app never has them; left out if a row should)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
DIGITS = re.compile(r"[0-9]{1,10}")

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)


def read_limit():
    return current_app.config.get("OPEN311_READ_LIMIT", "120 per minute")


def post_limit():
    return current_app.config.get("OPEN311_POST_LIMIT", "20 per minute")


reads = limiter.limit(read_limit, scope="open311")
posts = limiter.limit(post_limit, scope="open311-post", methods=["POST"])


class Open311Error(Exception):
    """An answer in the standard error format: ``code`` is the HTTP status, ``descriptions`` the errors."""

    def __init__(self, code, *descriptions):
        super().__init__(code)
        self.code = code
        self.descriptions = [str(text) for text in descriptions]


# --- formats ---------------------------------------------------------------------------------------


def response_format():
    fmt = (request.view_args or {}).get("fmt")
    return fmt if fmt in FORMATS else "xml"


def check_format(fmt):
    if fmt not in FORMATS:
        raise Open311Error(404, _("Unknown format: use .xml or .json."))


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _element(tag, value):
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_element(ITEM_TAGS.get(tag, "item"), item))
    else:
        element.text = _text(value)
    return element


def to_xml(root, value):
    body = ET.tostring(_element(root, value), encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def answer(root, value, status=200, fmt=None):
    """``value`` (a list of dicts, or a dict) as ``<root>`` in XML, or as JSON (a list or an object)."""
    fmt = fmt or response_format()
    if fmt == "json":
        body = current_app.json.dumps(value, ensure_ascii=False)
    else:
        body = to_xml(root, value)
    return current_app.response_class(body, status=status, content_type=FORMATS[fmt])


def error_answer(code, descriptions):
    return answer("errors", [{"code": code, "description": text} for text in descriptions], status=code)


@bp.errorhandler(Open311Error)
def handle_open311_error(error):
    db.session.rollback()
    return error_answer(error.code, error.descriptions)


@bp.errorhandler(HTTPException)
def handle_http_error(error):
    from app.core.errors import MESSAGES

    code = error.code or 500
    if code >= 500:
        return handle_server_error(error)
    _title, message = MESSAGES.get(code, (error.name, error.description))
    response = error_answer(code, [message])
    if code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.errorhandler(InternalServerError)
def handle_server_error(error):
    """Logged as every unexpected error is (without what was sent: app.core.errors), answered in the format."""
    from app.core.errors import log_unexpected, request_id

    log_unexpected(getattr(error, "original_exception", None) or error)
    message = _("An unexpected error happened on our side. Reference: %(id)s", id=request_id())
    return error_answer(500, [message])


# --- what is shown of services and requests ----------------------------------------------------------


def w3c(moment):
    """A date-time in the W3C format with its offset, in community time (2026-11-29T08:15:30+08:00)."""
    return as_local(moment).isoformat(timespec="seconds") if moment is not None else None


def service_fields(category):
    return {
        "service_code": str(category.id),
        "service_name": category.name,
        "description": category.group_name or category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": category.group_name or "",
        "group": category.group_name or "",
    }


def is_closed(order):
    return order.status in ENDED


def status_notes(order):
    if order.result:
        return order.result
    if order.status in (OrderStatus.merged, OrderStatus.to_mediation):
        return str(order.status.title)
    return None


def service_notice(order):
    return _(
        "Work order %(number)s. Response level: %(level)s, counted from its dispatch to a handling unit.",
        number=order.number,
        level=order.level.title,
    )


def updated_at(order):
    moments = [
        order.reported_at,
        order.dispatched_at,
        order.signed_at,
        order.started_at,
        order.replied_at,
        order.verified_at,
        order.closed_at,
    ]
    return max(moment for moment in moments if moment is not None)


def public_address(order):
    """Building, grid, community: most specific first; never the room, never the words a POST sent."""
    parts = [order.building.name if order.building else None, order.grid.name, order.org_unit.name]
    return ", ".join(part for part in parts if part)


def request_fields(order):
    """The standard fields of a service request, as the public may read them (no caller, no room)."""
    return {
        "service_request_id": str(order.id),
        "status": "closed" if is_closed(order) else "open",
        "status_notes": status_notes(order),
        "service_name": order.category.name,
        "service_code": str(order.category_id),
        "description": order.description or None,
        "agency_responsible": order.handling_unit.name if order.handling_unit else None,
        "service_notice": service_notice(order),
        "requested_datetime": w3c(order.reported_at),
        "updated_datetime": w3c(updated_at(order)),
        "expected_datetime": w3c(order.due_at),
        "address": public_address(order),
        "address_id": str(order.building_id) if order.building_id else None,
        "zipcode": None,
        "lat": order.latitude,
        "long": order.longitude,
        "media_url": None,
    }


def public_orders():
    """Orders the public may read: every category but disputes, with what their fields show."""
    return (
        select(WorkOrder)
        .join(Category, Category.id == WorkOrder.category_id)
        .where(Category.is_dispute.is_(False))
        .options(
            joinedload(WorkOrder.category),
            joinedload(WorkOrder.building),
            joinedload(WorkOrder.grid),
            joinedload(WorkOrder.org_unit),
            joinedload(WorkOrder.handling_unit),
        )
    )


# --- reading the query ---------------------------------------------------------------------------------


def id_list(name, value):
    """A comma-delimited list of ids (``1,2,3``): 400 for anything else."""
    ids = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not DIGITS.fullmatch(part) or int(part) > LARGEST_ID:
            raise Open311Error(400, _("%(name)s must be a comma-separated list of numbers.", name=name))
        ids.append(int(part))
    if len(ids) > MAX_REQUESTS:
        raise Open311Error(400, _("Ask for at most %(n)d ids at once.", n=MAX_REQUESTS))
    return ids


def w3c_datetime(name, value):
    """A W3C date-time (2010-01-01T00:00:00Z, with an offset, or a date); without an offset, community time."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400, _("%(name)s must be a date-time in W3C format, e.g. 2010-01-01T00:00:00Z.", name=name)
        ) from None
    return as_local(moment)


def date_range():
    """(start, end) of requested_datetime: both given (at most 90 days apart), one of them (90 days from or to
    it), or the last 90 days."""
    start = w3c_datetime("start_date", request.args["start_date"]) if request.args.get("start_date") else None
    end = w3c_datetime("end_date", request.args["end_date"]) if request.args.get("end_date") else None
    span = timedelta(days=MAX_DAYS)
    if start is None and end is None:
        end = utcnow()
        start = end - span
    elif start is None:
        start = end - span
    elif end is None:
        end = start + span
    if start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    if end - start > span:
        raise Open311Error(400, _("The dates may not span more than %(days)d days.", days=MAX_DAYS))
    return start, end


def statuses():
    wanted = {part.strip() for part in request.args.get("status", "").split(",") if part.strip()}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, _("status must be open, closed, or both separated by a comma."))
    return wanted


# --- the endpoints -------------------------------------------------------------------------------------


@bp.get("/discovery.<fmt>")
@reads
def discovery(fmt):
    check_format(fmt)
    value = {
        "changeset": CHANGESET,
        "contact": current_app.config.get("OPEN311_CONTACT")
        or _("Ask the administrators of your community for an API key."),
        "key_service": _("API keys are issued by the community's administrators in Linli (Grid work, API keys)."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url_for(".discovery", fmt=fmt, _external=True).rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(FORMATS_MEDIA),
            }
        ],
    }
    return answer("discovery", value)


@bp.get("/services.<fmt>")
@reads
def services(fmt):
    check_format(fmt)
    categories = db.session.scalars(
        select(Category)
        .where(Category.active.is_(True))
        .order_by(Category.group_name, Category.sort_order, Category.id)
    ).all()
    return answer("services", [service_fields(category) for category in categories])


def find_service(service_code):
    if not service_code or not DIGITS.fullmatch(service_code) or int(service_code) > LARGEST_ID:
        return None
    category = db.session.get(Category, int(service_code))
    return category if category is not None and category.active else None


@bp.get("/services/<service_code>.<fmt>")
@reads
def service_definition(service_code, fmt):
    check_format(fmt)
    if find_service(service_code) is None:
        raise Open311Error(404, _("There is no service with this service_code."))
    return answer("service_definition", {"service_code": service_code, "attributes": []})


@bp.route("/requests.<fmt>", methods=["GET", "POST"])
@reads
@posts
def requests(fmt):
    check_format(fmt)
    if request.method == "POST":
        return create_request()
    query = public_orders()
    if request.args.get("service_request_id"):  # overrides every other argument
        ids = id_list("service_request_id", request.args["service_request_id"])
        query = query.where(WorkOrder.id.in_(ids))
    else:
        if request.args.get("service_code"):
            query = query.where(WorkOrder.category_id.in_(id_list("service_code", request.args["service_code"])))
        start, end = date_range()
        query = query.where(WorkOrder.reported_at >= start, WorkOrder.reported_at <= end)
        wanted = statuses()
        if wanted == {"open"}:
            query = query.where(WorkOrder.status.notin_(ENDED))
        elif wanted == {"closed"}:
            query = query.where(WorkOrder.status.in_(ENDED))
    orders = db.session.scalars(query.order_by(WorkOrder.reported_at.desc(), WorkOrder.id.desc()).limit(MAX_REQUESTS))
    return answer("service_requests", [request_fields(order) for order in orders.unique()])


@bp.get("/requests/<service_request_id>.<fmt>")
@reads
def service_request(service_request_id, fmt):
    check_format(fmt)
    order = None
    if DIGITS.fullmatch(service_request_id) and int(service_request_id) <= LARGEST_ID:
        order = db.session.scalars(public_orders().where(WorkOrder.id == int(service_request_id))).unique().first()
    if order is None:
        raise Open311Error(404, _("There is no service request with this service_request_id."))
    return answer("service_requests", [request_fields(order)])


# --- POST Service Request ---------------------------------------------------------------------------------


def posted(name, limit, errors, multiline=False):
    """A posted field, cleaned of control and invisible characters; None when absent or blank. Longer than
    ``limit``: an error (never the value itself, which may be personal)."""
    value = request.form.get(name)
    if value is None:
        return None
    value = clean_text(value) if multiline else clean_line(value)
    if not value:
        return None
    if len(value) > limit:
        errors.append(_("%(name)s: keep it under %(max)d characters.", name=name, max=limit))
        return None
    return value


def coordinate(name, text, low, high, errors):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        errors.append(_("%(name)s must be a number between %(low)d and %(high)d.", name=name, low=low, high=high))
        return None
    return value


def person_name(first, last):
    """first_name and last_name as one name: family name first without a space when both are Chinese."""
    if first and last and not (first + last).isascii():
        return last + first
    return " ".join(part for part in (first, last) if part)


def place(community, address_id, address, errors):
    """(grid, building) of a posted request (see the module's docstring)."""
    if address_id is not None:
        building = None
        if DIGITS.fullmatch(address_id) and int(address_id) <= LARGEST_ID:
            building = db.session.get(Building, int(address_id))
        if building is None or building.grid.parent_id != community.id:
            errors.append(_("address_id is not a building of this community."))
            return None, None
        return building.grid, building
    buildings = db.session.scalars(
        select(Building).join(OrgUnit, OrgUnit.id == Building.grid_id).where(OrgUnit.parent_id == community.id)
    ).all()
    if address:
        for building in sorted(buildings, key=lambda b: len(b.name), reverse=True):
            at = address.find(building.name)
            while at >= 0:
                if at == 0 or not address[at - 1].isdigit():
                    return building.grid, building
                at = address.find(building.name, at + 1)
    grid = db.session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id == community.id, OrgUnit.kind == "grid").order_by(OrgUnit.id).limit(1)
    )
    if grid is None:
        errors.append(_("This community has no grid to receive requests."))
    return grid, None


def posted_service():
    """(the API key, the service) of a POST: 403 without a valid key, 400 without a service_code, 404 for a
    service the key's community does not offer."""
    api_key = ops.active_api_key(request.form.get("api_key", ""))
    if api_key is None:
        raise Open311Error(403, _("Invalid or missing api_key: the request was not created."))
    service_code = (request.form.get("service_code") or "").strip()
    if not service_code:
        raise Open311Error(400, _("service_code is required."))
    category = find_service(service_code)
    if category is None or category.org_unit_id not in api_key.org_unit.ancestor_ids:
        raise Open311Error(404, _("There is no service with this service_code in the key's community."))
    return api_key, category


def posted_location(errors):
    """lat, long, address_string and address_id as sent (one of them is required)."""
    lat_text, long_text = posted("lat", 40, errors), posted("long", 40, errors)
    latitude = longitude = None
    if (lat_text is None) != (long_text is None):
        errors.append(_("Send both lat and long, or neither."))
    elif lat_text is not None:
        latitude = coordinate("lat", lat_text, -90, 90, errors)
        longitude = coordinate("long", long_text, -180, 180, errors)
    address = posted("address_string", ADDRESS_MAX, errors)
    address_id = posted("address_id", 20, errors)
    if lat_text is None and long_text is None and address is None and address_id is None and not errors:
        errors.append(_("A location is required: lat and long, address_string or address_id."))
    return {"latitude": latitude, "longitude": longitude, "address": address, "address_id": address_id}


def posted_caller(errors):
    """The caller's name and phone (personal data: kept for the verification call, never shown by the API)."""
    first, last = posted("first_name", NAME_MAX, errors), posted("last_name", NAME_MAX, errors)
    name = person_name(first, last)
    if len(name) > NAME_MAX:
        errors.append(_("first_name and last_name: keep them under %(max)d characters together.", max=NAME_MAX))
    phone = posted("phone", 40, errors)
    if phone is not None:
        phone = normalise_telephone(phone)
        if not TELEPHONE_RE.match(phone):
            errors.append(_("phone: send a mobile or landline number, e.g. 13800138000 or 0571-88888888."))
    return {"caller_name": name or None, "caller_phone": phone}


def posted_media_url(errors):
    media_url = posted("media_url", MEDIA_URL_MAX, errors)
    if media_url is not None:
        parts = urlsplit(media_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in media_url:
            errors.append(_("media_url must be an http or https address."))
    return media_url


def create_request():
    api_key, category = posted_service()
    errors = []
    data = {"category": category, **posted_location(errors), **posted_caller(errors)}
    data["description"] = posted("description", DESCRIPTION_MAX, errors, multiline=True)
    data["media_url"] = posted_media_url(errors)
    for other in ("email", "device_id", "account_id"):  # checked, not kept
        posted(other, OTHER_MAX, errors)
    if not errors:
        data["grid"], data["building"] = place(api_key.org_unit, data.pop("address_id"), data["address"], errors)
    if errors:
        raise Open311Error(400, *errors)
    try:
        order = ops.receive_open311_request(api_key, data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise Open311Error(400, error.message) from None
    created = {"service_request_id": str(order.id), "service_notice": service_notice(order), "account_id": None}
    response = answer("service_requests", [created], status=201)
    response.headers["Location"] = url_for(".service_request", service_request_id=order.id, fmt=response_format())
    return response
