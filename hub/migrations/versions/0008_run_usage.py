"""runs count the platform's slow-down answers and the watchdog's takeovers

Revision ID: 0008_run_usage
Revises: 0007_ingest_speed
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_run_usage'
down_revision = '0007_ingest_speed'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('sync_runs', sa.Column('throttled', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('sync_runs', sa.Column('resumes', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('sync_runs') as batch_op:
        batch_op.drop_column('resumes')
        batch_op.drop_column('throttled')
