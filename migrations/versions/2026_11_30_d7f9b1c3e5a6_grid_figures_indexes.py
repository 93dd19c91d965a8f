"""grid figures indexes: orders of a community by report time; orders of a grid by report and by reply time

The figures of a period (app.grid.figures: received, handled on time, satisfaction, ...) read the orders of a
set of grids reported in the period, and those replied to in it. These two indexes serve those ranges and carry
every other column the figures read, so the database computes them from the indexes alone, without visiting
the table's rows (PostgreSQL: an index-only scan instead of a sequential scan of a year of orders). The
orders of a community by report time serve the lists of a community by date.

Revision ID: d7f9b1c3e5a6
Revises: c4e6a8b0d2f3
Create Date: 2026-11-30 13:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "d7f9b1c3e5a6"
down_revision = "c4e6a8b0d2f3"
branch_labels = None
depends_on = None

# as app.grid.models.FIGURES_REPORTED_COLUMNS and FIGURES_REPLIED_COLUMNS when written
REPORTED = ["category_id", "handling_unit_id", "status", "settled_on_spot", "closed_at", "satisfaction", "reopen_count"]
REPLIED = ["category_id", "handling_unit_id", "status", "due_at"]


def upgrade():
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.create_index("ix_grid_orders_community_reported", ["org_unit_id", "reported_at"], unique=False)
        # Open311's public list of requests: every community's, newest first within a period
        batch_op.create_index("ix_grid_orders_reported", ["reported_at"], unique=False)
        batch_op.create_index(
            "ix_grid_orders_figures_reported", ["grid_id", "reported_at", *REPORTED], unique=False
        )
        batch_op.create_index("ix_grid_orders_figures_replied", ["grid_id", "replied_at", *REPLIED], unique=False)


def downgrade():
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_orders_figures_replied")
        batch_op.drop_index("ix_grid_orders_figures_reported")
        batch_op.drop_index("ix_grid_orders_reported")
        batch_op.drop_index("ix_grid_orders_community_reported")
