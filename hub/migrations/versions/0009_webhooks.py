"""live updates: a webhook endpoint per site and the batches applied from webhooks

Revision ID: 0009_webhooks
Revises: 0008_run_usage
"""
from alembic import op
import sqlalchemy as sa
import hub.models.base  # noqa: F401  (custom column types)

revision = '0009_webhooks'
down_revision = '0008_run_usage'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=32), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('registered_at', hub.models.base.UTCDateTime(), nullable=True),
        sa.Column('checked_at', hub.models.base.UTCDateTime(), nullable=True),
        sa.Column('reactivations', sa.Integer(), nullable=False),
        sa.Column('last_delivery_at', hub.models.base.UTCDateTime(), nullable=True),
        sa.Column('created_at', hub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id'),
        sa.UniqueConstraint('token'),
    )
    op.create_table(
        'webhook_batches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('applied_at', hub.models.base.UTCDateTime(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('archived', sa.Integer(), nullable=False),
        sa.Column('stale', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_batches_site_id', 'webhook_batches', ['site_id'])
    op.create_index('ix_webhook_batches_applied_at', 'webhook_batches', ['applied_at'])


def downgrade():
    op.drop_index('ix_webhook_batches_applied_at', table_name='webhook_batches')
    op.drop_index('ix_webhook_batches_site_id', table_name='webhook_batches')
    op.drop_table('webhook_batches')
    op.drop_table('webhook_endpoints')
