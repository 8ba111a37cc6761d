"""feed snapshots, gate policies, verdicts, replay requests, site settings

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('advisories',
    sa.Column('digest', sa.String(length=71), nullable=False),
    sa.Column('osv_id', sa.String(length=200), nullable=False),
    sa.Column('modified', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisories_osv_id'), ['osv_id'], unique=False)

    op.create_table('feed_snapshots',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('digest', sa.String(length=71), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('snapshot', sa.String(length=40), nullable=False),
    sa.Column('ecosystems', sa.JSON(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('feed_json', sa.LargeBinary(), nullable=False),
    sa.Column('imported_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    op.create_table('gate_policies',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('digest', sa.String(length=71), nullable=False),
    sa.Column('bundle_digest', sa.String(length=71), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('imported_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest')
    )
    op.create_table('site_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('advisory_packages',
    sa.Column('ecosystem', sa.String(length=60), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('advisory_digest', sa.String(length=71), nullable=False),
    sa.ForeignKeyConstraint(['advisory_digest'], ['advisories.digest'], ),
    sa.PrimaryKeyConstraint('ecosystem', 'name_key', 'advisory_digest')
    )
    op.create_table('feed_advisories',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('advisory_digest', sa.String(length=71), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['advisory_digest'], ['advisories.digest'], ),
    sa.ForeignKeyConstraint(['snapshot_id'], ['feed_snapshots.id'], ),
    sa.PrimaryKeyConstraint('snapshot_id', 'advisory_digest')
    )
    op.create_table('feed_coverage',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('ecosystem', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['feed_snapshots.id'], ),
    sa.PrimaryKeyConstraint('snapshot_id', 'ecosystem')
    )
    op.create_table('gate_verdicts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('verdict_id', sa.String(length=40), nullable=False),
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('decision_digest', sa.String(length=71), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('evaluated_at', sa.String(length=40), nullable=False),
    sa.Column('policy_digest', sa.String(length=71), nullable=False),
    sa.Column('base_policy_digest', sa.String(length=71), nullable=False),
    sa.Column('document', sa.LargeBinary(), nullable=False),
    sa.Column('replay', sa.LargeBinary(), nullable=False),
    sa.Column('evidence_digest', sa.String(length=71), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('gate_verdicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gate_verdicts_promotion_id'), ['promotion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gate_verdicts_verdict_id'), ['verdict_id'], unique=False)

    op.create_table('replay_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.String(length=20), nullable=False),
    sa.Column('verdict_row_id', sa.Integer(), nullable=False),
    sa.Column('verdict_id', sa.String(length=40), nullable=False),
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_at', sa.String(length=40), nullable=False),
    sa.Column('finished_at', sa.String(length=40), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('replayed_digest', sa.String(length=71), nullable=True),
    sa.Column('diff', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['verdict_row_id'], ['gate_verdicts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id')
    )
    with op.batch_alter_table('replay_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replay_requests_promotion_id'), ['promotion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replay_requests_verdict_row_id'), ['verdict_row_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('replay_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replay_requests_verdict_row_id'))
        batch_op.drop_index(batch_op.f('ix_replay_requests_promotion_id'))

    op.drop_table('replay_requests')
    with op.batch_alter_table('gate_verdicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gate_verdicts_verdict_id'))
        batch_op.drop_index(batch_op.f('ix_gate_verdicts_promotion_id'))

    op.drop_table('gate_verdicts')
    op.drop_table('feed_coverage')
    op.drop_table('feed_advisories')
    op.drop_table('advisory_packages')
    op.drop_table('site_settings')
    op.drop_table('gate_policies')
    op.drop_table('feed_snapshots')
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisories_osv_id'))

    op.drop_table('advisories')
