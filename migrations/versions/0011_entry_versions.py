"""Plan entries carry a version (edit forms are checked against it); each revision names the version it made

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:30:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('0'), nullable=False))
    with op.batch_alter_table('plan_item_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_item_revision', schema=None) as batch_op:
        batch_op.drop_column('item_version')
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_column('version')
