"""run summaries: the projection lists read, backfilled from every existing run's chain

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa

from models.run_summary import summarise


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    summaries = op.create_table('run_summaries',
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('current_step', sa.String(length=60), nullable=True),
    sa.Column('current_title', sa.String(length=120), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.Column('ended_at', sa.String(length=40), nullable=True),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('verified_count', sa.Integer(), nullable=False),
    sa.Column('verified_head', sa.String(length=64), nullable=False),
    sa.Column('verified_at', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], ),
    sa.PrimaryKeyConstraint('promotion_id')
    )
    with op.batch_alter_table('run_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_summaries_status'), ['status'], unique=False)
    _backfill(op.get_bind(), summaries)


def _backfill(connection, summaries) -> None:
    """Every existing run gets the summary its chain folds to (one run at a time)."""
    ids = connection.execute(sa.text("SELECT id FROM promotions ORDER BY id")).scalars().all()
    for promotion_id in ids:
        raws = [(bytes(raw), hash_) for raw, hash_ in connection.execute(
            sa.text("SELECT raw, hash FROM run_events WHERE promotion_id = :p ORDER BY seq"),
            {"p": promotion_id})]
        if raws:
            connection.execute(summaries.insert().values(
                promotion_id=promotion_id, verified_count=0, verified_head="",
                **summarise(raws)))


def downgrade() -> None:
    with op.batch_alter_table('run_summaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_summaries_status'))
    op.drop_table('run_summaries')
