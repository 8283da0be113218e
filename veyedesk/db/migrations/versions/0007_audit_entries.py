"""audit entries: admin actions that must outlive what they changed

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 17:00:00

Deleting a talk deletes its Log, so the record that someone deleted it (and re-timed a
room, changed a show's settings, disabled a login) goes in a table of its own.
"""

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('show_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_audit_entry_show_id_show'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    )
    op.create_index(op.f('ix_audit_entry_show_id'), 'audit_entry', ['show_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_entry_show_id'), table_name='audit_entry')
    op.drop_table('audit_entry')
