"""mediation: oral application (口头申请) as a source of cases

A party who comes to the studio and asks for mediation by word of mouth is recorded as such, apart from a
written application.

Revision ID: e2b4d6f8a0c1
Revises: d7f9b1c3e5a6
Create Date: 2026-11-30 14:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "e2b4d6f8a0c1"
down_revision = "d7f9b1c3e5a6"
branch_labels = None
depends_on = None

SOURCES = (
    "party_application",
    "own_initiative",
    "grid_report",
    "hotline_12345",
    "police_referral",
    "court_referral",
    "government_assignment",
)
NEW_SOURCES = ("oral_application", *SOURCES)


def one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _sources(values):
    with op.batch_alter_table("mediation_cases", schema=None) as batch_op:
        batch_op.drop_constraint("source", type_="check")
        batch_op.create_check_constraint("source", one_of("source", values))


def upgrade():
    _sources(NEW_SOURCES)


def downgrade():
    op.execute("UPDATE mediation_cases SET source = 'party_application' WHERE source = 'oral_application'")
    _sources(SOURCES)
