"""Evaluation plans and their locked versions (the lock and each amendment, with SHA-256 digests)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:30:00
"""

import sqlalchemy as sa
from alembic import op

from advocate_app.db import UTCDateTime

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evaluation_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('measures', sa.String(length=300), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('cohort_from', sa.Date(), nullable=False),
        sa.Column('cohort_to', sa.Date(), nullable=False),
        sa.Column('follow_up_months', sa.String(length=100), nullable=False),
        sa.Column('window_days', sa.SmallInteger(), nullable=False),
        sa.Column('min_cell', sa.SmallInteger(), nullable=False),
        sa.Column('baseline_months', sa.SmallInteger(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('locked_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_evaluation_plan_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_evaluation_plan_organisation_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_plan')),
    )
    op.create_table(
        'evaluation_plan_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['evaluation_plan.id'], name=op.f('fk_evaluation_plan_version_plan_id_evaluation_plan'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_evaluation_plan_version_recorded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_plan_version')),
        sa.UniqueConstraint('plan_id', 'number', name='uq_evaluation_plan_version_number'),
    )
    with op.batch_alter_table('evaluation_plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_plan_version_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evaluation_plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_plan_version_plan_id'))
    op.drop_table('evaluation_plan_version')
    op.drop_table('evaluation_plan')
