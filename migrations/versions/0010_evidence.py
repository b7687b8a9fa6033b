"""Evidence: check-ins indexed in journey order (person, domain, rater, date)

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-26 23:30:00
"""

from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index('ix_check_in_journey', ['person_id', 'domain', 'rated_by', 'taken_on', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index('ix_check_in_journey')
