"""Consent: the purpose chosen from the list (its words are in each language), besides any words typed

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:40:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose_code', sa.String(length=20), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_column('purpose_code')
