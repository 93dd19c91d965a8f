"""The busiest pages send a fixed number of SQL statements, however much they show: a lazy load in a loop
(one more query per party, per case, per visit) fails here. When a page really needs one statement more or
less, change the number and say why."""

from datetime import timedelta

from sqlalchemy import update

from app.core.models import User
from app.extensions import db
from app.mediation import operations as ops
from app.mediation.models import Case, FollowUp
from tests.mediation.factories import case_dates, leak_parties, make_case

# the user (with the unread notifications), the case with its many-to-one rows, its seven collections (parties,
# helpers, sessions, follow-ups, attachments, recusals, timeline), the related cases and their parties, and
# the audit entry of the view
CASE_PAGE = 12
# the user, the communities, the community's mediators and grids for the filters, a page of cases and their
# parties, the mediator's due visits with their cases and those cases' parties
CASE_LIST = 9


def six_parties():
    """The two parties of the leaking-ceiling case and four more (so each case is the other's related case)."""
    others = [
        {"role": "other", "name": name, "phone": f"1380000000{i}", "id_number": None, "address": f"回龙苑3幢{i}02室"}
        for i, name in enumerate(["赵一", "钱二", "孙三", "李四"], start=5)
    ]
    return leak_parties() + others


def statements_of(client, count_queries, url):
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_case_page_statements_do_not_grow_with_what_the_case_holds(app, client, login_as, world, count_queries):
    two = make_case(app, world, upto="agreement")
    six = make_case(app, world, upto="agreement", parties=six_parties())
    with app.test_request_context():  # the second case has more of everything: people, sessions, files
        case = db.session.get(Case, six)
        mediator = db.session.get(User, world.users["mediator"])
        ops.add_helper(mediator, case, "legal_adviser", None, "周律师", "清溪律师事务所")
        ops.add_helper(mediator, case, "co_mediator", db.session.get(User, world.users["colleague"]))
        db.session.commit()
    login_as("mediator")
    assert statements_of(client, count_queries, f"/mediation/cases/{two}") == CASE_PAGE
    assert statements_of(client, count_queries, f"/mediation/cases/{six}") == CASE_PAGE


def add_cases(app, world, count):
    """``count`` cases, a third each registered, accepted and agreed; every follow-up visit is overdue, so the
    list's box of due visits is full too."""
    stages = ["registered", "accepted", "agreement"]
    for i in range(count):
        make_case(app, world, upto=stages[i % 3])
    with app.app_context():
        db.session.execute(update(FollowUp).values(due_on=case_dates().today - timedelta(days=1)))
        db.session.commit()


def test_case_list_statements_do_not_grow_with_the_number_of_cases(app, client, login_as, world, count_queries):
    login_as("mediator")
    add_cases(app, world, 3)
    few = statements_of(client, count_queries, "/mediation/")
    add_cases(app, world, 27)
    many = statements_of(client, count_queries, "/mediation/")
    assert (few, many) == (CASE_LIST, CASE_LIST)
