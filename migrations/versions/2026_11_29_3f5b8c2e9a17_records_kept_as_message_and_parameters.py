"""timeline and audit entries kept as a message and its parameters, translated when read

Entries written before keep their text (params NULL) and are shown as they are.

Revision ID: 3f5b8c2e9a17
Revises: 7c1e2a9d4b60
Create Date: 2026-11-29 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f5b8c2e9a17'
down_revision = '7c1e2a9d4b60'
branch_labels = None
depends_on = None


def upgrade():
    for table in ("mediation_case_events", "audit_entries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    for table in ("mediation_case_events", "audit_entries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('params')
