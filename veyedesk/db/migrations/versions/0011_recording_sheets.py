"""recording sheets: image files get their room-day, the time taken, a checksum and OCR state

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 17:00:00

Photos and scans of the paper sheets volunteers fill in per room and session are image
files (Veyepar's image_files). They are tied to a room-day, carry the time read from the
file name or EXIF (and where it came from), the name they were imported under, a SHA-256
so the same photo dropped twice is stored once, and whether OCR ran on them. Existing
rows with text were read already: their OCR state is "done".
"""

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('image_file') as batch:
        batch.add_column(sa.Column('day', sa.Date(), nullable=True))
        batch.add_column(sa.Column('taken', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('taken_source', sa.String(length=20), nullable=False, server_default=''))
        batch.add_column(sa.Column('original_name', sa.String(length=500), nullable=False, server_default=''))
        batch.add_column(sa.Column('checksum', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('ocr', sa.String(length=10), nullable=False, server_default='pending'))
        batch.create_index(batch.f('ix_image_file_day'), ['day'], unique=False)
        batch.create_index(batch.f('ix_image_file_checksum'), ['checksum'], unique=False)
    op.execute("UPDATE image_file SET ocr = 'done' WHERE text <> ''")


def downgrade() -> None:
    with op.batch_alter_table('image_file') as batch:
        batch.drop_index(batch.f('ix_image_file_checksum'))
        batch.drop_index(batch.f('ix_image_file_day'))
        batch.drop_column('ocr')
        batch.drop_column('checksum')
        batch.drop_column('original_name')
        batch.drop_column('taken_source')
        batch.drop_column('taken')
        batch.drop_column('day')
