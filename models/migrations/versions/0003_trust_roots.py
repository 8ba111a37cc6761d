"""trust roots

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trust_roots',
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('digest', sa.String(length=71), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.Column('expires', sa.String(length=40), nullable=False),
    sa.Column('installed_at', sa.String(length=40), nullable=False),
    sa.Column('installed_by', sa.String(length=100), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint('version'),
    sa.UniqueConstraint('digest')
    )


def downgrade() -> None:
    op.drop_table('trust_roots')
