"""evidence items and the site transparency log

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tlog_checkpoints',
    sa.Column('size', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('size')
    )
    op.create_table('tlog_nodes',
    sa.Column('key', sa.LargeBinary(length=9), nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('promotion_id', sa.String(length=40), nullable=False),
    sa.Column('step', sa.String(length=60), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('predicate_type', sa.String(length=200), nullable=False),
    sa.Column('digest', sa.String(length=71), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['promotion_id'], ['promotions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('log_index')
    )
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_items_digest'), ['digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_items_promotion_id'), ['promotion_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evidence_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_items_promotion_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_items_digest'))

    op.drop_table('evidence_items')
    op.drop_table('tlog_nodes')
    op.drop_table('tlog_checkpoints')
