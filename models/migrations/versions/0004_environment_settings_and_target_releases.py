"""environment settings and target releases

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('environment_settings',
    sa.Column('environment_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['environment_id'], ['environments.id'], ),
    sa.PrimaryKeyConstraint('environment_id')
    )
    op.create_table('target_releases',
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('release_name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('digest', sa.String(length=71), nullable=False),
    sa.Column('promotion_id', sa.String(length=40), nullable=True),
    sa.Column('step', sa.String(length=60), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], ),
    sa.PrimaryKeyConstraint('target_id')
    )


def downgrade() -> None:
    op.drop_table('target_releases')
    op.drop_table('environment_settings')
