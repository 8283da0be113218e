"""services.release_form: one PDF page per speaker, wording from the show or the default."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.model.paths import UnsafePath
from veyedesk.services.errors import PermissionDenied
from veyedesk.services.identity import Identity
from veyedesk.services.publishing.release_form import (
    ReleaseFormError,
    check_template,
    license_text,
    set_release_template,
    speakers_of,
    write_release_forms,
)

ADMIN = Identity("lead", "admin")


def pages(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def test_one_page_per_speaker_with_the_talk_and_the_licence(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    episode = show.episodes[0]
    episode.authors = "Ann Example, Bob O'Brien and Zoë Ünal"
    episode.license = "CC BY-SA 4.0"
    episode.public_url = "https://video.example.org/pyconf/talk-1"
    session.commit()
    (form,) = write_release_forms(session, [episode.id], tmp_path / "forms")
    assert form.path == tmp_path / "forms" / f"{episode.slug}.release.pdf"
    assert form.speakers == ("Ann Example", "Bob O'Brien", "Zoë Ünal")
    text = pages(form.path)
    assert len(text) == 3
    for page, speaker in zip(text, form.speakers, strict=True):
        assert page.startswith("Recording and publication release")
        assert f"Speaker: {speaker}" in page
        assert "All speakers: Ann Example, Bob O'Brien, Zoë Ünal" in page
        assert "Talk 1 in Room A: “quotes” & <tags>" in page
        assert "Event: Pyconf 2026 (Pyconf)" in page
        assert "1 February 2026, Room A" in page
        assert "https://video.example.org/pyconf/talk-1" in page
        assert "Creative Commons Attribution-ShareAlike 4.0 International" in page
        assert "Name (printed):" in page and "Signature:" in page and "Date:" in page


def test_the_clients_licence_is_used_when_the_talk_has_none(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    episode = show.episodes[1]
    episode.license = ""
    show.client.license = "CC0"
    session.commit()
    (form,) = write_release_forms(session, [episode.id], tmp_path)
    assert "CC0 1.0 Universal" in pages(form.path)[0]


def test_a_show_template_overrides_the_wording(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    set_release_template(
        session,
        ADMIN,
        "pyconf",
        "pyconf_2026",
        "Consent for {show}\nI, {speaker}, say yes to {title} under {license}. {{literal}}",
    )
    episode = show.episodes[0]
    episode.authors = "Ann"
    session.commit()
    (form,) = write_release_forms(session, [episode.id], tmp_path)
    (page,) = pages(form.path)
    assert page.startswith("Consent for Pyconf 2026")
    assert "I, Ann, say yes to Talk 1 in Room A: “quotes” & <tags> under CC BY-SA." in page
    assert "{literal}" in page
    assert "Recording and publication release" not in page


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Hello {speeker}", r"unknown placeholder \{speeker\}; use one of \{show\}"),
        ("Hello {title.__class__}", r"unknown placeholder \{title.__class__\}"),
        ("Hello {0}", r"unknown placeholder \{0\}"),
        ("Hello {title!r}", r"unknown placeholder \{title!r\}"),
        ("Hello {title:>40}", r"unknown placeholder \{title:>40\}"),
        ("Hello {title", r"expected '\}' before end of string; write \{\{ and \}\}"),
        ("Hello }", r"Single '\}' encountered"),
    ],
)
def test_bad_placeholders_are_named(template: str, message: str) -> None:
    with pytest.raises(ReleaseFormError, match=message):
        check_template(template, "show 'x' release template")


def test_a_bad_stored_template_fails_before_any_file_is_written(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    with pytest.raises(ReleaseFormError, match=r"show 'pyconf_2026' release template: unknown"):
        set_release_template(session, ADMIN, "pyconf", "pyconf_2026", "Dear {nobody}")
    show.show.release_template = "Dear {nobody}"  # stored by an older tool, say
    session.commit()
    with pytest.raises(ReleaseFormError, match=r"unknown placeholder \{nobody\}"):
        write_release_forms(session, [show.episodes[0].id], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_odd_titles_print(session: Session, show: ShowFixture, tmp_path: Path) -> None:
    episode = show.episodes[0]
    episode.name = 'Emoji 🎉, RTL שלום עולם مرحبا, quotes "‘’“” {title} \\ 100%\x07'
    episode.authors = "سارة, 山田太郎"
    session.commit()
    (form,) = write_release_forms(session, [episode.id], tmp_path)
    text = pages(form.path)
    assert len(text) == 2
    assert "{title} \\ 100%" in text[0]  # a title's braces are text, not placeholders
    assert "Emoji , RTL" in text[0]  # the emoji the font lacks is left out


def test_no_speaker_gives_one_page_with_a_blank_name(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    episode = show.episodes[0]
    episode.authors = ""
    session.commit()
    (form,) = write_release_forms(session, [episode.id], tmp_path)
    assert form.speakers == ()
    assert "Speaker: ____" in pages(form.path)[0]


def test_speakers_and_licences() -> None:
    assert speakers_of("A, B; C and D & E\nF") == ["A", "B", "C", "D", "E", "F"]
    assert speakers_of("Alexandra Andersen") == ["Alexandra Andersen"]
    assert license_text("cc-by-sa") == license_text("CC BY-SA 4.0")
    assert license_text("All rights reserved") == "All rights reserved"


def test_only_an_admin_sets_a_shows_release_wording(session: Session, show: ShowFixture) -> None:
    # The wording is a show setting: the same permission as `veyedesk show set`.
    with pytest.raises(PermissionDenied, match="ed"):
        set_release_template(session, Identity("ed", "editor"), "pyconf", "pyconf_2026", "Hi")
    assert show.show.release_template == ""


@pytest.mark.parametrize("slug", ["../../x", "/abs/x", "a\x00b", "a\nb", "..", ""])
def test_a_hostile_slug_never_writes_outside_the_folder(
    session: Session, show: ShowFixture, tmp_path: Path, slug: str
) -> None:
    if "\x00" in slug and session.get_bind().dialect.name == "postgresql":
        pytest.skip("PostgreSQL text cannot hold a NUL at all")
    if slug.startswith("/"):
        slug = str(tmp_path / "abs" / "x")  # absolute, but inside the test's folder
    episode = show.episodes[0]
    episode.slug = slug
    session.flush()
    folder = tmp_path / "a" / "b" / "forms"
    with pytest.raises(UnsafePath, match="slug"):
        write_release_forms(session, [show.episodes[1].id, episode.id], folder)
    assert not list(tmp_path.rglob("*.pdf"))  # checked before any form is written


def test_a_symlink_planted_beside_the_form_is_not_followed(
    session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    episode = show.episodes[0]
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / f".{episode.slug}.release.pdf.part").symlink_to(victim)
    (form,) = write_release_forms(session, [episode.id], folder)
    assert victim.read_text() == "keep me"
    assert pages(form.path)
