"""run events as entries of the site transparency log

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tlog_event_leaves',
    sa.Column('log_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('event_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('log_index')
    )
    op.create_index(op.f('ix_tlog_event_leaves_promotion_id'), 'tlog_event_leaves',
                    ['promotion_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tlog_event_leaves_promotion_id'), table_name='tlog_event_leaves')
    op.drop_table('tlog_event_leaves')
