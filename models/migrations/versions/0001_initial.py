"""initial schema: sites, environments, targets, users, releases, promotions, run events, step logs, leases

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('environments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('workflow', sa.String(length=100), nullable=False),
    sa.Column('approvals_required', sa.Integer(), nullable=False),
    sa.Column('baseline', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=71), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('manifest', sa.LargeBinary(), nullable=False),
    sa.Column('bundle_digest', sa.String(length=71), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest'),
    sa.UniqueConstraint('name', 'version')
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('site_key_id', sa.String(length=64), nullable=False),
    sa.Column('log_key_id', sa.String(length=64), nullable=False),
    sa.Column('log_origin', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=True),
    sa.Column('public_key_pem', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('promotions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('from_env', sa.String(length=100), nullable=True),
    sa.Column('to_env', sa.String(length=100), nullable=False),
    sa.Column('requester', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('driver', sa.String(length=50), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['environment_id'], ['environments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('environment_id', 'name')
    )
    op.create_table('run_events',
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], ),
    sa.PrimaryKeyConstraint('promotion_id', 'seq'),
    sa.UniqueConstraint('promotion_id', 'prev_hash')
    )
    op.create_table('run_leases',
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], ),
    sa.PrimaryKeyConstraint('promotion_id')
    )
    op.create_table('step_logs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('step', sa.String(length=60), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('step_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_logs_promotion_id'), ['promotion_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('step_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_logs_promotion_id'))

    op.drop_table('step_logs')
    op.drop_table('run_leases')
    op.drop_table('run_events')
    op.drop_table('targets')
    op.drop_table('promotions')
    op.drop_table('users')
    op.drop_table('sites')
    op.drop_table('releases')
    op.drop_table('environments')
