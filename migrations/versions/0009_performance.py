"""Indexes for the organisation inbox and the caseload's waiting referrals

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-26 22:20:00
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_inbox', ['organisation_id', 'status', 'respond_by'], unique=False)
        batch_op.create_index('ix_referral_person_waiting', ['person_id', 'status', 'respond_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_person_waiting')
        batch_op.drop_index('ix_referral_inbox')
