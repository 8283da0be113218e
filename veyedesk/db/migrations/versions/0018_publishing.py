"""publishing: a show's publish targets, each talk's publications, publish states

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 13:00:00

`publish_target` (per show: name, kind, plain options as JSON text; secrets stay on each
machine), `publication` (one talk on one target: remote id, privacy, URLs, the resumable
upload's state) and, on `show_state`, the action and targets of a *publish* state
(issue 21). Shows without targets run exactly as before.
"""

import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publish_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('options', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_publish_target_show_id_show'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publish_target')),
    sa.UniqueConstraint('show_id', 'name', name=op.f('uq_publish_target_show_id_name')),
    )
    op.create_index(op.f('ix_publish_target_show_id'), 'publish_target', ['show_id'], unique=False)
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('privacy', sa.String(length=10), nullable=False),
    sa.Column('remote_id', sa.String(length=500), nullable=False),
    sa.Column('host_url', sa.String(length=1000), nullable=False),
    sa.Column('public_url', sa.String(length=1000), nullable=False),
    sa.Column('upload_state', sa.Text(), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_publication_episode_id_episode'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['publish_target.id'], name=op.f('fk_publication_target_id_publish_target'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication')),
    sa.UniqueConstraint('episode_id', 'target_id', name=op.f('uq_publication_episode_id_target_id')),
    )
    op.create_index(op.f('ix_publication_episode_id'), 'publication', ['episode_id'], unique=False)
    with op.batch_alter_table('show_state') as batch:
        batch.add_column(sa.Column('publish_action', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('publish_targets', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('show_state') as batch:
        batch.drop_column('publish_targets')
        batch.drop_column('publish_action')
    op.drop_index(op.f('ix_publication_episode_id'), table_name='publication')
    op.drop_table('publication')
    op.drop_index(op.f('ix_publish_target_show_id'), table_name='publish_target')
    op.drop_table('publish_target')
