"""A partnership review that keeps referring (as it is, or with a change) can lift an earlier review's stop

Revision ID: 0021_review_lift
Revises: 0020_review
Create Date: 2026-12-03 18:15:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0021_review_lift'
down_revision = '0020_review'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('partnership_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_again_service_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offered_again_domain', sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_partnership_review_offered_again_service_id_service'),
            'service',
            ['offered_again_service_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('partnership_review', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_partnership_review_offered_again_service_id_service'), type_='foreignkey'
        )
        batch_op.drop_column('offered_again_domain')
        batch_op.drop_column('offered_again_service_id')
