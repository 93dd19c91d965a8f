"""The language of the access matrix (tests/test_access_matrix.py): what each role gets from a page, and
what a POST with valid data does at each stage of a case. Each feature's rows live with its tests, in
``tests/<feature>/access.py`` (``ROWS``), and the matrix gathers them for every registered feature."""

from dataclasses import dataclass, field

from tests.conftest import ROLES
from tests.mediation.factories import case_dates

LOGGED_IN = [r for r in ROLES if r != "anonymous"]
ADMIN = ["admin"]
STUDIO = ["admin", "mediator", "outsider", "colleague"]  # mediators and admins, each in their own area
CASE_STAFF = ["admin", "mediator"]  # the case's own mediator and the street's admin
FIRST_DECIDERS = ["admin", "mediator", "colleague"]  # any mediator of the studio, before acceptance
POST_STAGES = ("registered", "agreement")
LOGIN = "login"  # a redirect to the login page
MISSING = 10**6  # the id of a record that does not exist (a registered case has no visit yet)


@dataclass(frozen=True)
class Outcome:
    status: int | str  # an HTTP status, or LOGIN
    changes: bool | None  # whether the database changes; None: not checked

    @property
    def refused(self):
        return self.status in (403, 404, LOGIN)


def outcome(value, changes=None):
    """An Outcome from a status or a (status, changes) pair; a refusal changes nothing."""
    if isinstance(value, tuple):
        return Outcome(*value)
    return Outcome(value, False if value in (403, 404, LOGIN) else changes)


def answers(ok=200, roles=LOGGED_IN, others=403, anonymous=LOGIN, changes=None, **special):
    """Expected Outcome per role: ``ok`` for ``roles``, ``others`` for the other logged-in roles, ``anonymous``
    for visitors. ``changes`` is what ``ok`` does to the database; refusals change nothing. ``anonymous`` and
    ``special`` (a role's own answer) are a status or a (status, changes) pair."""
    table = {role: outcome(ok, changes) if role in roles else outcome(others) for role in LOGGED_IN}
    table["anonymous"] = outcome(anonymous, changes)
    table.update({role: outcome(value) for role, value in special.items()})
    return table


@dataclass
class Row:
    get: dict | None = None  # role -> Outcome of a GET on the agreement-stage case
    post: dict = field(default_factory=dict)  # stage -> role -> Outcome
    data: object = None  # (world, stage) -> form data of the POST


def page(**kwargs):
    return Row(get=answers(**kwargs))


def case_page(roles=("admin", "mediator", "colleague")):
    """A page of a case of community A: its studio's staff (the outsider, a mediator of B, gets 404)."""
    return Row(get=answers(roles=list(roles), outsider=404))


def case_action(data, registered, agreement, get=True):
    """A form that changes a case of community A, as (stage -> ok roles -> (status, changes))."""
    post = {}
    for stage, outcomes in (("registered", registered), ("agreement", agreement)):
        special = {role: outcomes.get(role, 403) for role in ("admin", "mediator", "colleague")}
        post[stage] = answers(roles=[], outsider=404, **special)
    return Row(get=answers(roles=CASE_STAFF, outsider=404) if get else None, post=post, data=data)


def same_at_both_stages(get, data, **kwargs):
    """A form that is not about a case: the same answers whatever the stage of the world's cases."""
    return Row(get=get, post={stage: answers(**kwargs) for stage in POST_STAGES}, data=data)


CHANGED = (302, True)
REFUSED_BY_STATE = (200, False)  # the form comes back with the reason, nothing is saved


# --- form data ---------------------------------------------------------------------------------------


def form_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def intake(world, stage):
    when = case_dates()
    return {
        "source": "party_application",
        "category": "neighbour",
        "risk_level": "low",
        "summary": "楼道堆物引发争吵",
        "registered_on": when.today.isoformat(),
        "grid_id": "0",
        "building_id": "0",
        "parties-0-role": "applicant",
        "parties-0-name": "赵大妈",
        "parties-0-phone": "13711112222",
        "parties-1-role": "respondent",
        "parties-1-name": "钱大爷",
    }


def user_form(world, name="孙志愿"):
    return {
        "name": name,
        "roles": "volunteer",
        "org_unit_id": str(world.grid_a2),
        "handling_unit_id": "0",
        "home_building_id": "0",
        "active": "y",
    }


def agreement_form(world, stage):
    when = case_dates()
    return {
        "form": "written",
        "concluded_on": when.agreement.isoformat(),
        "facts": "卫生间防水层老化导致漏水",
        "issues": "漏水责任与赔偿数额",
        "responsibilities": "被申请人承担主要责任",
        "terms": "被申请人修复防水层",
        "performance_method": "现金支付",
        "performance_place": "回龙社区调解室",
        "performance_deadline": when.performance_deadline.isoformat(),
        "version": world.cases[stage].agreement_version,
    }
