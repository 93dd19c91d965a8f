"""Property tests over every URL rule and every form: no request anybody can send gets a 5xx answer, and
nothing a form stores makes a row or a page unreadable afterwards.

- ``test_no_get_answers_5xx``: for each rule that answers GET, each of EVERY_RULE_ROLES GETs it with
  existing ids, an admin GETs it with each edge id (0, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64,
  10**20) in each argument, then Hypothesis draws ids (existing ones or edges), a role (any of ROLES) and a
  query string (the page's own filter fields, keys the views read, junk keys such as ``endpoint``; values
  empty, blank, with control characters and NUL, long, in full-width digits, edge dates, huge numbers,
  other scripts, "%" and "_").
- ``test_no_form_post_answers_5xx_or_stores_unreadable_data``: for each rule that accepts POST, its form is
  found on the page that shows it (FORM_PAGES) with its fields, options and hidden values. An admin posts
  an empty form to each edge id, and on each case (or record) the form as shown and an empty one; then
  Hypothesis posts as mostly somebody who sees the form: every field
  valid-looking but one (forged or left out), or each field valid-looking, forged or left out. After a post
  answered with a redirect every row of every table is read through the ORM and the form's page rendered;
  at the end, every row again and, as an admin, the lists and the page of every case that changed.
- ``test_every_rule_and_form_is_covered``: the tables below name every rule of the app (but EXCLUDED), the
  scene has ids for every argument, and every form on every page posts to a rule of FORM_PAGES.

A failure prints the smallest example found (role, ids, query string or form values). The data made by
one example stays for the next ones of the same test (tables are emptied after each test). The world and
its cases are built once and put back before each test, as in tests/test_access_matrix.py. Examples are
drawn from a fixed seed (derandomize), so a run is repeatable; PROPERTY_EXAMPLES_SCALE=20 searches longer.
"""

import copy
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.extensions import db
from tests.conftest import ROLES, database_rows, empty_tables, put_back
from tests.properties_support import (
    ID_ARGUMENTS,
    as_request_data,
    as_shown,
    build_scene,
    case_ids,
    edge_argument_sets,
    form_data,
    forms_posting_to,
    merged,
    page_forms,
    post_endpoint,
    query_strings,
    read_every_row,
    sample_args,
    url_args,
)

# Rules not generated, and why.
EXCLUDED = {
    "static": "Flask's own file server (safe_join over app/static), no code of the app",
    # the Open311 API answers XML or JSON and has no HTML form: tests/grid/test_open311.py draws its filters and
    # every field of its POST (never a 5xx, nothing unreadable stored)
    **{
        f"open311.{name}": "the Open311 API (tests/grid/test_open311.py)"
        for name in ("discovery", "services", "service_definition", "requests", "service_request")
    },
}

GET_ENDPOINTS = [
    "core.home",
    "core.healthz",
    "core.notifications",
    "auth.login",
    "auth.account",
    "auth.change_password",
    "admin.index",
    "admin.units",
    "admin.new_unit",
    "admin.edit_unit",
    "admin.buildings",
    "admin.new_building",
    "admin.edit_building",
    "admin.handling_units",
    "admin.new_handling_unit",
    "admin.edit_handling_unit",
    "admin.users",
    "admin.new_user",
    "admin.edit_user",
    "admin.audit",
    "mediation.index",
    "mediation.new_case",
    "mediation.studio",
    "mediation.stats",
    "mediation.stats_xlsx",
    "mediation.oral_agreements",
    "mediation.show",
    "mediation.status",
    "mediation.accept",
    "mediation.decline",
    "mediation.refer",
    "mediation.withdraw",
    "mediation.print_rights_notice",
    "mediation.extend",
    "mediation.new_session",
    "mediation.show_session",
    "mediation.add_helper",
    "mediation.recusal",
    "mediation.agreement",
    "mediation.print_agreement",
    "mediation.agreement_pdf",
    "mediation.confirmation",
    "mediation.end",
    "mediation.follow_up",
    "mediation.new_attachment",
    "mediation.attachment",
    "mediation.edit_party",
    "grid.index",
    "grid.orders",
    "grid.report",
    "grid.show",
    "grid.photo",
    "grid.dispatch",
    "grid.return_order",
    "grid.reply",
    "grid.verify",
    "grid.settle",
    "grid.supervise",
    "grid.categories",
    "grid.new_category",
    "grid.edit_category",
    "grid.api_keys",
    "grid.new_api_key",
    "grid.figures",
    "grid.figures_xlsx",
    "grid.filter_orders",
    "grid.find",
    "grid.merge",
    "grid.register_call",
    "grid.service_worker",
    "volunteers.index",
    "volunteers.join",
    "volunteers.poster",
    "volunteers.me",
    "volunteers.profile",
    "volunteers.people",
    "volunteers.person",
    "volunteers.reject",
    "volunteers.token_login",  # with junk ?token= (the query strings); a valid one in FORM_QUERIES
    "volunteers.events",
    "volunteers.new_event",
    "volunteers.event",
    "volunteers.checkin_code",
    "volunteers.check_in",  # with junk ?code= (the query strings); a valid one in FORM_QUERIES
    "volunteers.confirm_hours",
    "volunteers.correction",
    "volunteers.corrections",
    "volunteers.decide_correction",
    "volunteers.issue_certificate",
    "volunteers.certificate_page",
    "volunteers.certificate_pdf",
    "volunteers.verify_certificate",
    "volunteers.roster",
    "volunteers.roster_new",
    "volunteers.roster_entry",
    "volunteers.roster_edit",
    "volunteers.roster_visit",
    "volunteers.help_requests",
    "volunteers.help_new",
    "volunteers.help_request",
    "volunteers.help_accept",
    "volunteers.help_decline",
    "volunteers.figures",
    "volunteers.figures_xlsx",
]

# Each rule that accepts POST, and the page whose form posts to it (its arguments are the page's too).
FORM_PAGES = {
    "core.set_language": "core.home",  # the footer of every page
    "core.open_notification": "core.notifications",
    "core.read_all_notifications": "core.notifications",
    "auth.login": "auth.login",
    "auth.logout": "core.home",  # the menu of every page
    "auth.account": "auth.account",
    "auth.change_password": "auth.change_password",
    "admin.new_unit": "admin.new_unit",
    "admin.edit_unit": "admin.edit_unit",
    "admin.new_building": "admin.new_building",
    "admin.edit_building": "admin.edit_building",
    "admin.new_handling_unit": "admin.new_handling_unit",
    "admin.edit_handling_unit": "admin.edit_handling_unit",
    "admin.new_user": "admin.new_user",
    "admin.edit_user": "admin.edit_user",
    "admin.reset_password": "admin.edit_user",
    "admin.users": "admin.users",  # the search (app.core.searches)
    "admin.audit": "admin.audit",
    "mediation.index": "mediation.index",
    "mediation.new_case": "mediation.new_case",
    "mediation.studio": "mediation.studio",
    "mediation.accept": "mediation.accept",
    "mediation.decline": "mediation.decline",
    "mediation.refer": "mediation.refer",
    "mediation.withdraw": "mediation.withdraw",
    "mediation.rights_notice": "mediation.show",
    "mediation.extend": "mediation.extend",
    "mediation.new_session": "mediation.new_session",
    "mediation.add_helper": "mediation.add_helper",
    "mediation.recusal": "mediation.recusal",
    "mediation.agreement": "mediation.agreement",
    "mediation.confirmation": "mediation.confirmation",
    "mediation.end": "mediation.end",
    "mediation.follow_up": "mediation.follow_up",
    "mediation.new_attachment": "mediation.new_attachment",
    "mediation.archive": "mediation.show",
    "mediation.edit_party": "mediation.edit_party",
    "grid.report": "grid.report",
    "grid.dispatch": "grid.dispatch",
    "grid.sign": "grid.show",  # a button on the order's page
    "grid.return_order": "grid.return_order",
    "grid.start": "grid.show",
    "grid.reply": "grid.reply",
    "grid.verify": "grid.verify",
    "grid.close": "grid.show",
    "grid.settle": "grid.settle",
    "grid.supervise": "grid.supervise",
    "grid.new_category": "grid.new_category",
    "grid.edit_category": "grid.edit_category",
    "grid.new_api_key": "grid.new_api_key",
    "grid.revoke_api_key": "grid.api_keys",  # a button on the list of keys
    "grid.register_call": "grid.register_call",
    "grid.merge": "grid.merge",
    "volunteers.join_step": "volunteers.join",
    "volunteers.profile": "volunteers.profile",
    "volunteers.approve": "volunteers.person",  # a button on the person's page
    "volunteers.reject": "volunteers.reject",
    "volunteers.login_link": "volunteers.person",  # a button on the person's page
    "volunteers.token_login": "volunteers.token_login",
    "volunteers.new_event": "volunteers.new_event",
    "volunteers.sign_up": "volunteers.event",  # a button on the event's page
    "volunteers.cancel": "volunteers.event",  # a button on the event's page
    "volunteers.check_in": "volunteers.check_in",
    "volunteers.attendance": "volunteers.confirm_hours",  # a button per volunteer on the hours page
    "volunteers.confirm_hours": "volunteers.confirm_hours",
    "volunteers.correction": "volunteers.correction",
    "volunteers.decide_correction": "volunteers.decide_correction",
    "volunteers.issue_certificate": "volunteers.issue_certificate",
    "volunteers.roster_new": "volunteers.roster_new",
    "volunteers.roster_edit": "volunteers.roster_edit",
    "volunteers.roster_visit": "volunteers.roster_visit",
    "volunteers.help_new": "volunteers.help_new",
    "volunteers.help_accept": "volunteers.help_accept",
    "volunteers.help_decline": "volunteers.help_decline",
}
# Pages that show their form only with a signed value in the query string (what the link or QR code carries):
# the query a page of FORM_PAGES is opened with, from the scene.
FORM_QUERIES = {
    "volunteers.check_in": lambda args, scene: {"code": checkin_code(args["event_id"])},
    "volunteers.token_login": lambda args, scene: {"token": scene.login_token},
    # the poster's link: the sign-up's steps (choosing the community is a GET form that leads to this link)
    "volunteers.join_step": lambda args, scene: {"community": scene.community_a},
}

# Who looks for the fields of a form (the examples post mostly as those who see it, sometimes as others).
DISCOVERING_ROLES = ["admin", "mediator", "grid_worker", "handler", "anonymous", "coordinator", "volunteer"]
# The pages read back as an admin after the posts to a blueprint's forms (mediation: every case's page too).
READ_BACK = {
    "core": ["core.home", "core.notifications"],
    "auth": ["core.home", "auth.account", "admin.users", "admin.audit"],
    "admin": ["admin.users", "admin.units", "admin.handling_units", "admin.audit", "mediation.new_case"],
    "mediation": ["core.home", "mediation.index", "mediation.stats", "mediation.oral_agreements", "admin.audit"],
    "grid": ["core.home", "grid.index", "grid.orders", "grid.categories", "admin.audit"],
    "volunteers": [
        "core.home",
        "volunteers.index",
        "volunteers.people",
        "volunteers.events",
        "volunteers.corrections",
        "volunteers.roster",
        "volunteers.help_requests",
        "volunteers.figures",
        "admin.audit",
    ],
}

# Examples per rule, times PROPERTY_EXAMPLES_SCALE from the environment (say 20, for a longer search).
SCALE = max(1, int(os.environ.get("PROPERTY_EXAMPLES_SCALE") or 1))
GET_EXAMPLES = 8 * SCALE
POST_EXAMPLES = 8 * SCALE
# Who GETs every rule with existing ids before the examples (which draw from all of ROLES).
EVERY_RULE_ROLES = ["admin", "mediator", "colleague", "outsider", "volunteer", "anonymous"]
# Pages that take seconds to make (a PDF): made once, by an admin; the examples send ids that do not exist.
SLOW_PAGES = {"mediation.agreement_pdf"}


def property_settings(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no "explain": it traces every line, slowly
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


def rule_of(app, endpoint):
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    return rule


def url(app, endpoint, args):
    return app.url_map.bind("localhost").build(endpoint, args)


def logged_in(app, login_as, role):
    client = app.test_client()
    login_as(role, client)
    return client


def answered(what, send, *args, **kwargs):
    """The response of ``send(*args, **kwargs)``, which must not be a 5xx; ``what`` (the request) is added
    to any error it raises."""
    try:
        response = send(*args, **kwargs)
    except Exception as error:
        error.add_note(f"raised by {what}")
        raise
    assert response.status_code < 500, f"{what} answered {response.status_code}"
    return response


@pytest.fixture(scope="module")
def saved():
    """The scene's ids and rows, once per run of this module."""
    return {}


@pytest.fixture
def world(app, password_hash, saved):
    """Overrides the conftest world: the same people and places, with cases at every stage (build_scene),
    put back before each test."""
    with app.app_context():
        if not saved:
            db.session.remove()
            empty_tables()
            saved["scene"] = build_scene(app, password_hash)
            saved["rows"] = database_rows()
        else:
            put_back(saved["rows"])
        db.session.remove()
    return copy.deepcopy(saved["scene"])


# --- every rule that answers GET ---------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_no_get_answers_5xx(app, world, login_as, endpoint):
    scene = world
    rule = rule_of(app, endpoint)
    clients = {role: logged_in(app, login_as, role) for role in ROLES}
    page = url(app, endpoint, sample_args(rule, scene))
    keys = set()
    slow = endpoint in SLOW_PAGES
    for role in EVERY_RULE_ROLES:
        if slow and role not in ("admin", "outsider", "volunteer", "anonymous"):
            continue
        response = answered(f"GET {page} as {role}", clients[role].get, page)
        if response.status_code == 200 and response.mimetype == "text/html":
            forms = page_forms(page, response.get_data(as_text=True))
            keys |= {name for form in forms if form.method == "get" for name in form.fields}

    for args in edge_argument_sets(rule, scene):
        path = url(app, endpoint, args)
        answered(f"GET {path} as admin", clients["admin"].get, path)

    @property_settings(GET_EXAMPLES)
    @given(
        role=st.sampled_from(ROLES),
        args=url_args(rule, scene, valid_share=0 if slow else 6),
        query=query_strings(sorted(keys)),
    )
    def no_5xx(role, args, query):
        path = url(app, endpoint, args)
        answered(f"GET {path}?{query} as {role}", clients[role].get, path, query_string=query)

    no_5xx()


# --- every form --------------------------------------------------------------------------------------


def page_args(app, endpoint, args):
    """The arguments of the page that shows the form of ``endpoint`` posted with ``args``."""
    page_rule = rule_of(app, FORM_PAGES[endpoint])
    return {name: args[name] for name in page_rule.arguments}


def checkin_code(event_id):
    """The check-in code the leader's page shows now for the event (none for an event that does not exist)."""
    from app.volunteers import operations as ops
    from app.volunteers.models import ServiceEvent

    event = db.session.get(ServiceEvent, event_id) if event_id < 2**63 else None
    code = ops.checkin_code(event) if event is not None else ""
    db.session.remove()
    return code


def forms_on_page(app, client, endpoint, args, scene=None):
    """The forms posting to ``endpoint`` on its page, as the client sees the page (opened with FORM_QUERIES)."""
    page = url(app, FORM_PAGES[endpoint], page_args(app, endpoint, args))
    if scene is not None and endpoint in FORM_QUERIES:
        with app.app_context():
            page += "?" + urlencode(FORM_QUERIES[endpoint](args, scene))
    response = answered(f"GET {page}", client.get, page)
    if response.status_code != 200 or response.mimetype != "text/html":
        return []
    return forms_posting_to(app, page_forms(page, response.get_data(as_text=True)), endpoint)


def argument_sets(rule, scene):
    """Existing ids for ``rule``: every case of the scene for a case's page, every work order for an order's
    page, every event (with its participations) or volunteer of the help group, else one set."""
    if "event_id" in rule.arguments:
        base = sample_args(rule, scene)
        if "participation_id" not in rule.arguments:
            return [dict(base, event_id=event_id) for event_id in scene.ids["event_id"]]
        return [
            dict(base, event_id=event_id, participation_id=participation_id)
            for event_id, participations in scene.participations.items()
            for participation_id in participations[:1]
        ]
    if "volunteer_id" in rule.arguments:
        return [dict(sample_args(rule, scene), volunteer_id=i) for i in scene.ids["volunteer_id"]]
    if "order_id" in rule.arguments:
        base = sample_args(rule, scene)
        return [
            dict(base, order_id=order_id, **({"photo_id": photos[0]} if "photo_id" in rule.arguments else {}))
            for order_id, photos in scene.order_photos.items()
        ]
    if "case_id" not in rule.arguments:
        return [sample_args(rule, scene)]
    sets = []
    for case_id in scene.ids["case_id"]:
        children = scene.children[case_id]
        if all(children.get(name, [None]) for name in rule.arguments - {"case_id"}):
            sets.append({"case_id": case_id, **{n: children[n][0] for n in rule.arguments - {"case_id"}}})
    return sets


def discover_form(app, login_as, endpoint, rule, scene):
    """The form posting to ``endpoint`` (every field any of DISCOVERING_ROLES sees on any case), and who saw it."""
    found, users = [], []
    for role in DISCOVERING_ROLES:
        client = logged_in(app, login_as, role)
        for args in argument_sets(rule, scene):
            forms = forms_on_page(app, client, endpoint, args, scene)
            if forms:
                found += forms
                users.append(role)
                break
    assert found, f"no page shows a form posting to {endpoint} (FORM_PAGES names {FORM_PAGES[endpoint]})"
    return merged(found), users


def posting_roles(users):
    """A role for a post: three times in four one of ``users`` (who see the form), else anybody."""
    others = [r for r in ROLES if r not in users]
    return st.integers(0, 3).flatmap(lambda n: st.sampled_from(users if n < 3 or not others else others))


def read_back(app, reader, pages):
    """Every row of every table through the ORM, then ``pages`` as an admin."""
    with app.app_context():
        read_every_row()
    for page in pages:
        answered(f"reading back: GET {page} as admin", reader.get, page)


def read_back_everything(app, reader, endpoint, cases):
    """Every row, the pages that show what the forms of the endpoint's blueprint make, and ``cases``' pages."""
    pages = [url(app, name, {}) for name in READ_BACK[endpoint.split(".")[0]]]
    read_back(app, reader, pages + [url(app, "mediation.show", {"case_id": case_id}) for case_id in sorted(cases)])


@pytest.mark.parametrize("endpoint", sorted(FORM_PAGES))
def test_no_form_post_answers_5xx_or_stores_unreadable_data(app, world, login_as, client, endpoint):
    scene = world
    rule = rule_of(app, endpoint)
    known, users = discover_form(app, login_as, endpoint, rule, scene)
    reader = app.test_client()
    changed_cases = set()  # the cases a post was answered with a redirect for: it may have stored something
    login_as("admin")
    for args in edge_argument_sets(rule, scene):
        path = url(app, endpoint, args)
        answered(f"POST {path} as admin, no field", client.post, path, data={})
    # on every case (or record): the form as the page shows it, then nothing at all
    for args in argument_sets(rule, scene):
        path = url(app, endpoint, args)
        shown = forms_on_page(app, client, endpoint, args, scene)
        for form in [f for f in shown if f.action.split("?")[0] == path][:1]:
            data = as_shown(form)
            answered(f"POST {form.action} {data} as admin", client.post, form.action, data=data)
        answered(f"POST {path} as admin, no field", client.post, path, data={})

    @property_settings(POST_EXAMPLES)
    @given(role=posting_roles(users), args=url_args(rule, scene, valid_share=8), data=st.data())
    def no_5xx(role, args, data):
        login_as(role)
        path = url(app, endpoint, args)
        fresh = [f for f in forms_on_page(app, client, endpoint, args, scene) if f.action.split("?")[0] == path]
        form = merged(fresh) if fresh else known
        values = data.draw(form_data(form, scene.today), label="form")
        action = fresh[0].action if fresh else path
        response = answered(f"POST {action} as {role}", client.post, action, data=as_request_data(values))
        # after a redirect (what a saved form answers), what it stored: every row, and the form's page
        if response.status_code in (301, 302, 303):
            if args.get("case_id") in scene.ids["case_id"]:
                changed_cases.add(args["case_id"])
            login_as("admin", reader)
            read_back(app, reader, [url(app, FORM_PAGES[endpoint], page_args(app, endpoint, args))])

    no_5xx()
    # once (slower than a post): every row, the lists, the new cases and the changed cases
    with app.app_context():
        changed_cases.update(set(case_ids()) - set(scene.ids["case_id"]))
    login_as("admin", reader)
    read_back_everything(app, reader, endpoint, changed_cases)


# --- coverage ----------------------------------------------------------------------------------------


def test_every_rule_and_form_is_covered(app, world, login_as):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in EXCLUDED]
    get_rules = {r.endpoint for r in rules if "GET" in r.methods}
    post_rules = {r.endpoint for r in rules if "POST" in r.methods}
    assert sorted(get_rules - set(GET_ENDPOINTS)) == [], "rules answering GET that no property test sends"
    assert sorted(set(GET_ENDPOINTS) - get_rules) == [], "GET_ENDPOINTS names rules that do not exist"
    assert sorted(post_rules - set(FORM_PAGES)) == [], "rules accepting POST that no property test posts to"
    assert sorted(set(FORM_PAGES) - post_rules) == [], "FORM_PAGES names rules that do not exist"
    for r in rules:
        assert r.arguments <= ID_ARGUMENTS, f"{r.rule}: no ids for {sorted(r.arguments - ID_ARGUMENTS)}"
        if r.endpoint in FORM_PAGES:
            page_rule = rule_of(app, FORM_PAGES[r.endpoint])
            assert page_rule.arguments <= r.arguments, f"{r.endpoint}: its page needs other arguments"

    # every form on every page (as an admin and as a visitor) posts to one of FORM_PAGES (each POST test
    # finds its form on the page FORM_PAGES names, or fails)
    for role in ("admin", "anonymous"):
        client = logged_in(app, login_as, role)
        for endpoint in GET_ENDPOINTS:
            if endpoint in SLOW_PAGES:
                continue
            page = url(app, endpoint, sample_args(rule_of(app, endpoint), world))
            response = client.get(page)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in page_forms(page, response.get_data(as_text=True)):
                if form.method == "post":
                    target = post_endpoint(app, form.action)
                    assert target is not None, f"a form on {page} posts to {form.action}, which is no rule"
                    assert target[0] in FORM_PAGES, f"a form on {page} posts to {target[0]}, not generated"


def test_the_scene_reads_back(app, world):
    """The read-back itself, on the scene as built: every row and every case (a check of the check)."""
    with app.app_context():
        assert read_every_row() > 50
        assert case_ids() == sorted(world.cases.values())
