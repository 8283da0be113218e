"""kinds as data: Log.kind, command jobs keyed by kind + state slug, cut tombstones

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 15:10:00

Log rows get a `kind` (backfilled from the texts the first release wrote); command jobs
lose their "state:" profile prefix (the `kind` column says what they are, the profile is
the state's slug) and the live-job index covers kind; deleted cuts leave a tombstone so
association does not bring them back.
"""

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    with op.batch_alter_table('log') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='note'))
    # The first release wrote these texts (services.episodes, jobs.queue, services.review,
    # services.locks, services.encoding); older rows keep kind 'note'.
    op.execute("UPDATE log SET kind = 'encoded' WHERE result LIKE 'encoded %'")
    op.execute("UPDATE log SET kind = 'review opened' WHERE result = 'opened the encode for review'")
    op.execute("UPDATE log SET kind = 'lock' WHERE result LIKE 'took over the lock from %'")
    op.execute("UPDATE log SET kind = 'state' WHERE kind = 'note' AND result LIKE '%state % -> %'")
    op.execute("UPDATE log SET kind = 'state' WHERE kind = 'note' AND result LIKE 'approved (%'")
    op.execute("UPDATE log SET kind = 'state' WHERE kind = 'note' AND result LIKE 'rejected: %'")
    op.execute("UPDATE log SET kind = 'job' WHERE kind = 'note' AND (result LIKE 'encode %' OR result LIKE 'command %')")

    op.drop_index('uq_encode_job_live', table_name='encode_job')
    op.execute(
        "UPDATE encode_job SET profile = substr(profile, 7) "
        "WHERE kind = 'command' AND profile LIKE 'state:%'"
    )
    op.create_index(
        'uq_encode_job_live', 'encode_job', ['episode_id', 'kind', 'profile'], unique=True,
        sqlite_where=LIVE, postgresql_where=LIVE,
    )

    op.create_table('cut_tombstone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('raw_file_id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('user', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_cut_tombstone_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['raw_file_id'], ['raw_file.id'], name=op.f('fk_cut_tombstone_raw_file_id_raw_file'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cut_tombstone')),
    sa.UniqueConstraint('episode_id', 'raw_file_id', name=op.f('uq_cut_tombstone_episode_id_raw_file_id')),
    )
    op.create_index(op.f('ix_cut_tombstone_episode_id'), 'cut_tombstone', ['episode_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cut_tombstone_episode_id'), table_name='cut_tombstone')
    op.drop_table('cut_tombstone')
    op.drop_index('uq_encode_job_live', table_name='encode_job')
    op.execute("UPDATE encode_job SET profile = 'state:' || profile WHERE kind = 'command'")
    op.create_index(
        'uq_encode_job_live', 'encode_job', ['episode_id', 'profile'], unique=True,
        sqlite_where=LIVE, postgresql_where=LIVE,
    )
    with op.batch_alter_table('log') as batch:
        batch.drop_column('kind')
