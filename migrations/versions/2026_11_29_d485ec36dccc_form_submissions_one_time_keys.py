"""form submissions: one-time keys, so that a form sent twice creates its record once

Revision ID: d485ec36dccc
Revises: 1d91792cead2
Create Date: 2026-11-29 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd485ec36dccc'
down_revision = '1d91792cead2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('result_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_submissions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submissions')),
    sa.UniqueConstraint('key', name=op.f('uq_form_submissions_key'))
    )
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_form_submissions_user_id_created_at', ['user_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_form_submissions_user_id_created_at')
    op.drop_table('form_submissions')
