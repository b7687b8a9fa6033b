"""Team around the person: need leads, the order of needs, overlap choices, with or about the person

Revision ID: 0017_team
Revises: 0016
Create Date: 2026-12-03 16:30:59.200345
"""

from alembic import op
import sqlalchemy as sa
import advocate_app.db


revision = '0017_team'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_default',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('face_to_face', 'phone', 'text', 'app_together', 'professionals', 'meeting', 'paperwork', name='contactmode', native_enum=False, length=20), nullable=False),
    sa.Column('updated_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_contact_default_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_contact_default'))
    )
    op.create_table('contact_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('step', 'note', 'task', 'referral', name='actionkind', native_enum=False, length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.Enum('face_to_face', 'phone', 'text', 'app_together', 'professionals', 'meeting', 'paperwork', name='contactmode', native_enum=False, length=20), nullable=False),
    sa.Column('with_person', sa.Boolean(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_role', sa.String(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_contact_record_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_contact_record_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_contact_record_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_record'))
    )
    with op.batch_alter_table('contact_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_record_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_contact_record_person_at', ['person_id', 'at'], unique=False)

    op.create_table('need_order',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['plan_item.id'], name=op.f('fk_need_order_need_id_plan_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_need_order_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_need_order_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('need_id', name=op.f('pk_need_order'))
    )
    with op.batch_alter_table('need_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_order_person_id'), ['person_id'], unique=False)

    op.create_table('need_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('person', 'advocate', 'organisation', name='leadkind', native_enum=False, length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('referral_accepted', 'referral_finished', 'referral_declined', 'referral_withdrawn', 'chosen', name='leadreason', native_enum=False, length=20), nullable=False),
    sa.Column('started_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', advocate_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['need_id'], ['plan_item.id'], name=op.f('fk_need_lead_need_id_plan_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_need_lead_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_need_lead_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_need_lead_referral_id_referral'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by_id'], ['user_account.id'], name=op.f('fk_need_lead_started_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_lead'))
    )
    with op.batch_alter_table('need_lead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_lead_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_lead_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_lead_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('uq_need_lead_current', ['need_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('overlap_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('leading_organisation_id', sa.Integer(), nullable=False),
    sa.Column('leading_referral_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('wait', 'replace', 'send_anyway', name='overlapchoice', native_enum=False, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', advocate_app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', advocate_app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_overlap_decision_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['leading_organisation_id'], ['organisation.id'], name=op.f('fk_overlap_decision_leading_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['leading_referral_id'], ['referral.id'], name=op.f('fk_overlap_decision_leading_referral_id_referral'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['need_id'], ['plan_item.id'], name=op.f('fk_overlap_decision_need_id_plan_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_overlap_decision_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_overlap_decision_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_overlap_decision_referral_id_referral'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_overlap_decision_service_id_service')),
    sa.ForeignKeyConstraint(['step_id'], ['plan_item.id'], name=op.f('fk_overlap_decision_step_id_plan_item'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overlap_decision'))
    )
    with op.batch_alter_table('overlap_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_overlap_decision_leading_referral_id'), ['leading_referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_overlap_decision_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('overlap_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_overlap_decision_person_id'))
        batch_op.drop_index(batch_op.f('ix_overlap_decision_leading_referral_id'))

    op.drop_table('overlap_decision')
    with op.batch_alter_table('need_lead', schema=None) as batch_op:
        batch_op.drop_index('uq_need_lead_current', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_need_lead_referral_id'))
        batch_op.drop_index(batch_op.f('ix_need_lead_person_id'))
        batch_op.drop_index(batch_op.f('ix_need_lead_need_id'))

    op.drop_table('need_lead')
    with op.batch_alter_table('need_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_order_person_id'))

    op.drop_table('need_order')
    with op.batch_alter_table('contact_record', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_record_person_at')
        batch_op.drop_index(batch_op.f('ix_contact_record_organisation_id'))

    op.drop_table('contact_record')
    op.drop_table('contact_default')
