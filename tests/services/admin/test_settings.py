"""Client, show and room settings: every column can be changed; a bad value saves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.encode.titles import TITLE_TEMPLATE
from veyedesk.model import AuditEntry, Client, Show
from veyedesk.services.admin import settings as svc
from veyedesk.services.errors import AlreadyExists, InvalidInput, PermissionDenied
from veyedesk.services.identity import Identity

ADMIN = Identity("lead", "admin")


def test_every_show_column_is_settable_and_audited(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    changes = svc.set_show(
        session,
        ADMIN,
        show.show,
        {
            "name": "PyConf 2026",
            "timezone": "Europe/Brussels",
            "raw-root": str(tmp_path),
            "conf_url": "https://pyconf.example/2026",
            "tags": "python, conf",
            "description": "line 1\nline 2",
            "active": "no",
            "sequence": "3",
        },
    )
    session.commit()
    assert {c.field for c in changes} >= {"name", "timezone", "raw_root", "active", "sequence"}
    again = session.get(Show, show.show.id)
    assert again is not None
    assert (again.timezone, again.raw_root, again.active, again.sequence) == (
        "Europe/Brussels",
        str(tmp_path),
        False,
        3,
    )
    assert again.description == "line 1\nline 2"
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.action == "show set" and "timezone" in entry.detail


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "show timezone 'Mars/Olympus' is not a time zone"),
        ({"raw_root": "/no/such/folder"}, "show raw_root '/no/such/folder': no such folder"),
        ({"conf_url": "ftp://x"}, "not an http"),
        ({"sequence": "two"}, "show sequence 'two' is not a whole number"),
        ({"slug": "two words"}, "show slug 'two words' must be letters"),
        ({"colour": "red"}, "a show has no setting 'colour'"),
    ],
)
def test_a_bad_show_value_is_named_and_nothing_is_saved(
    session: Session, show: ShowFixture, values: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        svc.set_show(session, ADMIN, show.show, {"name": "Changed", **values})
    session.rollback()
    assert session.get(Show, show.show.id).name == "Pyconf 2026"  # type: ignore[union-attr]
    assert session.scalars(select(AuditEntry)).all() == []


def test_title_template_must_exist_and_render(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.svg"
    broken.write_text("<svg><text id='title'>unclosed", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"client title_svg .*broken\.svg' does not render"):
        svc.set_client(session, ADMIN, show.client, {"title_svg": str(broken)})
    with pytest.raises(InvalidInput, match=r"client credits '/nope\.svg': no such file"):
        svc.set_client(session, ADMIN, show.client, {"credits": "/nope.svg"})
    svc.set_client(
        session, ADMIN, show.client, {"title_svg": str(TITLE_TEMPLATE), "license": "CC BY 4.0"}
    )
    session.commit()
    client = session.get(Client, show.client.id)
    assert client is not None and client.title_svg == str(TITLE_TEMPLATE)


def test_room_settings_and_the_offset_goes_through_retime(
    session: Session, show: ShowFixture
) -> None:
    room = show.rooms[0]
    svc.set_room(session, ADMIN, show.show, room, {"channelcopy": "01", "name": "Main hall"})
    with pytest.raises(InvalidInput, match="room channelcopy '2' is not a channelcopy code"):
        svc.set_room(session, ADMIN, show.show, room, {"channelcopy": "2"})
    with pytest.raises(InvalidInput, match="room retime"):
        svc.set_room(session, ADMIN, show.show, room, {"hours_offset": "1"})
    with pytest.raises(AlreadyExists, match="room slug 'ROOM_B' is taken"):
        svc.set_room(session, ADMIN, show.show, room, {"slug": "ROOM_B"})
    # The same offset is no change at all.
    assert svc.set_room(session, ADMIN, show.show, room, {"hours_offset": "0"}) == []
    session.commit()
    assert (room.channelcopy, room.name) == ("01", "Main hall")


def test_only_admins_change_settings(session: Session, show: ShowFixture) -> None:
    with pytest.raises(PermissionDenied):
        svc.set_show(session, Identity("ed", "editor"), show.show, {"name": "x"})


def test_slugs_naming_folders_may_not_differ_only_in_case(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.services import catalog

    with pytest.raises(AlreadyExists, match="client 'pyconf' exists"):
        catalog.add_client(session, "PyConf")
    with pytest.raises(AlreadyExists, match="show 'pyconf_2026' exists"):
        catalog.add_show(session, "pyconf", "PyConf_2026")
    with pytest.raises(AlreadyExists, match="room 'room_a' is already in show"):
        catalog.add_room(session, show.show, "Room_A")
    other = catalog.add_show(session, "pyconf", "pyconf_2027")
    with pytest.raises(AlreadyExists, match="show slug 'PYCONF_2027' is taken"):
        svc.set_show(session, ADMIN, show.show, {"slug": "PYCONF_2027"})
    assert other.slug == "pyconf_2027"
