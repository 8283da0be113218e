"""venue copies: origin, row bases, pending conflicts, sync plans; sync receipts on the shared side

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:00:00

A venue copy (an SQLite checked out of the shared database) keeps where it came from, the
base version of every row it took (for the three-way merge), the conflicts waiting for a
choice and the plan of a sync in progress. The shared database records, in the same
transaction as the changes, which sync runs and change files it has applied.
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('venue_origin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('copy_uuid', sa.String(length=36), nullable=False),
    sa.Column('source_url', sa.Text(), nullable=False),
    sa.Column('client', sa.String(length=100), nullable=False),
    sa.Column('show', sa.String(length=100), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=True),
    sa.Column('day', sa.String(length=10), nullable=True),
    sa.Column('episode_uuids', sa.JSON(), nullable=True),
    sa.Column('who', sa.String(length=200), nullable=False),
    sa.Column('machine', sa.String(length=200), nullable=False),
    sa.Column('lock_holder', sa.String(length=200), nullable=False),
    sa.Column('checked_out_at', sa.DateTime(), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_origin')),
    sa.UniqueConstraint('copy_uuid', name=op.f('uq_venue_origin_copy_uuid')),
    )
    op.create_table('venue_base',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=600), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_venue_base')),
    )
    op.create_table('venue_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=600), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('mine', sa.JSON(), nullable=True),
    sa.Column('theirs', sa.JSON(), nullable=True),
    sa.Column('detected_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_conflict')),
    sa.UniqueConstraint('kind', 'key', 'field', name=op.f('uq_venue_conflict_kind_key_field')),
    )
    op.create_table('venue_sync_run',
    sa.Column('run_uuid', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('run_uuid', name=op.f('pk_venue_sync_run')),
    )
    op.create_table('venue_sync_receipt',
    sa.Column('run_uuid', sa.String(length=36), nullable=False),
    sa.Column('copy_uuid', sa.String(length=36), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('run_uuid', name=op.f('pk_venue_sync_receipt')),
    )


def downgrade() -> None:
    for table in ('venue_sync_receipt', 'venue_sync_run', 'venue_conflict', 'venue_base', 'venue_origin'):
        op.drop_table(table)
