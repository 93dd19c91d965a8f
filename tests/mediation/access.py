"""The mediation studio's rows of the access matrix (tests/test_access_matrix.py)."""

import io
from datetime import datetime, time, timedelta

from tests.access_support import (
    CHANGED,
    FIRST_DECIDERS,
    REFUSED_BY_STATE,
    STUDIO,
    agreement_form,
    case_action,
    case_page,
    form_time,
    intake,
    page,
    same_at_both_stages,
)
from tests.mediation.factories import case_dates, png_bytes

DATA = {
    "mediation.new_case": intake,
    "mediation.studio": lambda w, s: {
        "name": "调解工作室",
        "committee_name": "人民调解委员会",
        "number_prefix": "调",
        "number_format": "{prefix}〔{year}〕第{seq:03d}号",
        "follow_up_days": "14",
        "retention_years": "10",
    },
    "mediation.accept": lambda w, s: {
        "presiding_mediator_id": str(w.users["mediator"]),
        "accepted_on": case_dates().today.isoformat(),
    },
    "mediation.decline": lambda w, s: {"reason": "属于法院已受理的纠纷"},
    "mediation.refer": lambda w, s: {"referred_to": "舞阳派出所", "note": "涉及治安案件"},
    "mediation.withdraw": lambda w, s: {"reason": "双方已自行和解"},
    "mediation.rights_notice": lambda w, s: {"given_on": case_dates().today.isoformat()},
    "mediation.extend": lambda w, s: {
        "until": (case_dates().today + timedelta(days=40)).isoformat(),
        "reason": "需等待维修报价",
        "both_consent": "y",
    },
    "mediation.new_session": lambda w, s: {
        "started_at": form_time(datetime.combine(case_dates().today - timedelta(days=1), time(9, 30))),
        "place": "回龙社区调解室",
        "is_open": "y",
        "attendees": "张建华、李秀兰",
        "applicant_statement": "漏水未修",
        "respondent_statement": "愿意修复",
        "outcome": "约定下周再谈",
        "recorder": "王调解",
    },
    "mediation.add_helper": lambda w, s: {
        "kind": "legal_adviser",
        "user_id": "0",
        "name": "周律师",
        "organisation": "清溪律师事务所",
    },
    "mediation.recusal": lambda w, s: {
        "mediator_id": str(w.users["mediator"]),
        "replacement_id": str(w.users["colleague"]),
        "requested_by": "张建华",
        "reason": "调解员与被申请人是亲戚",
    },
    "mediation.agreement": agreement_form,
    "mediation.confirmation": lambda w, s: {
        "applied_on": case_dates().confirmation_applied.isoformat(),
        "court": "清溪县人民法院",
        "result": "pending",
        "version": w.cases[s].agreement_version,
    },
    "mediation.end": lambda w, s: {"reason": "被申请人拒绝继续调解", "other_routes": "可向人民法院起诉"},
    "mediation.follow_up": lambda w, s: {
        "done_on": case_dates().visited.isoformat(),
        "method": "doorstep",
        "performance": "performed",
        "applicant_satisfaction": "satisfied",
        "respondent_satisfaction": "basically_satisfied",
        "note": "已修复",
    },
    "mediation.new_attachment": lambda w, s: {
        "kind": "photo",
        "title": "漏水照片",
        "file": (io.BytesIO(png_bytes()), "leak.png"),
    },
    "mediation.archive": lambda w, s: {},
    "mediation.edit_party": lambda w, s: {
        "name": "张建华",
        "sex": "male",
        "phone": "13912345678",
        "id_number": "11010519491231002X",
        "building_id": "0",
        "age": "67",
        "ethnicity": "汉族",
        "occupation": "退休教师",
    },
    "mediation.index": lambda w, s: {"q": "13912345678", "status": "registered"},
}

ROWS = {
    # a search is posted and kept in the session (app.core.searches): the database does not change
    "mediation.index": same_at_both_stages(
        page(roles=STUDIO).get, DATA["mediation.index"], ok=302, roles=STUDIO, changes=False
    ),
    # each registers a case in their own community (the outsider in B)
    "mediation.new_case": same_at_both_stages(
        page(roles=STUDIO).get, DATA["mediation.new_case"], ok=302, roles=STUDIO, changes=True
    ),
    "mediation.studio": same_at_both_stages(
        page(roles=STUDIO).get, DATA["mediation.studio"], ok=302, roles=STUDIO, changes=True
    ),
    "mediation.stats": page(roles=STUDIO),
    "mediation.oral_agreements": page(roles=STUDIO),
    "mediation.stats_xlsx": page(roles=STUDIO),
    # the case belongs to community A: the outsider (a mediator of B) does not learn it exists; a colleague
    # (another mediator of A, not on the case) sees it with masked numbers
    "mediation.show": case_page(),
    # the grid worker who reported the case sees its status, nobody else outside the studio
    "mediation.status": page(roles=["admin", "mediator", "colleague", "grid_worker"], others=404),
    # first decisions: any mediator of the studio while the case is registered, then only its own
    "mediation.accept": case_action(
        DATA["mediation.accept"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.decline": case_action(
        DATA["mediation.decline"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.refer": case_action(
        DATA["mediation.refer"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.withdraw": case_action(
        DATA["mediation.withdraw"],
        {r: CHANGED for r in FIRST_DECIDERS},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    # everything else: the case's own mediators and admins; the state may still refuse it
    "mediation.rights_notice": case_action(
        DATA["mediation.rights_notice"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        get=False,
    ),
    "mediation.print_rights_notice": case_page(),
    "mediation.extend": case_action(
        DATA["mediation.extend"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.new_session": case_action(
        DATA["mediation.new_session"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    "mediation.show_session": case_page(),
    "mediation.add_helper": case_action(
        DATA["mediation.add_helper"], {"admin": CHANGED, "mediator": CHANGED}, {"admin": CHANGED, "mediator": CHANGED}
    ),
    "mediation.recusal": case_action(
        DATA["mediation.recusal"],  # only while the case runs
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    # recorded only after a session; corrected until the follow-up visit
    "mediation.agreement": case_action(
        DATA["mediation.agreement"],
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": CHANGED, "mediator": CHANGED},
    ),
    "mediation.print_agreement": case_page(),
    "mediation.agreement_pdf": case_page(),
    # without an agreement there is nothing to confirm (403 before the form)
    "mediation.confirmation": case_action(
        DATA["mediation.confirmation"], {"admin": 403, "mediator": 403}, {"admin": CHANGED, "mediator": CHANGED}
    ),
    "mediation.end": case_action(
        DATA["mediation.end"],  # only while the case is in mediation
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
        {"admin": REFUSED_BY_STATE, "mediator": REFUSED_BY_STATE},
    ),
    # a registered case has no visit to record (404)
    "mediation.follow_up": case_action(
        DATA["mediation.follow_up"], {"admin": 404, "mediator": 404}, {"admin": CHANGED, "mediator": CHANGED}
    ),
    "mediation.new_attachment": case_action(
        DATA["mediation.new_attachment"],
        {"admin": CHANGED, "mediator": CHANGED},
        {"admin": CHANGED, "mediator": CHANGED},
    ),
    "mediation.attachment": case_page(),
    # a party's details: the case's own mediators and admins, until the case is archived
    "mediation.edit_party": case_action(
        DATA["mediation.edit_party"], {"admin": CHANGED, "mediator": CHANGED}, {"admin": CHANGED, "mediator": CHANGED}
    ),
    # refused with a message on the case page: not decided yet, no follow-up yet
    "mediation.archive": case_action(
        DATA["mediation.archive"],
        {"admin": (302, False), "mediator": (302, False)},
        {"admin": (302, False), "mediator": (302, False)},
        get=False,
    ),
}


def build(app, world):
    """The first party (the applicant) of each stage's case, for the party form's address."""
    from sqlalchemy import select

    from app.extensions import db
    from app.mediation.models import Party

    with app.app_context():
        world.parties = {
            stage: db.session.scalar(select(Party.id).where(Party.case_id == case.id).order_by(Party.position).limit(1))
            for stage, case in world.cases.items()
        }
        db.session.remove()


def url_args(world, stage):
    return {"party_id": world.parties[stage]}
