"""raw_file.filesize holds files over 2 GiB (an hour of DV is 13 GB) on PostgreSQL

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01 17:00:00

`filesize` was a 32-bit INTEGER: on PostgreSQL a scan of any DV file longer than about
ten minutes failed with "integer out of range". SQLite's INTEGER is already 64-bit, so
only PostgreSQL's column changes (no SQLite table copy is needed for a declared type).
"""

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column(
            'raw_file', 'filesize', type_=sa.BigInteger(), existing_type=sa.Integer(),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column(
            'raw_file', 'filesize', type_=sa.Integer(), existing_type=sa.BigInteger(),
            existing_nullable=False,
        )
