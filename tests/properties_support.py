"""What the property tests (tests/test_properties.py) send: values a user can type or forge, the forms of a
page as a browser would see them, and a world with cases at several stages whose ids feed the URL rules."""

import io
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlencode, urljoin, urlsplit

from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.core.models import Building, HandlingUnit, OrgUnit, User
from app.core.operations import notify
from app.extensions import db
from app.mediation.models import Case
from tests.conftest import build_world
from tests.mediation.factories import community_today, make_case, png_bytes

# --- values ------------------------------------------------------------------------------------------

# Ids a path can carry: existing ones come from the scene; these are the edges (negative numbers do not
# match an <int:...> converter). SQLite and PostgreSQL both stop at 2**63 - 1, PostgreSQL's INTEGER at 2**31 - 1.
EDGE_INTS = [0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**20]

LONG_TEXT = "长" * 5000
EDGE_TEXT = [
    "",
    " ",
    " \t\n ",
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "\u200b\u202e",
    "\r\n",
    "x" * 300,
    LONG_TEXT,
    "０１２３",  # full-width digits
    "１３９１２３４５６７８",
    "13912345678",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-01-01T25:61",
    "-1",
    "0",
    "-0",
    "2147483648",
    "9223372036854775807",
    "18446744073709551616",
    "1" * 40,
    "1e309",
    "NaN",
    "inf",
    "%",
    "_",
    "%_%",
    "'",
    '"',
    "\\",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{prefix}{year}{seq}",
    "{seq:%Y}",
    "{0.__class__}",
    "%s%(x)s",
    "../../etc/passwd",
    "//example.com",
    "javascript:alert(1)",
    "مرحبا",
    "עברית",
    "ไทย",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "😀👍🏽",
    "y",
    "on",
    "true",
]
JUNK_KEYS = ["endpoint", "_method", "_external", "_anchor", "page", "next", "csrf_token", "x", "", "a[]"]
# What the views read from a query string besides their filter forms' fields.
QUERY_KEYS = ["q", "page", "next", "kind", "community", "community_id", "status", "lang"]


def text_values():
    """Anything a user can type or a script can send as one value."""
    return st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=30))


def id_values(valid, valid_share):
    """An id for a path: one of ``valid`` (``valid_share`` times in ten, when there are any), else an edge
    (never one of ``valid`` when ``valid_share`` is 0)."""
    edges = st.one_of(st.sampled_from(EDGE_INTS), st.integers(0, 10**6))
    if not valid:
        return edges
    if not valid_share:
        return edges.filter(lambda n: n not in valid)
    return st.integers(0, 9).flatmap(lambda n: st.sampled_from(valid) if n < valid_share else edges)


def query_strings(keys):
    """A query string: some of ``keys`` (the page's own fields), junk keys and any key, with nasty values."""
    known = sorted(set(keys) | set(QUERY_KEYS))
    key = st.one_of(st.sampled_from(known), st.sampled_from(JUNK_KEYS), st.text(max_size=8))
    return st.lists(st.tuples(key, text_values()), max_size=5).map(lambda pairs: urlencode(pairs))


# --- forms -------------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type ("text", "date", "checkbox", ...), or "select", "textarea", "button"
    value: str = ""
    options: list = field(default_factory=list)  # a select's option values; the values of a checkbox group
    chosen: list = field(default_factory=list)  # the options selected or checked as the page comes


@dataclass
class Form:
    action: str  # a path, with its query string if any
    method: str
    multipart: bool
    fields: dict = field(default_factory=dict)  # name -> Field


class FormParser(HTMLParser):
    """The forms of a page, with their fields as a browser would submit them."""

    def __init__(self, page_url):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, attrs.get("action") or self.page_url)
            parts = urlsplit(action)
            self.form = Form(
                action=parts.path + (f"?{parts.query}" if parts.query else ""),
                method=(attrs.get("method") or "get").lower(),
                multipart="multipart" in attrs.get("enctype", ""),
            )
            self.forms.append(self.form)
            return
        if self.form is None or not attrs.get("name"):
            if tag == "option" and self.select is not None:
                self.select.options.append(attrs.get("value", ""))
                if "selected" in attrs:
                    self.select.chosen.append(attrs.get("value", ""))
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                value = attrs.get("value", "on")
                known = self.form.fields.setdefault(name, Field(name, kind, value))
                known.options.append(value)
                if "checked" in attrs:
                    known.chosen.append(value)
                return
            self.form.fields[name] = Field(name, kind, attrs.get("value", ""))
        elif tag == "select":
            self.select = self.form.fields[name] = Field(name, "select")
        elif tag == "textarea":
            self.textarea = self.form.fields[name] = Field(name, "textarea")
        elif tag == "button":
            self.form.fields.setdefault(name, Field(name, "button", attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea is not None:
            # a browser drops the line break that follows <textarea>
            if not self.textarea.value and data[:1] in ("\r", "\n"):
                data = data[2:] if data.startswith("\r\n") else data[1:]
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def as_shown(form):
    """What a browser sends for ``form`` submitted as the page shows it (no button named)."""
    data = {}
    for name, f in form.fields.items():
        if name == "csrf_token" or f.kind in ("button", "submit", "file"):
            continue
        if f.kind in ("checkbox", "radio"):
            if f.chosen:
                data[name] = list(f.chosen)
        elif f.kind == "select":
            data[name] = (f.chosen or f.options or [""])[0]
        else:
            data[name] = f.value
    return data


def page_forms(url, html):
    parser = FormParser("http://localhost" + url)
    parser.feed(html)
    return parser.forms


def post_endpoint(app, action):
    """The endpoint and arguments a form's action posts to, or None."""
    adapter = app.url_map.bind("localhost")
    try:
        return adapter.match(urlsplit(action).path, method="POST")
    except HTTPException:
        return None


def forms_posting_to(app, forms, endpoint):
    return [f for f in forms if f.method == "post" and (post_endpoint(app, f.action) or (None,))[0] == endpoint]


def merged(forms):
    """One form with every field the given forms have (a select's options joined)."""
    result = Form(action=forms[0].action, method="post", multipart=any(f.multipart for f in forms))
    for form in forms:
        for name, f in form.fields.items():
            known = result.fields.setdefault(name, Field(f.name, f.kind, f.value, list(f.options)))
            known.options.extend(o for o in f.options if o not in known.options)
    return result


# --- form values -------------------------------------------------------------------------------------


# Text a user would type, by what the field's name says it is.
TYPED = {
    "phone": st.integers(0, 10**8 - 1).map(lambda n: f"139{n:08d}"),
    "id_number": st.sampled_from(["11010519491231002X", "110101199003077777"]),
    "name": st.sampled_from(["张建华", "李秀兰", "回龙第三网格", "5幢"]),
    "code": st.sampled_from(["T-HL-9", "T-DH-2"]),
    "address": st.sampled_from(["回龙苑3幢302室", "东湖路8号"]),
    "password": st.sampled_from(["linli-pass-2026", "test-pass-123"]),
    "confirm": st.sampled_from(["linli-pass-2026", "test-pass-123"]),
}


def valid_looking(f, today):
    """A value like the one a user of the page would send for field ``f``."""
    days = st.integers(-30, 400).map(lambda n: today - timedelta(days=n))
    if f.kind in ("select", "radio"):
        return st.sampled_from(f.options) if f.options else st.just(f.value)
    if f.kind == "checkbox":
        return st.lists(st.sampled_from(f.options), min_size=1, unique=True) if f.options else st.just("y")
    if f.kind == "date":
        return days.map(lambda d: d.isoformat())
    if f.kind == "datetime-local":
        return days.map(lambda d: f"{d.isoformat()}T09:30")
    if f.kind == "number":
        return st.integers(0, 120).map(str)
    if f.kind == "file":
        return st.just(("file", png_bytes(), "photo.png"))
    if f.kind in ("hidden", "button", "submit"):
        return st.just(f.value)
    for word, typed in TYPED.items():
        if f.name.rsplit("-", 1)[-1].endswith(word) or f.kind == word:
            return typed
    return st.sampled_from([v for v in [f.value, "回龙社区", "楼上漏水，多次协商未果", "已修复"] if v])


def forged(f):
    """A value nobody types into field ``f``: nasty text, or for a file input nasty bytes under a nasty name."""
    if f.kind == "file":
        content = st.sampled_from([b"", b"\x00" * 10, b"%PDF-1.4", b"GIF89a", png_bytes()[:40], b"\xff\xd8\xff" * 3])
        return st.tuples(st.just("file"), content, text_values())
    return st.one_of(text_values(), st.lists(text_values(), min_size=2, max_size=3))


@st.composite
def form_data(draw, form, today):
    """What is posted for ``form``: either every field valid-looking but one (forged or left out), or per
    field left out, forged or valid-looking (about half of them); maybe a junk field or two. Files are
    ("file", bytes, name) triples (see as_request_data)."""
    names = sorted(name for name in form.fields if name != "csrf_token")
    odd_one = draw(st.sampled_from(names)) if names and draw(st.booleans()) else None
    data = {}
    for name in names:
        f = form.fields[name]
        button = f.kind in ("button", "submit")  # pressing one ("add a party", "check") is another action
        if odd_one is not None:
            how = draw(st.integers(0, 2)) if name == odd_one else 0 if button else 5
            if button and name == odd_one:
                how = 5
        else:
            how = draw(st.integers(0, 5))
            if button and how < 4:
                how = 0
        if how == 0:
            continue
        data[name] = draw(forged(f) if how < 3 else valid_looking(f, today))
    for key, value in draw(st.lists(st.tuples(st.sampled_from(JUNK_KEYS[:-2]), text_values()), max_size=2)):
        if key != "csrf_token":
            data.setdefault(key, value)
    return data


def as_request_data(data):
    """``form_data`` for the test client: file triples become file objects, made anew for every request."""

    def one(value):
        if isinstance(value, tuple) and value and value[0] == "file":
            return io.BytesIO(value[1]), value[2]
        return value

    return {k: [one(v) for v in value] if isinstance(value, list) else one(value) for k, value in data.items()}


# --- the scene: a world with cases at several stages ---------------------------------------------------

SCENE_STAGES = ["registered", "accepted", "session", "agreement", "followed_up", "archived"]
# The URL arguments the scene has ids for: a rule with any other argument is not covered.
ID_ARGUMENTS = {
    "case_id",
    "session_id",
    "follow_up_id",
    "attachment_id",
    "party_id",
    "building_id",
    "grid_id",
    "unit_id",
    "parent_id",
    "handling_unit_id",
    "user_id",
    "notification_id",
    "order_id",
    "photo_id",
    "category_id",
    "key_id",
    # the help group (build_volunteer_scene)
    "event_id",
    "participation_id",
    "volunteer_id",
    "record_id",
    "certificate_id",
    "number",
    "code",
    "entry_id",
    "request_id",
}


def build_scene(app, password_hash):
    """The conftest world, a case of community A at each of SCENE_STAGES (the registered one reported by
    the grid worker), a registered case of community B and a notification for the mediator. Returns the
    world's ids with ``cases`` (stage -> id), ``ids`` (URL argument name -> existing ids, the most usable
    first) and ``children`` (case id -> argument name -> that case's ids)."""
    with app.app_context():
        world = build_world(password_hash)
        db.session.remove()
    cases = {
        stage: make_case(app, world, upto=stage, referred_by_role="grid_worker" if stage == "registered" else None)
        for stage in SCENE_STAGES
    }
    cases["community_b"] = make_case(app, world, upto="registered", community="community_b")
    with app.app_context():
        note = notify(db.session.get(User, world.users["mediator"]), "测试消息", "/notifications")
        db.session.commit()
        scene = SimpleNamespace(**vars(world), cases=cases, notification=note.id)
        scene.children = {}
        for case_id in cases.values():
            case = db.session.get(Case, case_id)
            scene.children[case_id] = {
                "session_id": [s.id for s in case.sessions],
                "follow_up_id": [f.id for f in case.follow_ups],
                "attachment_id": [a.id for a in case.attachments],
                "party_id": [p.id for p in case.parties],
            }
        units = first(world.community_a, db.session.scalars(select(OrgUnit.id)).all())
        grid = build_grid_scene(app, world)
        volunteers = build_volunteer_scene(app, world)
        scene.participations = volunteers["participations"]
        scene.login_token = volunteers["token"]
        scene.order_photos = grid["order_photos"]
        scene.ids = {
            "order_id": list(grid["order_photos"]),
            "photo_id": [i for ids in grid["order_photos"].values() for i in ids],
            "category_id": [grid["category"]],
            "key_id": [grid["api_key"]],
            "case_id": list(cases.values()),
            "session_id": sorted({i for c in scene.children.values() for i in c["session_id"]}),
            "follow_up_id": sorted({i for c in scene.children.values() for i in c["follow_up_id"]}),
            "attachment_id": sorted({i for c in scene.children.values() for i in c["attachment_id"]}),
            "party_id": sorted({i for c in scene.children.values() for i in c["party_id"]}),
            "building_id": db.session.scalars(select(Building.id)).all(),
            "grid_id": first(world.grid_a1, db.session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "grid")).all()),
            "unit_id": units,
            "parent_id": units,
            "handling_unit_id": db.session.scalars(select(HandlingUnit.id)).all(),
            "user_id": first(world.users["volunteer"], db.session.scalars(select(User.id)).all()),
            "notification_id": [note.id],
            **volunteers["ids"],
        }
        db.session.remove()
    scene.today = community_today()
    return scene


def build_grid_scene(app, world):
    """A grid category and a work order at each stage of tests.grid.factories.STAGES: {"category": id,
    "order_photos": {order id: its photo ids}} (inside an app context; the orders are built in their own)."""
    from app.grid.models import OrderPhoto
    from tests.grid.factories import STAGES, make_category, make_order

    category = make_category(app, world)
    orders = [make_order(app, world, upto=stage) for stage in STAGES]
    photos = {order_id: [] for order_id in orders}
    for photo_id, order_id in db.session.execute(select(OrderPhoto.id, OrderPhoto.order_id).order_by(OrderPhoto.id)):
        photos[order_id].append(photo_id)
    from app.grid.operations import create_api_key  # an Open311 API key of community A (its admin pages)

    api_key, _key = create_api_key(None, db.session.get(OrgUnit, world.community_a), "社区小程序")
    db.session.commit()
    return {"category": category, "order_photos": photos, "api_key": api_key.id}


def first(preferred, ids):
    """``ids`` with ``preferred`` first (what sample_args takes: a record the forms of the scene may edit)."""
    return [preferred] + [i for i in ids if i != preferred]


@st.composite
def url_args(draw, rule, scene, valid_share):
    """Values for the arguments of ``rule``: a case's own session, visit or attachment, or any id."""
    args = {}
    names = sorted(rule.arguments)
    case_id = None
    if "case_id" in names:
        # mostly a case that has the session, visit or attachment the rule names
        having = [c for c in scene.ids["case_id"] if all(scene.children[c].get(n, [0]) for n in names)]
        case_id = args["case_id"] = draw(id_values(having or scene.ids["case_id"], valid_share))
    for name in names:
        if name != "case_id":
            own = scene.children.get(case_id, {}).get(name)
            if name == "participation_id":  # mostly a participation of the event drawn
                own = scene.participations.get(args.get("event_id"))
            args[name] = draw(id_values(own or scene.ids[name], valid_share))
    return args


def sample_args(rule, scene):
    """One set of existing ids for ``rule`` (the most advanced case that has what it needs)."""
    for case_id in reversed(scene.ids["case_id"][:-1]):
        children = scene.children[case_id]
        if all(children.get(name, [None]) for name in rule.arguments):
            break
    args = {}
    for name in rule.arguments:
        if name == "case_id":
            args[name] = case_id
        else:
            args[name] = (scene.children[case_id].get(name) or scene.ids[name])[0]
    return args


def edge_argument_sets(rule, scene):
    """``sample_args`` with one argument at a time replaced by each of EDGE_INTS."""
    base = sample_args(rule, scene)
    return [dict(base, **{name: edge}) for name in sorted(rule.arguments) for edge in EDGE_INTS]


# --- reading back --------------------------------------------------------------------------------------


def read_every_row():
    """Load every row of every mapped class through the ORM in a new session (inside an app context), and
    read each of its column attributes: what was stored can be read back."""
    db.session.remove()
    count = 0
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.class_.__name__):
        for row in db.session.scalars(select(mapper.class_)).all():
            for attr in mapper.column_attrs:
                getattr(row, attr.key)
            count += 1
    db.session.remove()
    return count


def case_ids():
    """The ids of every case (inside an app context)."""
    ids = db.session.scalars(select(Case.id).order_by(Case.id)).all()
    db.session.remove()
    return ids


def build_volunteer_scene(app, world):
    """The help group's rows, built with its operations (inside an app context): the world's volunteer
    approved in community A, another approved one and one waiting for approval; events led by the coordinator
    (two past ones, one whose hours are confirmed and a correction asked for, one going on now and two to come,
    the world's volunteer signed up to one); a certificate, a care roster entry, an open help request and a
    one-time login link. Returns the URL arguments' ids (the most usable first), each event's participations,
    and the login link's token."""
    from app.volunteers import certificates, help_requests, roster
    from app.volunteers import operations as ops
    from app.volunteers.models import Participation, ServiceRecord, VisitFrequency, Volunteer
    from tests.volunteers.factories import details, make_event, make_volunteers

    make_volunteers(app, world, count=1)
    waiting = ops.join(db.session.get(OrgUnit, world.community_a), details("13700077777", name="郑待批"))
    db.session.commit()
    waiting_id = waiting.id

    def event(starts_in, hours=2):
        return make_event(app, world, starts_in=starts_in, hours=hours, leader="coordinator")

    from app.core.types import clock_at
    from app.volunteers.models import ServiceEvent

    unconfirmed, confirmed = event(timedelta(days=-2)), event(timedelta(days=-3))
    now, signed, open_ = event(timedelta(minutes=-30)), event(timedelta(days=2)), event(timedelta(days=3))
    community = db.session.get(OrgUnit, world.community_a)
    coordinator = db.session.get(User, world.users["coordinator"])
    user = db.session.get(User, world.users["volunteer"])
    extra = db.session.get(User, world.extra_volunteers[0])
    for event_id in (unconfirmed, confirmed, now, signed):
        found = db.session.get(ServiceEvent, event_id)
        with clock_at(found.starts_at - timedelta(hours=1)):
            ops.sign_up(user, found)
            if event_id == unconfirmed:
                ops.sign_up(extra, found)
    found = db.session.get(ServiceEvent, confirmed)
    with clock_at(found.ends_at + timedelta(hours=1)):
        ops.mark_attendance(coordinator, found, found.participations[0], True)
        ops.confirm_hours(coordinator, found, {}, "good", "探访")
        ops.request_correction(user, found, 3, "实际服务了三小时")
    found = db.session.get(ServiceEvent, unconfirmed)
    with clock_at(found.ends_at + timedelta(hours=1)):
        ops.mark_attendance(coordinator, found, found.participations[0], True)
    own = db.session.get(Volunteer, world.volunteer_row)
    own.id_number = "11010519491231002X"
    issued = certificates.issue(coordinator, own, "上门探访独居老人")
    entry = roster.save_entry(
        coordinator,
        community,
        None,
        {
            "resident_name": "李奶奶",
            "room": "502",
            "phone": "13812345678",
            "needs": "独居",
            "visit_frequency": VisitFrequency.weekly,
        },
    )
    asked = help_requests.ask(
        db.session.get(User, world.users["grid_worker"]), community, {"description": "门锁坏了", "skills": ["维修"]}
    )
    token = ops.create_login_link(coordinator, own)
    db.session.commit()
    events = [unconfirmed, confirmed, now, signed, open_]
    participations = {e: [] for e in events}
    for participation_id, event_id in db.session.execute(
        select(Participation.id, Participation.event_id).order_by(Participation.id)
    ):
        participations[event_id].append(participation_id)
    ids = {
        "event_id": events,
        "participation_id": [i for e in events for i in participations[e]],
        "volunteer_id": [world.volunteer_row, waiting_id]
        + [
            i
            for i in db.session.scalars(select(Volunteer.id).order_by(Volunteer.id))
            if i not in (world.volunteer_row, waiting_id)
        ],
        "record_id": db.session.scalars(select(ServiceRecord.id).order_by(ServiceRecord.id)).all(),
        "certificate_id": [issued.id],
        "number": [issued.number],
        "code": [certificates.check_code(issued.number)],
        "entry_id": [entry.id],
        "request_id": [asked.id],
    }
    return {"ids": ids, "participations": participations, "token": token}
