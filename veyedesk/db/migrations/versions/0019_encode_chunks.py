"""sub-jobs of a long talk's encode

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 15:00:00

`encode_job.parent_id` and `chunk_index`: a talk longer than `chunk_minutes` is encoded as
video chunks and one audio job, each a job of its own (kinds `chunk` and `audio`) naming
the encode job it is part of, so several workers take one talk at once (issue 22). The
live-job index leaves sub-jobs out (they share their parent's profile); they are unique
by (parent, kind, index) instead.
"""

import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OLD_LIVE = sa.text("status IN ('queued', 'running')")
LIVE = sa.text("status IN ('queued', 'running') AND parent_id IS NULL")


def upgrade() -> None:
    op.drop_index('uq_encode_job_live', table_name='encode_job')
    with op.batch_alter_table('encode_job') as batch:
        batch.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('chunk_index', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f('fk_encode_job_parent_id_encode_job'), 'encode_job', ['parent_id'], ['id'],
            ondelete='CASCADE',
        )
    op.create_index(
        'uq_encode_job_live', 'encode_job', ['episode_id', 'kind', 'profile'], unique=True,
        sqlite_where=LIVE, postgresql_where=LIVE,
    )
    op.create_index(
        'uq_encode_job_chunk', 'encode_job', ['parent_id', 'kind', 'chunk_index'], unique=True
    )


def downgrade() -> None:
    op.execute("DELETE FROM encode_job WHERE parent_id IS NOT NULL")
    op.drop_index('uq_encode_job_chunk', table_name='encode_job')
    op.drop_index('uq_encode_job_live', table_name='encode_job')
    with op.batch_alter_table('encode_job') as batch:
        batch.drop_constraint('fk_encode_job_parent_id_encode_job', type_='foreignkey')
        batch.drop_column('chunk_index')
        batch.drop_column('parent_id')
    op.create_index(
        'uq_encode_job_live', 'encode_job', ['episode_id', 'kind', 'profile'], unique=True,
        sqlite_where=OLD_LIVE, postgresql_where=OLD_LIVE,
    )
