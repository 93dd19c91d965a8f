"""notifications: kept as a message and its parameters, translated when read (as timeline and audit entries)

Revision ID: a7d3c9e4f210
Revises: 64662640481d
Create Date: 2026-11-29 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c9e4f210'
down_revision = '64662640481d'
branch_labels = None
depends_on = None


def upgrade():
    # None for the notifications written before: their message is text in the recipient's language, shown as is
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('params')
