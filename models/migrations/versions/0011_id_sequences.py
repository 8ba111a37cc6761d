"""id sequences: promotions, schedules and replay requests numbered by PostgreSQL
sequences (two workstations creating at once never take one number); SQLite's single
writer keeps counting rows

Revision ID: 0011
Revises: 0010
"""

from alembic import op

from models.ids import SEQUENCES, move_sequences_past_rows

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for sequence in SEQUENCES:
        op.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence} START WITH 1")
    move_sequences_past_rows(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for sequence in SEQUENCES:
        op.execute(f"DROP SEQUENCE IF EXISTS {sequence}")
