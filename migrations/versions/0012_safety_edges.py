"""Sharing without consent: when a coordinator recorded that the person has now been told

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:40:00
"""

import sqlalchemy as sa
from alembic import op

import advocate_app.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sharing_override', schema=None) as batch_op:
        batch_op.add_column(sa.Column('told_at', advocate_app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('told_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_sharing_override_told_by_id_user_account', 'user_account', ['told_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('sharing_override', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sharing_override_told_by_id_user_account', type_='foreignkey')
        batch_op.drop_column('told_by_id')
        batch_op.drop_column('told_at')
