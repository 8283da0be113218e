"""which database login holds a running job

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 10:00:00

`encode_job.held_by`: the PostgreSQL login that claimed a running job, set by a trigger
that `veyedesk db roles` installs (never by the client), so row-level security can let a
worker login change only the jobs it holds (issue 20). Blank on SQLite and before the
roles are set up.
"""

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('encode_job') as batch:
        batch.add_column(sa.Column('held_by', sa.String(length=63), nullable=False, server_default=''))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS veyedesk_job_holder ON encode_job')
        op.execute('DROP FUNCTION IF EXISTS veyedesk_job_holder()')
    with op.batch_alter_table('encode_job') as batch:
        batch.drop_column('held_by')
