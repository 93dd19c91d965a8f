"""grid: a grid's open orders by id (a grid worker's list)

Revision ID: c5e7a9b1d3f4
Revises: b2d4f6a8c0e1
Create Date: 2026-12-01 00:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e7a9b1d3f4"
down_revision = "b2d4f6a8c0e1"
branch_labels = None
depends_on = None

# app.grid.enums.OPEN_STATUSES as it was written here (a migration does not import the app)
OPEN = "status IN ('reported', 'dispatched', 'signed', 'in_progress', 'replied', 'reopened', 'verified')"


def upgrade():
    # A grid worker's list of their grid's open orders, newest first. It was read as seven ranges of
    # (grid_id, status, id), one per open status, merged at every request: PostgreSQL planned the seven parts
    # each time. The open orders are a few percent of all; with this index the page is the last rows of the
    # grid's range. The statuses are written out in the index and in the query, so that SQLite uses it.
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_grid_orders_open_by_grid",
            ["grid_id", "id"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade():
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_orders_open_by_grid")
