"""Plans: who wrote the words that stand and who agreed them; agreement to a plan can be withdrawn

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-03 12:40:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('worded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('words_agreed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('words_agreed_role', sa.String(length=20), nullable=True))
        batch_op.create_foreign_key('fk_plan_item_worded_by_id_user_account', 'user_account', ['worded_by_id'], ['id'])
        batch_op.create_foreign_key(
            'fk_plan_item_words_agreed_by_id_user_account', 'user_account', ['words_agreed_by_id'], ['id']
        )
    with op.batch_alter_table('plan_agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('plan_agreement', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_plan_item_words_agreed_by_id_user_account', type_='foreignkey')
        batch_op.drop_constraint('fk_plan_item_worded_by_id_user_account', type_='foreignkey')
        batch_op.drop_column('words_agreed_role')
        batch_op.drop_column('words_agreed_by_id')
        batch_op.drop_column('worded_at')
        batch_op.drop_column('worded_by_id')
