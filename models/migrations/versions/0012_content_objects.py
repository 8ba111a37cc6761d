"""content objects: imported bundles' files in the database, content-addressed, so every
workstation of a shared (PostgreSQL) site can read an import made on another

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('content_objects',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256'))
    op.create_table('bundle_members',
    sa.Column('manifest_digest', sa.String(length=71), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('manifest_digest', 'path'))


def downgrade() -> None:
    op.drop_table('bundle_members')
    op.drop_table('content_objects')
