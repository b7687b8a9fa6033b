"""Referrals indexed by the consent or override they rest on: the inbox asks, for every person it shows,
whether their consent is spent (all its referrals over), and without an index each asking read every referral

Revision ID: 0019_referral_consent_index
Revises: 0018_offline
Create Date: 2026-12-03 16:45:00
"""

from alembic import op


revision = '0019_referral_consent_index'
down_revision = '0018_offline'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_override_id'), ['override_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_override_id'))
        batch_op.drop_index(batch_op.f('ix_referral_consent_id'))
