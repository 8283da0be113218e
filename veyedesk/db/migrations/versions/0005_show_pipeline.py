"""a show's pipeline: per-show state kinds, commands and public flags; release holds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00

States are global rows; how a show runs each one (person, pass, command and its template,
public) lives in `show_state`, with rows only for what an admin changed. `pipeline_settings`
keeps a show's "Unknown publishes" and review-2 timeout; `release_hold` marks a talk stopped
before a public state by its `released`. Existing shows keep working unchanged: no row
means the defaults of veyedesk.model.pipeline, and global state commands still apply.
"""

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'show_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('show_id', sa.Integer(), nullable=False),
        sa.Column('state_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('command', sa.Text(), nullable=True),
        sa.Column('public', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_show_state_show_id_show'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['state_id'], ['state.id'], name=op.f('fk_show_state_state_id_state'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_show_state')),
        sa.UniqueConstraint('show_id', 'state_id', name=op.f('uq_show_state_show_id_state_id')),
    )
    op.create_index(op.f('ix_show_state_show_id'), 'show_state', ['show_id'], unique=False)
    op.create_table(
        'pipeline_settings',
        sa.Column('show_id', sa.Integer(), nullable=False),
        sa.Column('unknown_publishes', sa.Boolean(), nullable=False),
        sa.Column('review_timeout_days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_pipeline_settings_show_id_show'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('show_id', name=op.f('pk_pipeline_settings')),
    )
    op.create_table(
        'release_hold',
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('state_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=10), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_release_hold_episode_id_episode'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['state_id'], ['state.id'], name=op.f('fk_release_hold_state_id_state'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('episode_id', name=op.f('pk_release_hold')),
    )


def downgrade() -> None:
    op.drop_table('release_hold')
    op.drop_table('pipeline_settings')
    op.drop_index(op.f('ix_show_state_show_id'), table_name='show_state')
    op.drop_table('show_state')
