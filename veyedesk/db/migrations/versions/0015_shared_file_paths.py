"""file paths in shared rows become relative to the shared files root

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00

`episode.thumbnail`, `episode.title_image`, `client.title_svg` and `client.credits` held
absolute paths of the machine that set them. They are now stored relative to the shared
files root (`assets_root`, else `raw_root`: veyedesk.model.shared_files). This converts
every absolute path under the root of the machine running the upgrade; a path outside it
is left absolute (it keeps working where the file is) until the file is chosen again.
No schema change. The lead re-chains this after the rooms-per-show migration (0013).
"""

from __future__ import annotations

from pathlib import Path, PurePath

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = (
    ('episode', 'thumbnail'),
    ('episode', 'title_image'),
    ('client', 'title_svg'),
    ('client', 'credits'),
)


def _root() -> str:
    config = op.get_context().config
    given = config.attributes.get('files_root') if config is not None else None
    if given is not None:
        return str(given)
    try:
        from veyedesk.config import load_settings

        return load_settings().files_root
    except Exception:  # an unreadable config must not stop the schema upgrade
        return ''


def _convert(to_relative: bool) -> None:
    root = _root()
    if not root:
        return
    base = Path(root).expanduser()
    conn = op.get_bind()
    for table_name, column in COLUMNS:
        table = sa.table(table_name, sa.column('id', sa.Integer), sa.column(column, sa.String))
        rows = conn.execute(sa.select(table.c.id, table.c[column]).where(table.c[column] != ''))
        for row_id, value in rows.all():
            if to_relative:
                path = PurePath(value)
                if not path.is_absolute():
                    continue
                try:
                    new = Path(value).relative_to(base).as_posix()
                except ValueError:
                    continue  # outside the root: left as it was
                if '..' in PurePath(new).parts:
                    continue
            else:
                if PurePath(value).is_absolute():
                    continue
                new = str(base / value)
            conn.execute(sa.update(table).where(table.c.id == row_id).values({column: new}))


def upgrade() -> None:
    _convert(to_relative=True)


def downgrade() -> None:
    _convert(to_relative=False)
