"""grid: the reported orders by id (the dispatch queue, oldest first)

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


def downgrade():
    with op.batch_alter_table("grid_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_grid_orders_queue")
