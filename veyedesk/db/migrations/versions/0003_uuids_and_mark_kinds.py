"""row UUIDs for venue merging; marks get a kind, a note, who, the machine and a clock offset

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 16:50:00

Episodes, cuts, raw files, marks, logs and image files can all be created on a venue copy
with no network; integer ids would collide when that copy is merged back, so each row gets
a UUID (existing rows are given theirs here). Marks from the Mark window say what they
mark (start/end of a talk or a cut); older marks were all "cut here" clicks.
"""

import uuid

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

UUID_TABLES = ('episode', 'cut', 'raw_file', 'mark', 'log', 'image_file')


def _backfill(table: str) -> None:
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text(f'SELECT id FROM {table} WHERE uuid IS NULL'))]
    update = sa.text(f'UPDATE {table} SET uuid = :uuid WHERE id = :id')
    for start in range(0, len(ids), 1000):
        bind.execute(update, [{'uuid': str(uuid.uuid4()), 'id': i} for i in ids[start:start + 1000]])


def upgrade() -> None:
    for table in UUID_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('uuid', sa.String(length=36), nullable=True))
        _backfill(table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column('uuid', existing_type=sa.String(length=36), nullable=False)
            batch.create_unique_constraint(f'uq_{table}_uuid', ['uuid'])

    with op.batch_alter_table('mark') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='cut'))
        batch.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
        batch.add_column(sa.Column('who', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('machine', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('clock_offset_s', sa.Double(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('mark') as batch:
        for column in ('clock_offset_s', 'machine', 'who', 'note', 'kind'):
            batch.drop_column(column)
    for table in reversed(UUID_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'uq_{table}_uuid', type_='unique')
            batch.drop_column('uuid')
