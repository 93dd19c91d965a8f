"""mediation agreements: version for concurrent changes (optimistic locking)

Revision ID: 15ff10186dfe
Revises: ba9e9483cb4c
Create Date: 2026-11-28 18:58:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '15ff10186dfe'
down_revision = 'ba9e9483cb4c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mediation_agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('mediation_agreements', schema=None) as batch_op:
        batch_op.drop_column('version')
