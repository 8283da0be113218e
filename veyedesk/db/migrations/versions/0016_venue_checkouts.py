"""venue checkouts: the shared database records what each venue copy took

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:40:00

A change file is a file anyone can write by hand; applying one must change only the show
and the rows its copy's checkout covered. The checkout now leaves a row here (copy UUID,
show, room, day, the talks it took), and `venue apply` holds a file to it. Copies checked
out before this revision have none: they sync as before, their change files are refused.
"""

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('venue_checkout',
    sa.Column('copy_uuid', sa.String(length=36), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=False),
    sa.Column('room', sa.String(length=100), nullable=True),
    sa.Column('day', sa.String(length=10), nullable=True),
    sa.Column('episode_uuids', sa.JSON(), nullable=True),
    sa.Column('copied', sa.JSON(), nullable=False),
    sa.Column('who', sa.String(length=200), nullable=False),
    sa.Column('machine', sa.String(length=200), nullable=False),
    sa.Column('checked_out_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_venue_checkout_show_id_show'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('copy_uuid', name=op.f('pk_venue_checkout')),
    )
    op.create_index(op.f('ix_venue_checkout_show_id'), 'venue_checkout', ['show_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_venue_checkout_show_id'), table_name='venue_checkout')
    op.drop_table('venue_checkout')
