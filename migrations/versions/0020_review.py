"""The person's verdict on finished help; partnership reviews and the referrals they stop for a need

Revision ID: 0020_review
Revises: 0019_referral_consent_index
Create Date: 2026-12-03 16:30:00
"""

import sqlalchemy as sa
from alembic import op

import advocate_app.db


revision = '0020_review'
down_revision = '0019_referral_consent_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partnership_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('held_by_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Enum('keep', 'change', 'stop', name='reviewdecision', native_enum=False, length=20), nullable=False),
    sa.Column('change_what', sa.Text(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('next_due', sa.Date(), nullable=False),
    sa.Column('created_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['held_by_id'], ['user_account.id'], name=op.f('fk_partnership_review_held_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_partnership_review_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_review'))
    )
    with op.batch_alter_table('partnership_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_review_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('referral_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=40), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('stopped_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['partnership_review.id'], name=op.f('fk_referral_stop_review_id_partnership_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_referral_stop_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_stop')),
    sa.UniqueConstraint('service_id', 'domain', name=op.f('uq_referral_stop_service_id'))
    )
    with op.batch_alter_table('referral_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_stop_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_stop_service_id'), ['service_id'], unique=False)

    op.create_table('verdict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('organisation_may_read', sa.Boolean(), nullable=False),
    sa.Column('given_how', sa.Enum('app', 'sms', 'advocate', name='verdictgivenhow', native_enum=False, length=20), nullable=False),
    sa.Column('given_by_id', sa.Integer(), nullable=True),
    sa.Column('given_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['given_by_id'], ['user_account.id'], name=op.f('fk_verdict_given_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_verdict_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_verdict_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_verdict_referral_id_referral'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_verdict_service_id_service')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict')),
    sa.UniqueConstraint('referral_id', name=op.f('uq_verdict_referral_id'))
    )
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verdict_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verdict_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_verdict_service', ['service_id', 'rating'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.drop_index('ix_verdict_service')
        batch_op.drop_index(batch_op.f('ix_verdict_person_id'))
        batch_op.drop_index(batch_op.f('ix_verdict_organisation_id'))

    op.drop_table('verdict')
    with op.batch_alter_table('referral_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_stop_service_id'))
        batch_op.drop_index(batch_op.f('ix_referral_stop_review_id'))

    op.drop_table('referral_stop')
    with op.batch_alter_table('partnership_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnership_review_organisation_id'))

    op.drop_table('partnership_review')
