"""mediation: the indexes of the case list's search usable for prefixes on PostgreSQL (varchar_pattern_ops)

The case list searches a party's name, mobile number or address and a case's number or address from their
beginning (app.core.queries.prefix_match: ``LIKE 'q%'`` on PostgreSQL). Under a database collation other than
C, a b-tree in the collation's order cannot serve such a LIKE, and the search read all of mediation_parties
(Seq Scan). These five indexes are built again, with the same names and columns, with the operator class
``varchar_pattern_ops``, which serves the prefix as a range of bytes and equality (the repeat-dispute lookup's
``IN``) as well. SQLite ignores ``postgresql_ops``: there the indexes come back as they were (plain, which
its ranges use).

Revision ID: 5e1f0a7c2b94
Revises: d485ec36dccc
Create Date: 2026-11-29 16:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1f0a7c2b94'
down_revision = 'd485ec36dccc'
branch_labels = None
depends_on = None

PREFIX_INDEXES = {
    'mediation_cases': ('number', 'address'),
    'mediation_parties': ('name', 'phone', 'address'),
}


def _rebuild(ops):
    for table, columns in PREFIX_INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                name = f'ix_{table}_{column}'
                batch_op.drop_index(name)
                kwargs = {'postgresql_ops': {column: ops}} if ops else {}
                batch_op.create_index(name, [column], unique=False, **kwargs)


def upgrade():
    _rebuild('varchar_pattern_ops')


def downgrade():
    # the indexes as ab4096d04a72 made them, in the collation's order
    _rebuild(None)
