"""scheduled jobs, attempts and dead letters

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('schedules',
    sa.Column('id', sa.String(length=20), nullable=False),
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('until_step', sa.String(length=60), nullable=True),
    sa.Column('window_start', sa.String(length=40), nullable=False),
    sa.Column('window_seconds', sa.Integer(), nullable=False),
    sa.Column('preconditions', sa.JSON(), nullable=False),
    sa.Column('max_failures', sa.Integer(), nullable=False),
    sa.Column('backoff_seconds', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('not_before', sa.String(length=40), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.Column('cancelled_by', sa.String(length=100), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedules_promotion_id'), ['promotion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedules_status'), ['status'], unique=False)

    op.create_table('schedule_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('schedule_id', sa.String(length=20), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.String(length=40), nullable=False),
    sa.Column('checked_at', sa.String(length=40), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('finished_at', sa.String(length=40), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('diagnostics', sa.JSON(), nullable=False),
    sa.Column('run_status', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedules.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('schedule_id', 'slot', 'number')
    )
    with op.batch_alter_table('schedule_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_attempts_schedule_id'), ['schedule_id'], unique=False)

    op.create_table('schedule_dead_letters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('schedule_id', sa.String(length=20), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('retried_at', sa.String(length=40), nullable=True),
    sa.Column('retried_by', sa.String(length=100), nullable=True),
    sa.Column('retry_reason', sa.Text(), nullable=True),
    sa.Column('retry_slot', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedules.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('schedule_dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_dead_letters_schedule_id'), ['schedule_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('schedule_dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_dead_letters_schedule_id'))

    op.drop_table('schedule_dead_letters')
    with op.batch_alter_table('schedule_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_attempts_schedule_id'))

    op.drop_table('schedule_attempts')
    with op.batch_alter_table('schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedules_status'))
        batch_op.drop_index(batch_op.f('ix_schedules_promotion_id'))

    op.drop_table('schedules')
