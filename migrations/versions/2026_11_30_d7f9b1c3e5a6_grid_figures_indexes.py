"""grid figures indexes: orders of a community or a grid by the time they were reported

The figures of a period (received, handled on time, satisfaction, ...) read the orders of a community or a grid
reported in the period: these indexes serve that range without reading the whole table.

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


def upgrade():
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.create_index("ix_grid_orders_community_reported", ["org_unit_id", "reported_at"], unique=False)
        batch_op.create_index("ix_grid_orders_grid_reported", ["grid_id", "reported_at"], unique=False)


def downgrade():
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_orders_grid_reported")
        batch_op.drop_index("ix_grid_orders_community_reported")
