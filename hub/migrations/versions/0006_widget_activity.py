"""widget activity: first and last time seen on the storefront, searches per hour, refused origins

Revision ID: 0006_widget_activity
Revises: 0005_security_ops
"""
from alembic import op
import sqlalchemy as sa
import hub.models.base  # noqa: F401  (custom column types)

revision = '0006_widget_activity'
down_revision = '0005_security_ops'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('widget_settings') as batch:
        batch.add_column(sa.Column('first_seen_at', hub.models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('last_seen_at', hub.models.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('last_seen_origin', sa.String(length=255), nullable=True))
    op.create_table(
        'widget_search_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('hour', hub.models.base.UTCDateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'hour', name='uq_widget_search_counts_site_hour'),
    )
    op.create_table(
        'widget_refusals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('origin', sa.String(length=255), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('first_at', hub.models.base.UTCDateTime(), nullable=False),
        sa.Column('last_at', hub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'origin', name='uq_widget_refusals_site_origin'),
    )


def downgrade():
    op.drop_table('widget_refusals')
    op.drop_table('widget_search_counts')
    with op.batch_alter_table('widget_settings') as batch:
        batch.drop_column('last_seen_origin')
        batch.drop_column('last_seen_at')
        batch.drop_column('first_seen_at')
