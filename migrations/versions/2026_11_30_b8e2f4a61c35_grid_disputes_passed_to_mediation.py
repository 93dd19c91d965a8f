"""grid disputes passed to mediation: categories that are disputes, an order's mediation case, its new status

A category marked as a dispute (矛盾纠纷, set for the categories of that name already there) lets its orders be
turned into mediation cases. The order keeps the case it became (one order per case) and ends in the status
"to_mediation", which holds exactly when the case is set.

Revision ID: b8e2f4a61c35
Revises: a7d3c9e4f210
Create Date: 2026-11-30 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8e2f4a61c35"
down_revision = "a7d3c9e4f210"
branch_labels = None
depends_on = None

STATUSES = ("reported", "dispatched", "signed", "in_progress", "replied", "reopened", "verified", "closed")
NEW_STATUSES = (*STATUSES, "to_mediation")


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# (table, constraint without its ck_<table>_ prefix, column) of every column holding an order status
STATUS_COLUMNS = (
    ("grid_orders", "status", "status"),
    ("grid_order_events", "from_status", "from_status"),
    ("grid_order_events", "to_status", "to_status"),
)


def _statuses(values):
    for table, name, column in STATUS_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(name, type_="check")
            batch_op.create_check_constraint(name, one_of(column, values))


def upgrade():
    with op.batch_alter_table("grid_categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_dispute", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE grid_categories SET is_dispute = true WHERE name = '矛盾纠纷'")
    _statuses(NEW_STATUSES)
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mediation_case_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_grid_orders_mediation_case_id"), ["mediation_case_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_grid_orders_mediation_case_id_mediation_cases"),
            "mediation_cases",
            ["mediation_case_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            "to_mediation_has_case", "(status = 'to_mediation') = (mediation_case_id IS NOT NULL)"
        )


def downgrade():
    # an order passed to mediation goes back to the dispatch queue (its case stays in the studio)
    op.execute("UPDATE grid_order_events SET to_status = NULL WHERE to_status = 'to_mediation'")
    op.execute("UPDATE grid_order_events SET from_status = NULL WHERE from_status = 'to_mediation'")
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_constraint("to_mediation_has_case", type_="check")
    op.execute("UPDATE grid_orders SET status = 'reported' WHERE status = 'to_mediation'")
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_grid_orders_mediation_case_id_mediation_cases"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_grid_orders_mediation_case_id"), type_="unique")
        batch_op.drop_column("mediation_case_id")
    _statuses(STATUSES)
    with op.batch_alter_table("grid_categories", schema=None) as batch_op:
        batch_op.drop_column("is_dispute")
