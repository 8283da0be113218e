"""services.title_proofs and services.slides: a show's proof sheet, a talk's own title image."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tests.encode.support import make_talk
from tests.support.factory import ShowFixture
from tests.support.media import FFMPEG, make_clip
from veyedesk.encode import titles
from veyedesk.services.encoding.execute import execute_encode
from veyedesk.services.encoding.prepare import prepare_encode
from veyedesk.services.episodes import Selection
from veyedesk.services.errors import InvalidInput
from veyedesk.services.publishing.title_proofs import (
    preview_source,
    render_preview,
    show_heading,
    show_slide_jobs,
    write_proof_sheet,
)

pytestmark = pytest.mark.media
LONG = ("Distributed consensus in practice, and what the papers leave out " * 4)[:200]


def solid_png(path: Path, colour: str, size: str = "640x360") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", f"color=c={colour}:s={size}",
         "-frames:v", "1", "-y", str(path)],
        check=True,
    )  # fmt: skip
    return path


def test_a_show_sheet_flags_long_titles_and_missing_own_images(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    first, second, third = show.episodes[:3]
    second.name = LONG
    third.title_image = str(tmp_path / "raw" / "pyconf" / "pyconf_2026" / "gone.png")
    session.commit()
    selection = Selection("pyconf", "pyconf_2026", room="room_a")
    jobs = show_slide_jobs(session, selection, str(tmp_path / "raw"))
    heading = show_heading(session, selection)
    assert heading == "Title proofs: Pyconf 2026 (Pyconf), room room_a"
    assert [j.label for j in jobs] == [f"#{e.id} {e.slug}" for e in (first, second, third)]
    session.close()  # rendering needs no database
    sheet = write_proof_sheet(jobs, tmp_path / "proof.pdf", heading, workers=2)
    assert [s.label for s in sheet.flagged] == [jobs[1].label, jobs[2].label]
    assert "gone.png does not exist" in sheet.flagged[1].warning()
    text = " ".join(p.extract_text() for p in PdfReader(sheet.path).pages)
    assert "3 title slides, 2 flagged" in " ".join(text.split())


def test_the_talks_own_title_image_is_what_the_encode_shows(
    session: Session, tmp_path: Path
) -> None:
    clips = {"a": make_clip(tmp_path / "a.dv", "dv", 2.0)}
    episode, settings = make_talk(session, tmp_path, clips, [("a", 0.0, 1.0)])
    # A talk's own image is taken from the show's folder (Veyepar's custom/titles).
    titles = episode.show.raw_dir(settings.raw_root) / "custom" / "titles"
    titles.mkdir(parents=True)
    own = solid_png(titles / "own-title.png", "red")
    episode.title_image = str(own)
    session.commit()
    request = prepare_encode(session, episode.id, settings)
    assert request.title_template == own
    outcome = execute_encode(request)
    frame = tmp_path / "frame.png"
    subprocess.run(
        [FFMPEG, "-v", "error", "-ss", "0.5", "-i", str(outcome.output_path),
         "-frames:v", "1", "-y", str(frame)],
        check=True,
    )  # fmt: skip
    with Image.open(frame) as image:
        r, g, b = image.convert("RGB").getpixel((160, 90))
    assert r > 180 and g < 60 and b < 60  # the red slide, not the default blue template

    episode.title_image = str(titles / "missing.svg")
    session.commit()
    with pytest.raises(InvalidInput, match=r"title image: .*missing\.svg does not exist"):
        prepare_encode(session, episode.id, settings)
    episode.title_image = str(titles / "notes.txt")
    session.commit()
    with pytest.raises(InvalidInput, match=r"not an SVG, PNG or JPEG file"):
        prepare_encode(session, episode.id, settings)


def test_the_preview_uses_unsaved_draft_values(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    episode = show.episodes[0]
    source = preview_source(session, episode.id, {"name": LONG, "authors": "Draft Speaker"})
    assert source.text.title == LONG and source.text.authors == "Draft Speaker"
    assert source.text.show == "Pyconf 2026" and source.text.room == "Room A"
    assert source.template == titles.TITLE_TEMPLATE
    slide = render_preview(source, tmp_path / "preview.png")
    assert slide.png is not None and slide.png.is_file()
    assert slide.warning().startswith("title: shrunk to ")
    assert slide.warning().endswith("characters do not fit: shorten it")
    missing = preview_source(session, episode.id, {"title_image": str(tmp_path / "x.png")})
    shown = render_preview(missing, tmp_path / "p2.png")
    assert shown.png is None and "x.png does not exist" in shown.warning()


def test_the_own_title_image_is_saved_like_any_field(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    from veyedesk.config import Settings
    from veyedesk.model import Episode
    from veyedesk.services.editing import open_save as editing
    from veyedesk.services.identity import Identity

    ed, settings = Identity("ed@laptop", "editor"), Settings()
    episode_id = show.episodes[0].id
    opened = editing.open_for_edit(session, episode_id, ed, settings)
    session.commit()
    assert opened.draft.fields["title_image"] == ""
    draft = opened.draft.copy()
    draft.fields["title_image"] = f"{tmp_path}/custom\x00title.svg"
    editing.save_episode(session, draft, opened.draft, ed, settings, release=True)
    session.commit()
    session.expire_all()
    stored = session.get(Episode, episode_id)
    assert stored is not None and stored.title_image == f"{tmp_path}/custom title.svg"


@pytest.mark.parametrize("where", ["outside", "relative-escape", "symlink"])
def test_a_stored_title_image_from_outside_the_show_folder_is_refused(
    session: Session, tmp_path: Path, where: str
) -> None:
    clips = {"a": make_clip(tmp_path / "a.dv", "dv", 2.0)}
    episode, settings = make_talk(session, tmp_path, clips, [("a", 0.0, 1.0)])
    private = solid_png(tmp_path / "private" / "secret.png", "red")
    folder = episode.show.raw_dir(settings.raw_root)
    if where == "outside":
        episode.title_image = str(private)  # as a change file could bring it
    elif where == "relative-escape":
        episode.title_image = "../../../private/secret.png"
    else:
        (folder / "custom").mkdir(parents=True)
        (folder / "custom" / "t.png").symlink_to(private)
        episode.title_image = str(folder / "custom" / "t.png")
    session.commit()
    with pytest.raises(InvalidInput, match="title image"):
        prepare_encode(session, episode.id, settings)
    (job,) = show_slide_jobs(session, Selection("conf", "conf_2026"), settings.raw_root)
    assert job.template is None and "title image" in job.error


def test_an_image_chosen_elsewhere_is_copied_into_the_show_folder_on_save(
    session: Session, tmp_path: Path
) -> None:
    from veyedesk.services.editing import open_save as editing
    from veyedesk.services.identity import Identity

    clips = {"a": make_clip(tmp_path / "a.dv", "dv", 2.0)}
    episode, settings = make_talk(session, tmp_path, clips, [("a", 0.0, 1.0)])
    session.commit()
    chosen = solid_png(tmp_path / "desktop" / "mine.PNG", "red")
    ed = Identity("ed@laptop", "editor")
    opened = editing.open_for_edit(session, episode.id, ed, settings)
    draft = opened.draft.copy()
    draft.fields["title_image"] = str(chosen)
    editing.save_episode(session, draft, opened.draft, ed, settings, release=True)
    session.commit()
    session.expire_all()
    copied = episode.show.raw_dir(settings.raw_root) / "custom" / "titles" / f"{episode.slug}.png"
    # Stored relative to the shared files root (here the raw root), found on every machine.
    stored = copied.relative_to(Path(settings.files_root).expanduser()).as_posix()
    assert session.get(type(episode), episode.id).title_image == stored
    assert copied.read_bytes() == chosen.read_bytes()
    assert prepare_encode(session, episode.id, settings).title_template == copied
