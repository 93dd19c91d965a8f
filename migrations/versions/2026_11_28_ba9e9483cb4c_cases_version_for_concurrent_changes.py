"""mediation cases: version for concurrent changes (optimistic locking)

Revision ID: ba9e9483cb4c
Revises: 059f1960a021
Create Date: 2026-11-28 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ba9e9483cb4c'
down_revision = '059f1960a021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mediation_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('mediation_cases', schema=None) as batch_op:
        batch_op.drop_column('version')
