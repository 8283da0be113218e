"""post is not public: unset the flag show_state rows copied from the old default

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 09:30:00

*post* uploads unlisted (Veyepar's meaning); the video becomes public at *make public*.
The old defaults counted *post* public, and `veyedesk pipeline set post …` (or `pipeline
public` on another flag) created the show's row with the flag copied from them, so shows
whose admin only gave *post* its upload command still stop every Unknown talk before
*post*, ahead of *review 1*. The copied flag cannot be told from one an admin set on
purpose (nothing recorded it), so every *post* row still at the old default (public) is
unset; an admin who wants it public says so again with `veyedesk pipeline public post
yes`. Talks already held before *post* are carried on by the next worker tick
(`jobs.state_moves.resume_freed`), which runs the pipeline's own walk.
"""

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Literal tables, not the models: a migration stays what it was when it shipped.
    state = sa.table('state', sa.column('id', sa.Integer), sa.column('slug', sa.String))
    show_state = sa.table(
        'show_state', sa.column('state_id', sa.Integer), sa.column('public', sa.Boolean)
    )
    post = sa.select(state.c.id).where(state.c.slug == 'post').scalar_subquery()
    op.execute(
        show_state.update()
        .where(show_state.c.state_id == post, show_state.c.public == sa.true())
        .values(public=False)
    )


def downgrade() -> None:
    # The old default is not restored: which rows were copies is not known any more.
    pass
