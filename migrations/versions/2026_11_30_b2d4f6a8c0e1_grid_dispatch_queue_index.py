"""grid: the reported orders by id (the dispatch queue) and the orders with a unit by deadline (the overdue board)

Revision ID: b2d4f6a8c0e1
Revises: a9c1e3f5b7d8
Create Date: 2026-11-30 21:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2d4f6a8c0e1"
down_revision = "a9c1e3f5b7d8"
branch_labels = None
depends_on = None

# app.grid.enums.WITH_UNIT as it was written here (a migration does not import the app)
WITH_UNIT = "status IN ('dispatched', 'signed', 'in_progress', 'reopened')"


def upgrade():
    # The dispatch queue reads the reported orders oldest first. Without this index PostgreSQL walked the
    # primary key from the oldest order, filtering out every closed one (990,000 rows, 600 ms at 1,000,000
    # orders), or gathered every reported order and sorted them; with it, the first page is the index's first
    # rows. Partial: the reported orders are a few hundred of a million, and a full index on (status, id) led
    # SQLite to read a grid's open orders through it rather than through (grid_id, status, id).
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_grid_orders_queue",
            ["id"],
            unique=False,
            postgresql_where=sa.text("status = 'reported'"),
            sqlite_where=sa.text("status = 'reported'"),
        )


    # The overdue board by deadline: the orders with a unit, a few thousand of a million, in the order of the
    # board. It replaced five ranges of (status, due_at) merged at every request (PostgreSQL planned the five
    # parts each time). The statuses are written out in the index and in the query, so that SQLite uses it.
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_grid_orders_with_unit",
            ["due_at", "id"],
            unique=False,
            postgresql_where=sa.text(WITH_UNIT),
            sqlite_where=sa.text(WITH_UNIT),
        )


def downgrade():
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_orders_with_unit")
        batch_op.drop_index("ix_grid_orders_queue")
