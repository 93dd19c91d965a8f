"""volunteers: a help request's place, wanted date and the reason it was declined

Revision ID: a9c1e3f5b7d8
Revises: f3c5e7a9b1d2
Create Date: 2026-11-30 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a9c1e3f5b7d8"
down_revision = "f3c5e7a9b1d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("wanted_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("decline_reason", sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_help_requests_declined_has_reason"), "(status != 'declined') OR (decline_reason IS NOT NULL)"
        )
    # the event lists: the planned events still to come are a short range of (status, ends_at); past ones are
    # read newest first through starts_at and stop at the page's end
    with op.batch_alter_table("service_events", schema=None) as batch_op:
        batch_op.create_index("ix_service_events_status_ends", ["status", "ends_at"], unique=False)
        batch_op.create_index("ix_service_events_starts", ["starts_at"], unique=False)


def downgrade():
    with op.batch_alter_table("service_events", schema=None) as batch_op:
        batch_op.drop_index("ix_service_events_starts")
        batch_op.drop_index("ix_service_events_status_ends")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_help_requests_declined_has_reason"), type_="check")
        batch_op.drop_column("decline_reason")
        batch_op.drop_column("wanted_on")
        batch_op.drop_column("place")
