"""`veyedesk titles`, `release-form`, `release-template`, `chapters`, `show-playlist`, as run."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.support.factory import make_show
from veyedesk.db import make_engine, session_factory

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"
LONG = ("A very long title about distributed consensus in practice " * 4)[:200]


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        fixture = make_show(session, rooms=2, talks_per_room=2)
        fixture.episodes[1].name = LONG
        fixture.episodes[0].host_url = "https://youtu.be/abc"
        cuts = fixture.episodes[0].applied_cuts()
        cuts[0].comment = "Welcome"
        session.commit()
    engine.dispose()
    return {
        "PATH": "/usr/bin:/bin",
        "VEYEDESK_DB": sqlite_url,
        "VEYEDESK_RAW_ROOT": str(tmp_path / "raw"),
        "VEYEDESK_OUTPUT_ROOT": str(tmp_path / "out"),
        "VEYEDESK_CONFIG": str(tmp_path / "config.toml"),
        "VEYEDESK_DATA_DIR": str(tmp_path / "data"),
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([VEYEDESK, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.media
def test_titles_writes_a_pdf_and_a_png_sheet(env: dict[str, str], tmp_path: Path) -> None:
    show = ["--client", "pyconf", "--show", "pyconf_2026"]
    done = run(env, "titles", *show, "-o", str(tmp_path / "proof.pdf"))
    assert done.returncode == 0, done.stderr
    first_line, *flags = done.stdout.splitlines()
    assert first_line.startswith(f"{tmp_path / 'proof.pdf'}: 4 title slides, 1 flagged (")
    (flag,) = flags
    assert re.fullmatch(
        r"  #2 Talk_2_in_Room_A_quotes_tags: title: shrunk to \d+% and \d+ of \d+ characters "
        r"do not fit: shorten it",
        flag,
    ), flag
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(tmp_path / "proof.pdf").pages
    )
    assert "Title proofs: Pyconf 2026 (Pyconf)" in text and "4 title slides, 1 flagged" in text

    done = run(env, "titles", *show, "--room", "room_b", "-o", str(tmp_path / "b.png"))
    assert done.returncode == 0, done.stderr
    assert "2 title slides, 0 flagged" in done.stdout
    with Image.open(tmp_path / "b.png") as sheet:
        assert sheet.width > 2 * 480

    done = run(env, "titles", *show, "-o", str(tmp_path / "proof.gif"))
    assert done.returncode == 1
    assert done.stderr.strip().endswith("a proof sheet is a .png or a .pdf; name the file so")


def test_release_forms_and_the_show_template(env: dict[str, str], tmp_path: Path) -> None:
    done = run(env, "release-form", "1", "2", "-o", str(tmp_path / "forms"))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    (first, *_rest) = sorted((tmp_path / "forms").glob("*.release.pdf"))
    assert "Speaker 00" in PdfReader(first).pages[0].extract_text()

    template = tmp_path / "wording.txt"
    template.write_text("Our release for {show}\n{speaker} agrees to {tittle}.\n")
    show = ["--client", "pyconf", "--show", "pyconf_2026"]
    done = run(env, "release-template", *show, "--set", str(template))
    assert done.returncode == 1
    assert "unknown placeholder {tittle}; use one of {show}" in done.stderr
    template.write_text("Our release for {show}\n{speaker} agrees to {title}.\n")
    assert run(env, "release-template", *show, "--set", str(template)).returncode == 0
    assert run(env, "release-template", *show).stdout.startswith("Our release for {show}")
    done = run(env, "release-form", "3", "-o", str(tmp_path / "forms2"))
    assert done.returncode == 0, done.stderr
    (form,) = (tmp_path / "forms2").glob("*.pdf")
    assert PdfReader(form).pages[0].extract_text().startswith("Our release for Pyconf 2026")
    assert run(env, "release-template", *show, "--reset").returncode == 0
    assert run(env, "release-template", *show).stdout.startswith("Recording and publication")
    assert "{license_text}" in run(env, "release-template", *show, "--placeholders").stdout


def test_chapters_prints_youtube_text_with_links(env: dict[str, str]) -> None:
    done = run(env, "chapters", "1")
    assert done.returncode == 0, done.stderr
    # make_show: 30-minute talk, two 20-minute raw files cut to the slot; title 5 s.
    assert done.stdout.splitlines()[0] == "0:00 Welcome https://youtu.be/abc?t=0"
    assert done.stdout.splitlines()[1].startswith("20:05 Part 2 https://youtu.be/abc?t=1205")
    done = run(env, "chapters", "2")
    assert done.stdout.splitlines()[0] == "0:00 Part 1"


def test_show_playlists(env: dict[str, str], tmp_path: Path) -> None:
    show = ["--client", "pyconf", "--show", "pyconf_2026"]
    done = run(env, "show-playlist", *show, "--kind", "raw")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("#EXTM3U\n")
    assert done.stdout.count("#EXTINF:") >= 4
    assert done.stdout.count("#EXTINF:") == done.stdout.count(".dv\n")

    done = run(env, "show-playlist", *show, "--kind", "encoded")
    assert done.returncode == 1  # nothing encoded yet: every talk named on stderr
    assert done.stderr.count("not encoded (mp4)") == 4
    (tmp_path / "out" / "pyconf" / "pyconf_2026" / "mp4").mkdir(parents=True)
    out = tmp_path / "enc.m3u"
    first = run(env, "playlist", "1", "--kind", "encoded").stdout.splitlines()[-1]
    Path(first).write_bytes(b"not really a video")
    done = run(env, "show-playlist", *show, "--kind", "encoded", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text().splitlines() == ["#EXTM3U", out.read_text().splitlines()[1], first]
    assert done.stderr.count("not encoded (mp4)") == 3


@pytest.mark.parametrize("slug", ["../../x", "/abs/x"])
def test_release_form_refuses_a_slug_that_leaves_the_folder(
    env: dict[str, str], sqlite_url: str, tmp_path: Path, slug: str
) -> None:
    if slug.startswith("/"):
        slug = str(tmp_path / "abs" / "x")  # absolute, but inside the test's folder
    engine = make_engine(sqlite_url)
    with session_factory(engine)() as session:
        from veyedesk.model import Episode

        episode = session.get(Episode, 1)
        assert episode is not None
        episode.slug = slug  # as a change file could bring it
        session.commit()
    engine.dispose()
    done = run(env, "release-form", "1", "-o", str(tmp_path / "deep" / "forms"))
    assert done.returncode == 1
    assert "slug" in done.stderr and "cannot be used as a file or folder name" in done.stderr
    assert not list(tmp_path.rglob("*.pdf"))
