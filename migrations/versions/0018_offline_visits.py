"""Offline visits: the key each visit's data is encrypted under, and the changes devices sent, by idempotency key

Revision ID: 0018_offline
Revises: 0017_team
Create Date: 2026-12-03 16:45:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0018_offline'
down_revision = '0017_team'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'offline_visit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.String(length=64), nullable=True),
        sa.Column('key', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_offline_visit_person_id_person',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name='fk_offline_visit_user_id_user_account',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_offline_visit'),
    )
    op.create_index('ix_offline_visit_person_id', 'offline_visit', ['person_id'], unique=False)
    op.create_index('ix_offline_visit_user_id', 'offline_visit', ['user_id'], unique=False)
    op.create_table(
        'offline_change',
        sa.Column('key', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name='fk_offline_change_person_id_person',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name='fk_offline_change_user_id_user_account',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name='pk_offline_change'),
    )
    op.create_index('ix_offline_change_user_id', 'offline_change', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_offline_change_user_id', table_name='offline_change')
    op.drop_table('offline_change')
    op.drop_index('ix_offline_visit_user_id', table_name='offline_visit')
    op.drop_index('ix_offline_visit_person_id', table_name='offline_visit')
    op.drop_table('offline_visit')
