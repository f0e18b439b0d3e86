"""security and operations: roles, session versions, alert opt-out and states, the audit log

Revision ID: 0005_security_ops
Revises: 0004

Users get ``is_admin`` (operators) and ``session_version`` (log-out ends every session); sites get
``alerts_enabled`` (per-site opt-out of alert emails); ``alert_states`` remembers which conditions were
mailed; ``audit_events`` records credential and widget-key changes (never their values).
"""
from alembic import op
import sqlalchemy as sa
import hub.models.base  # noqa: F401  (custom column types)

revision = '0005_security_ops'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alerts_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))

    op.create_table('alert_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('opened_at', hub.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mailed_at', hub.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_alert_states_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_states')),
    sa.UniqueConstraint('site_id', 'condition', name='uq_alert_states_site_condition')
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', hub.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_audit_events_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_events_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_site_created', ['site_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_site_created')
    op.drop_table('audit_events')
    op.drop_table('alert_states')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('alerts_enabled')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.drop_column('is_admin')
