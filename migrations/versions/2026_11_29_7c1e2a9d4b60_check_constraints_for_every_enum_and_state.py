"""CHECK constraints for every enum column, and each case state tied to its columns both ways

Every enum column admits its values only (party sex, follow-up results, confirmation results and the
timeline's statuses had no constraint). A case's ending and its columns go together in both directions:
declined <=> a reason, referred <=> a target, ended <=> a reason and the other routes, withdrawn <=> a reason
(the columns may stay set once the case is archived), archived <=> when, by whom, file number and retention;
an extension has a reason; a running or decided case has its acceptance dates. Agreements: a court result
only with an application, a result date only with a result. Follow-ups: done <=> method and performance.

Revision ID: 7c1e2a9d4b60
Revises: 15ff10186dfe
Create Date: 2026-11-29 11:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1e2a9d4b60'
down_revision = '15ff10186dfe'
branch_labels = None
depends_on = None

STATUSES = ("registered", "accepted", "declined", "referred", "in_mediation", "agreement_reached", "ended",
            "withdrawn", "followed_up", "archived")


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def state_columns(status, columns, after=("archived",)):
    statuses = ", ".join(repr(s) for s in (status, *after))
    return {
        f"ck_mediation_cases_{status}_has_columns":
            f"(status != '{status}') OR ({' AND '.join(f'{c} IS NOT NULL' for c in columns)})",
        f"ck_mediation_cases_{status}_columns_mean_status":
            f"({' AND '.join(f'{c} IS NULL' for c in columns)}) OR (status IN ({statuses}))",
    }


NEW = {
    "mediation_cases": {
        **state_columns("archived", ("archived_at", "archived_by_id", "file_number", "retention_until"), after=()),
        **state_columns("declined", ("decline_reason",)),
        **state_columns("referred", ("referred_to",)),
        **state_columns("ended", ("end_reason", "other_routes")),
        **state_columns("withdrawn", ("withdraw_reason",)),
        "ck_mediation_cases_accepted_has_dates":
            "(status NOT IN ('accepted', 'in_mediation', 'agreement_reached', 'ended', 'followed_up'))"
            " OR (accepted_on IS NOT NULL AND due_on IS NOT NULL)",
        "ck_mediation_cases_extended_has_reason": "extended = (extension_reason IS NOT NULL)",
    },
    "mediation_parties": {"ck_mediation_parties_sex": one_of("sex", ("male", "female"))},
    "mediation_agreements": {
        "ck_mediation_agreements_confirmation_result":
            one_of("confirmation_result", ("pending", "confirmed", "rejected")),
        "ck_mediation_agreements_confirmation_has_application":
            "(confirmation_result IS NULL) = (confirmation_applied_on IS NULL)",
        "ck_mediation_agreements_confirmation_result_has_date":
            "(confirmation_result_on IS NULL) OR (confirmation_result != 'pending')",
    },
    "mediation_follow_ups": {
        "ck_mediation_follow_ups_method": one_of("method", ("phone", "doorstep")),
        "ck_mediation_follow_ups_performance": one_of("performance", ("performed", "partly", "not_performed")),
        "ck_mediation_follow_ups_applicant_satisfaction":
            one_of("applicant_satisfaction", ("satisfied", "basically_satisfied", "unsatisfied")),
        "ck_mediation_follow_ups_respondent_satisfaction":
            one_of("respondent_satisfaction", ("satisfied", "basically_satisfied", "unsatisfied")),
        "ck_mediation_follow_ups_done_has_result":
            "(done_on IS NULL) = (method IS NULL) AND (done_on IS NULL) = (performance IS NULL)",
    },
    "mediation_case_events": {
        "ck_mediation_case_events_from_status": one_of("from_status", STATUSES),
        "ck_mediation_case_events_to_status": one_of("to_status", STATUSES),
    },
}

# replaced by the two-way ones above
OLD = {
    "ck_mediation_cases_archived_has_time": "(status != 'archived') OR (archived_at IS NOT NULL)",
    "ck_mediation_cases_declined_has_reason": "(status != 'declined') OR (decline_reason IS NOT NULL)",
    "ck_mediation_cases_referred_has_target": "(status != 'referred') OR (referred_to IS NOT NULL)",
}


def short(table, name):
    """The name without its "ck_<table>_" prefix: the naming convention adds it back."""
    return name[len(f"ck_{table}_"):]


def upgrade():
    for table, constraints in NEW.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "mediation_cases":
                for name in OLD:
                    batch_op.drop_constraint(short(table, name), type_="check")
            for name, condition in constraints.items():
                batch_op.create_check_constraint(short(table, name), condition)


def downgrade():
    for table, constraints in NEW.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in constraints:
                batch_op.drop_constraint(short(table, name), type_="check")
            if table == "mediation_cases":
                for name, condition in OLD.items():
                    batch_op.create_check_constraint(short(table, name), condition)
