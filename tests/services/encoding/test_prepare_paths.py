"""services.encoding: an encode's files stay inside the output root whatever the slugs hold."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.encode.support import make_talk
from tests.support.media import make_clip
from veyedesk.model.paths import UnsafePath
from veyedesk.services.encoding.execute import execute_encode
from veyedesk.services.encoding.prepare import output_path, prepare_encode

pytestmark = pytest.mark.media

HOSTILE = ["../../x", "/abs/x", "a\x00b", "a\nb", "..", ""]


@pytest.fixture(scope="module")
def raw_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("raw")
    return {"a": make_clip(folder / "a.dv", "dv", 2.0)}


@pytest.mark.parametrize("slug", HOSTILE)
def test_a_hostile_episode_slug_is_refused_before_any_file_is_written(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path], slug: str
) -> None:
    if "\x00" in slug and session.get_bind().dialect.name == "postgresql":
        pytest.skip("PostgreSQL text cannot hold a NUL at all")
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.2, 1.0)])
    episode.slug = slug  # as a change file or a venue copy could bring it
    session.flush()
    with pytest.raises(UnsafePath, match="episode slug"):
        prepare_encode(session, episode.id, settings)


@pytest.mark.parametrize("slug", ["../../x", "/abs/x"])
def test_a_hostile_client_or_show_slug_is_refused(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path], slug: str
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.2, 1.0)])
    episode.show.slug = slug
    session.flush()
    with pytest.raises(UnsafePath, match="client or show slug"):
        prepare_encode(session, episode.id, settings)


@pytest.mark.parametrize("slug", HOSTILE)
def test_output_path_stays_inside_the_output_root(tmp_path: Path, slug: str) -> None:
    from tests.encode.support import SMALL, settings_for

    settings = settings_for(tmp_path)
    with pytest.raises(UnsafePath):
        output_path(settings, "conf", "conf_2026", SMALL, slug)
    with pytest.raises(UnsafePath):
        output_path(settings, slug, "conf_2026", SMALL, "talk")


def test_an_output_root_inside_the_recordings_is_refused(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.2, 1.0)])
    raw_dv = episode.show.raw_dir(settings.raw_root) / "dv"
    inside = dataclasses.replace(settings, output_root=str(raw_dv))
    with pytest.raises(UnsafePath, match="recordings folder"):
        prepare_encode(session, episode.id, inside)


def test_a_symlink_planted_as_the_part_file_is_not_followed(
    session: Session, tmp_path: Path, raw_clips: dict[str, Path]
) -> None:
    episode, settings = make_talk(session, tmp_path, raw_clips, [("a", 0.2, 1.0)])
    request = prepare_encode(session, episode.id, settings)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    request.part_path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(victim, request.part_path)
    execute_encode(request)
    assert victim.read_text() == "keep me"
    assert request.output_path.is_file() and not request.output_path.is_symlink()
