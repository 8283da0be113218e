"""Veyepar JSON export (round trip through the importer) and playlists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.ingest.rawday import make_room_day
from tests.support.factory import ShowFixture
from veyedesk.config import Settings
from veyedesk.services import catalog
from veyedesk.services.episodes import Selection, add_episode, get_state
from veyedesk.services.errors import InvalidInput
from veyedesk.services.ingest.assoc import associate
from veyedesk.services.ingest.scan import scan_show
from veyedesk.services.ingest.schedule_import import import_schedule
from veyedesk.services.publishing.export import (
    encoded_playlist,
    mpv_edl,
    raw_playlist,
    veyepar_json,
)


def test_veyepar_json_has_veyepar_fields_and_cuts_and_reimports(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    ep.description = 'Quotes "x", backslash \\ and\nnewline 🎥'
    first_cut = min(ep.cuts, key=lambda c: c.sequence)
    first_cut.start, first_cut.end = 17.68, None
    session.commit()
    (doc,) = veyepar_json([ep])
    veyepar_fields = {
        "id", "state", "location", "sequence", "name", "slug", "authors", "emails",
        "description", "start", "duration", "released", "license", "tags", "conf_key",
        "conf_url", "host_url", "public_url", "comment",
    }  # fmt: skip
    assert veyepar_fields <= set(doc)
    assert doc["start"] == "2026-02-01T09:00:00" and doc["duration"] == "0:30:00"
    assert doc["state"] == 1  # "edit", as Veyepar numbers states (borked=0)
    assert [(c["raw_file"], c["sequence"], c["apply"]) for c in doc["cuts"]] == [
        ("2026-02-01/09_00_00.dv", 1, True),
        ("2026-02-01/09_20_00.dv", 2, True),
    ]
    # Veyepar's Cut_List keeps offsets as HH:MM:SS.ss decimal seconds, blank = file bound.
    assert (doc["cuts"][0]["start"], doc["cuts"][0]["end"]) == ("00:00:17.68", "")
    other = catalog.add_show(session, "pyconf", "pyconf_2027")
    data = json.dumps(veyepar_json(show.episodes), ensure_ascii=False).encode()
    result = import_schedule(session, other, data, "export.json", "veyepar-json")
    session.commit()
    assert len(result.plan.added) == len(show.episodes)
    copy = next(e for e in other.episodes if e.conf_key == ep.conf_key)
    assert (copy.name, copy.description, copy.start, copy.duration) == (
        ep.name, ep.description, ep.start, ep.duration,
    )  # fmt: skip
    # Rooms belong to one show: the other show gets its own room of the same slug.
    assert copy.location is not None and ep.location is not None
    assert (copy.location.slug, copy.location.show_id) == (ep.location.slug, other.id)
    assert ep.location.show_id == ep.show_id


# Veyepar's STATES as its models define them, written out: not derived from our table.
VEYEPAR_STATE_NUMBERS = {
    "borked": 0, "edit": 1, "encode": 2, "push to queue": 3, "post": 4, "richard": 5,
    "review 1": 6, "email": 7, "review 2": 8, "make public": 9, "tweet": 10,
    "to-miror": 11, "conf": 12, "done": 13,
}  # fmt: skip


def test_veyepar_state_numbers_are_not_off_by_one_on_export_or_import(
    session: Session, show: ShowFixture
) -> None:
    ep = show.episodes[0]
    other = catalog.add_show(session, "pyconf", "states_copy")
    for slug, number in VEYEPAR_STATE_NUMBERS.items():
        ep.state = get_state(session, slug)
        session.flush()
        (doc,) = veyepar_json([ep])
        assert doc["state"] == number, slug
        doc["conf_key"] = f"state-{number}"
        import_schedule(session, other, json.dumps([doc]).encode(), "v.json", "veyepar-json")
        session.flush()
        copy = next(e for e in other.episodes if e.conf_key == f"state-{number}")
        assert copy.state is not None and copy.state.slug == slug
    bad = json.dumps([{**doc, "conf_key": "x", "state": 14}]).encode()
    with pytest.raises(
        InvalidInput, match=r"v\.json: episode \d+: state 14 is not a Veyepar state"
    ):
        import_schedule(session, other, bad, "v.json", "veyepar-json")


def test_raw_playlist_limits_each_cut(session: Session, show: ShowFixture) -> None:
    ep = show.episodes[0]
    first, second = ep.applied_cuts()
    first.start, second.end = 12.5, 600.0
    ep.name = "Line one\nline two"
    session.commit()
    settings = Settings(raw_root="/srv/raw")
    text = raw_playlist(ep, settings)
    assert text.splitlines() == [
        "#EXTM3U",
        "#PLAYLIST:Line one line two",
        "#EXTINF:1188,Line one line two (1/2)",
        "#EXTVLCOPT:start-time=12.500",
        "/srv/raw/pyconf/pyconf_2026/dv/room_a/2026-02-01/09_00_00.dv",
        "#EXTINF:600,Line one line two (2/2)",
        "#EXTVLCOPT:stop-time=600.000",
        "/srv/raw/pyconf/pyconf_2026/dv/room_a/2026-02-01/09_20_00.dv",
    ]
    edl = mpv_edl(ep, settings).splitlines()
    assert edl[0] == "# mpv EDL v0"
    assert edl[1].endswith("/dv/room_a/2026-02-01/09_00_00.dv,12.500,1187.500")
    enc = encoded_playlist(ep, Settings(output_root="/srv/out"))
    assert enc.splitlines()[-1] == f"/srv/out/pyconf/pyconf_2026/mp4/{ep.slug}.mp4"
    bare = add_episode(session, show.show, "No cuts")
    session.flush()
    with pytest.raises(InvalidInput, match="no applied cuts; run `veyedesk assoc`"):
        raw_playlist(bare, settings)


def test_playlists_of_an_assets_folder_point_into_its_pieces(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    from veyedesk.media.locator import Manifest, ManifestEntry

    ep = show.episodes[0]
    first, second = ep.applied_cuts()
    first.start, second.end = 12.5, 600.0
    session.commit()
    # The folder holds raw seconds 10.5-1200 of the first file and 0-602 of the second.
    Manifest(
        pieces={
            first.raw_file.uuid: ManifestEntry("media/a.dv", 10.5, 1189.5, 29738, "segment"),
            second.raw_file.uuid: ManifestEntry("media/b.dv", 0.0, 602.0, 15050, "segment"),
        }
    ).save(tmp_path)
    settings = Settings(raw_root="/srv/raw", venue=str(tmp_path))
    lines = raw_playlist(ep, settings).splitlines()
    assert lines[3:5] == ["#EXTVLCOPT:start-time=2.000", str(tmp_path / "media/a.dv")]
    assert lines[6:8] == ["#EXTVLCOPT:stop-time=600.000", str(tmp_path / "media/b.dv")]
    edl = mpv_edl(ep, settings).splitlines()
    assert edl[1].endswith("/media/a.dv,2.000,1187.500")
    assert edl[2].endswith("/media/b.dv,0.000,600.000")


@pytest.mark.media
def test_mpv_plays_exactly_the_cuts_of_the_edl(
    sqlite_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import os
    from datetime import datetime

    import mpv

    from veyedesk.db import make_engine, session_factory

    make_room_day(tmp_path / "raw", tmp_path_factory.mktemp("cache"))
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        catalog.add_client(session, "vk")
        show = catalog.add_show(session, "vk", "vk26", raw_root=str(tmp_path / "raw"))
        room = catalog.add_room(session, show, "room_a")
        scan_show(session, show, tmp_path / "raw")
        ep = add_episode(session, show, "Two files", room=room,
                         start=datetime(2026, 2, 1, 10, 0, 2), duration=4.0)  # fmt: skip
        associate(session, Selection("vk", "vk26"))
        edl = tmp_path / "talk.edl"
        edl.write_text(mpv_edl(ep, Settings()))
        expected = ep.cuts_time()
    engine.dispose()
    os.environ["LC_NUMERIC"] = "C"
    player = mpv.MPV(vo="null", ao="null", pause=True)
    try:
        player.play(str(edl))
        player.wait_for_property("duration", lambda v: bool(v), timeout=10)
        # One timeline of 2 s of the DV file and 2 s of the TS file: the talk, nothing else.
        assert player.duration == pytest.approx(expected, abs=0.1)
        assert expected == pytest.approx(4.0, abs=0.1)
    finally:
        player.terminate()


def test_show_playlist_is_the_talks_entries_under_one_header(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.services.publishing.playlists import show_playlist

    first, second = show.episodes[:2]
    bare = add_episode(session, show.show, "No cuts")
    session.flush()
    settings = Settings(raw_root="/srv/raw")
    playlist = show_playlist([first, bare, second], settings, "raw")
    talk_lines = [raw_playlist(e, settings).splitlines()[2:] for e in (first, second)]
    assert playlist.text.splitlines() == ["#EXTM3U", *talk_lines[0], *talk_lines[1]]
    assert (playlist.entries, playlist.skipped) == (2, [f"{bare.id} {bare.slug}: no applied cuts"])


@pytest.mark.parametrize("name", ["a\nb.dv", "2026-02-01/x.dv\n#EXTVLCOPT:x", "../../x", "/abs/x"])
def test_a_hostile_raw_file_name_never_reaches_a_playlist(
    session: Session, show: ShowFixture, name: str
) -> None:
    from veyedesk.model.paths import UnsafePath
    from veyedesk.services.publishing.playlists import show_playlist

    ep = show.episodes[0]
    ep.applied_cuts()[0].raw_file.filename = name  # as a change file could bring it
    session.commit()
    settings = Settings(raw_root="/srv/raw")
    for make in (raw_playlist, mpv_edl):
        with pytest.raises(UnsafePath, match="raw file name"):
            make(ep, settings)
    with pytest.raises(UnsafePath):
        show_playlist([ep], settings, "raw")


@pytest.mark.parametrize("slug", ["a\nb", "../../x", "/abs/x", ""])
def test_a_hostile_slug_never_reaches_an_encoded_playlist(
    session: Session, show: ShowFixture, slug: str
) -> None:
    from veyedesk.model.paths import UnsafePath
    from veyedesk.services.publishing.playlists import show_playlist

    ep = show.episodes[0]
    ep.slug = slug
    session.commit()
    settings = Settings(output_root="/srv/out")
    with pytest.raises(UnsafePath, match="slug"):
        encoded_playlist(ep, settings)
    with pytest.raises(UnsafePath, match="slug"):
        show_playlist([ep], settings, "encoded")


def test_a_newline_in_a_root_never_splits_a_playlist_line(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.model.paths import UnsafePath

    ep = show.episodes[0]
    with pytest.raises(UnsafePath, match="control character"):
        raw_playlist(ep, Settings(raw_root="/srv/raw\n#EXTINF:1,x"))
