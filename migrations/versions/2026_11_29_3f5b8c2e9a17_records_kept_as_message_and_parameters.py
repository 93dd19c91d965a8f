"""timeline and audit entries kept as a message and its parameters, translated when read

Entries written before keep their text (params NULL) and are shown as they are. Audit entries also keep
what their target was called (a case number, a person's name) for the audit page.

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
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_label', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column('target_label')
    for table in ("mediation_case_events", "audit_entries"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('params')
