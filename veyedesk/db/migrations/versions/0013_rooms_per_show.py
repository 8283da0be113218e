"""rooms belong to one show: a room shared by several shows becomes one room per show

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:40:00

Rooms were shared by every client and show (`show_locations`), with slugs unique across
the database: a second client's "Saal 1" reused the first's, so a retime, a rename or a
folder name set in one show changed the other, and the second client's scan of its own
`saal_1/2026-02-01/10_00_00.dv` clashed with the first's on (room, file name).

Now `location.show_id` names the room's show and slug and name are unique per show. A room
used by several shows (linked to them, or holding their raw files, marks, talks or sheet
images) is kept for the first of them and copied, with every setting, for each other; each
row pointing to the room is re-pointed to its own show's copy (cuts and tombstones point to
raw files, which keep their ids). A room no show uses or links is dropped: nothing can
reach it. Two rooms of one show with the same name (possible before) get their slug
appended to the name, as the name is now unique in the show.
"""

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Every table with a room (location_id) and a show (show_id) of its own.
USERS = ('raw_file', 'mark', 'episode', 'image_file')
ROOM_COLUMNS = (
    'slug', 'name', 'sequence', 'active', 'default', 'dirname', 'channelcopy',
    'hours_offset', 'description', 'lon', 'lat',
)
NAME_LENGTH = 200


def _tables() -> tuple[sa.Table, sa.Table, dict[str, sa.Table]]:
    meta = sa.MetaData()
    location = sa.Table(
        'location', meta,
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('show_id', sa.Integer),
        *(sa.Column(name) for name in ROOM_COLUMNS),
    )
    links = sa.Table(
        'show_locations', meta, sa.Column('show_id', sa.Integer), sa.Column('location_id', sa.Integer)
    )
    users = {
        name: sa.Table(
            name, meta, sa.Column('location_id', sa.Integer), sa.Column('show_id', sa.Integer)
        )
        for name in USERS
    }
    return location, links, users


def _split_shared_rooms(bind: sa.Connection) -> None:
    location, links, users = _tables()
    shows_of: dict[int, set[int]] = {}
    for room_id, show_id in bind.execute(sa.select(links.c.location_id, links.c.show_id)):
        shows_of.setdefault(room_id, set()).add(show_id)
    for table in users.values():
        pairs = sa.select(table.c.location_id, table.c.show_id).distinct().where(
            table.c.location_id.is_not(None)
        )
        for room_id, show_id in bind.execute(pairs):
            shows_of.setdefault(room_id, set()).add(show_id)
    for room in bind.execute(sa.select(location)).mappings().all():
        shows = sorted(shows_of.get(room['id'], ()))
        if not shows:
            bind.execute(location.delete().where(location.c.id == room['id']))
            continue
        bind.execute(
            location.update().where(location.c.id == room['id']).values(show_id=shows[0])
        )
        settings = {name: room[name] for name in ROOM_COLUMNS}
        for show_id in shows[1:]:
            done = bind.execute(location.insert().values(show_id=show_id, **settings))
            copy_id = done.inserted_primary_key[0]
            for table in users.values():
                bind.execute(
                    table.update()
                    .where(table.c.location_id == room['id'], table.c.show_id == show_id)
                    .values(location_id=copy_id)
                )


def _distinct_names(bind: sa.Connection) -> None:
    location, _links, _users = _tables()
    seen: set[tuple[int, str]] = set()
    rows = bind.execute(
        sa.select(location.c.id, location.c.show_id, location.c.name, location.c.slug).order_by(
            location.c.show_id, location.c.sequence, location.c.id
        )
    ).all()
    for room_id, show_id, name, slug in rows:
        if (show_id, name) in seen:
            suffix = f' ({slug})'
            name = name[: NAME_LENGTH - len(suffix)] + suffix
            bind.execute(location.update().where(location.c.id == room_id).values(name=name))
        seen.add((show_id, name))


def upgrade() -> None:
    with op.batch_alter_table('location') as batch:
        batch.add_column(sa.Column('show_id', sa.Integer(), nullable=True))
        batch.drop_constraint('uq_location_slug', type_='unique')  # the copies share it
    bind = op.get_bind()
    _split_shared_rooms(bind)
    _distinct_names(bind)
    with op.batch_alter_table('location') as batch:
        batch.alter_column('show_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            batch.f('fk_location_show_id_show'), 'show', ['show_id'], ['id'], ondelete='CASCADE'
        )
        batch.create_unique_constraint(batch.f('uq_location_show_id_slug'), ['show_id', 'slug'])
        batch.create_unique_constraint(batch.f('uq_location_show_id_name'), ['show_id', 'name'])
        batch.create_index(batch.f('ix_location_show_id'), ['show_id'], unique=False)
    op.drop_table('show_locations')


def downgrade() -> None:
    bind = op.get_bind()
    twins = bind.execute(
        sa.text('SELECT slug FROM location GROUP BY slug HAVING COUNT(*) > 1 ORDER BY slug')
    ).scalars().all()
    if twins:
        # Merging them would put two shows' recordings of the same file name in one room.
        raise RuntimeError(
            f"cannot go back to rooms shared by every show: room slug(s) {', '.join(twins)} "
            'are in more than one show; rename them apart first'
        )
    op.create_table(
        'show_locations',
        sa.Column('show_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_show_locations_location_id_location'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['show_id'], ['show.id'], name=op.f('fk_show_locations_show_id_show'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('show_id', 'location_id', name=op.f('pk_show_locations')),
    )
    op.execute('INSERT INTO show_locations (show_id, location_id) SELECT show_id, id FROM location')
    with op.batch_alter_table('location') as batch:
        batch.drop_index(batch.f('ix_location_show_id'))
        batch.drop_constraint('uq_location_show_id_name', type_='unique')
        batch.drop_constraint('uq_location_show_id_slug', type_='unique')
        batch.drop_constraint('fk_location_show_id_show', type_='foreignkey')
        batch.create_unique_constraint(batch.f('uq_location_slug'), ['slug'])
        batch.drop_column('show_id')
