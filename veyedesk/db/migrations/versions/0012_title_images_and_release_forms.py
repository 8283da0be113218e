"""a talk's own title image, a show's release-form template

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:00:00

`episode.title_image`: a path to an SVG template or a ready PNG/JPEG that replaces the
client's title template for this talk only (Veyepar's custom/titles/<slug>); blank = the
client's. `show.release_template`: the wording of the speaker release form with
{placeholders}; blank = veyedesk's default wording.
"""

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('episode') as batch:
        batch.add_column(sa.Column('title_image', sa.String(length=500), nullable=False, server_default=''))
    with op.batch_alter_table('show') as batch:
        batch.add_column(sa.Column('release_template', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('show') as batch:
        batch.drop_column('release_template')
    with op.batch_alter_table('episode') as batch:
        batch.drop_column('title_image')
