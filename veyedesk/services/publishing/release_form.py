"""Speaker release forms as PDF: one page per speaker, wording from the show or the default.

The wording is plain text with `{placeholders}` (see PLACEHOLDERS); a show may store its
own (`Show.release_template`, `veyedesk release-template`). Placeholders are checked
before anything is drawn: an unknown name, `{title.attr}`, `{0}` or a stray brace is a
UserError naming it, and the values go in as plain text (a title cannot add placeholders).
Below the wording every page gets the same signature block: name, signature, date.

Text is drawn with DejaVu Sans (installed with the fonts librsvg uses), so accents, Greek,
Cyrillic, Hebrew and Arabic letters and quotes print; characters the font lacks (most
emoji) are left out rather than drawn as boxes.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from veyedesk.encode import titles
from veyedesk.model import Episode
from veyedesk.model.paths import safe_component, safe_join
from veyedesk.model.text import plain_text
from veyedesk.safe_files import new_temp
from veyedesk.services.catalog import get_show
from veyedesk.services.episodes import get_episode
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity, require_admin

DEFAULT_TEMPLATE = titles.RESOURCES / "release" / "default.txt"

PLACEHOLDERS = {
    "show": "the show's name",
    "client": "the client's name",
    "title": "the talk's title",
    "subtitle": "the talk's subtitle",
    "speaker": "the speaker this page is for",
    "speakers": "every speaker of the talk",
    "date": "the talk's date, e.g. 1 February 2026",
    "time": "the talk's start time, e.g. 09:30",
    "room": "the room's name",
    "license": "the licence's short name, e.g. CC BY-SA",
    "license_text": "the licence's full name and address",
    "url": "where the recording will be published",
    "episode_id": "the talk's id in veyedesk",
    "slug": "the talk's file name",
}

# Full names of the licences crews use most; anything else is printed as typed.
LICENSES = {
    "cc by": "Creative Commons Attribution 4.0 International "
    "(https://creativecommons.org/licenses/by/4.0/)",
    "cc by-sa": "Creative Commons Attribution-ShareAlike 4.0 International "
    "(https://creativecommons.org/licenses/by-sa/4.0/)",
    "cc by-nc": "Creative Commons Attribution-NonCommercial 4.0 International "
    "(https://creativecommons.org/licenses/by-nc/4.0/)",
    "cc by-nc-sa": "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International "
    "(https://creativecommons.org/licenses/by-nc-sa/4.0/)",
    "cc by-nd": "Creative Commons Attribution-NoDerivatives 4.0 International "
    "(https://creativecommons.org/licenses/by-nd/4.0/)",
    "cc0": "Creative Commons CC0 1.0 Universal, public domain dedication "
    "(https://creativecommons.org/publicdomain/zero/1.0/)",
}

_SPEAKER_SPLIT = re.compile(r"\s*(?:,|;|\n|\s&\s|\sand\s)\s*")


class ReleaseFormError(InvalidInput):
    """A release form cannot be made (bad template, unwritable folder); names what to fix."""


@dataclass(frozen=True)
class ReleaseForm:
    """One talk's release form: the PDF written and the speakers it has a page for."""

    episode_id: int
    path: Path
    speakers: tuple[str, ...]


def license_text(short: str) -> str:
    """The licence's full name for a known short name (CC BY-SA…), else the text as typed."""
    key = " ".join(short.lower().replace("cc-", "cc ").split())
    key = re.sub(r"\s*\d\.\d$", "", key)  # "CC BY-SA 4.0" names the same licence
    return LICENSES.get(key, short)


def speakers_of(authors: str) -> list[str]:
    """The speakers in an authors field ("A, B and C"), in order, blanks dropped."""
    return [s for s in (p.strip() for p in _SPEAKER_SPLIT.split(authors or "")) if s]


def check_template(text: str, where: str) -> None:
    """Raise ReleaseFormError naming the first bad placeholder or brace in `text`."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ReleaseFormError(
            f"{where}: {exc}; write {{{{ and }}}} for a literal brace, placeholders look like "
            "{title}"
        ) from None
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise ReleaseFormError(f"{where}: unknown placeholder {shown}; use one of {known}")


def template_text(episode: Episode) -> tuple[str, str]:
    """The wording for `episode` and where it comes from (for messages)."""
    show = episode.show
    if show.release_template.strip():
        return show.release_template, f"show {show.slug!r} release template"
    return DEFAULT_TEMPLATE.read_text(encoding="utf-8"), str(DEFAULT_TEMPLATE)


def values_for(episode: Episode, speaker: str) -> dict[str, str]:
    """Each placeholder's value for one speaker's page (plain text)."""
    show = episode.show
    start = episode.start
    short = episode.license or show.client.license
    url = episode.public_url or episode.host_url or episode.conf_url or show.conf_url
    values = {
        "show": show.name,
        "client": show.client.name,
        "title": episode.name,
        "subtitle": episode.subtitle,
        "speaker": speaker or "_______________________",
        "speakers": ", ".join(speakers_of(episode.authors)),
        "date": f"{start.day} {start:%B %Y}" if start else "(date to be confirmed)",
        "time": f"{start:%H:%M}" if start else "",
        "room": episode.location.name if episode.location else "(room to be confirmed)",
        "license": short,
        "license_text": license_text(short),
        "url": url or "(address to be announced)",
        "episode_id": str(episode.id),
        "slug": episode.slug,
    }
    return {k: plain_text(v or "", multiline=True) for k, v in values.items()}


def _printable(text: str, bold: bool = False) -> str:
    # fpdf2 draws nothing (with a warning) for a glyph the font lacks; say so in the text.
    return titles.drawable(text, bold)


def _font(pdf: object) -> str:
    for folder in titles.FONT_DIRS:
        regular = folder / titles.FONT_FILES[False]
        bold = folder / titles.FONT_FILES[True]
        if regular.is_file() and bold.is_file():
            pdf.add_font("DejaVu", fname=str(regular))  # type: ignore[attr-defined]
            pdf.add_font("DejaVu", style="B", fname=str(bold))  # type: ignore[attr-defined]
            return "DejaVu"
    raise ReleaseFormError(
        "the DejaVu fonts are not installed; install fonts-dejavu-core to print release forms"
    )


def _draw_page(pdf: object, text: str, values: dict[str, str]) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.add_page()
    lines = text.format_map(values).strip("\n").split("\n")
    heading, body = lines[0], "\n".join(lines[1:]).strip("\n")
    pdf.set_font("DejaVu", style="B", size=16)
    pdf.multi_cell(0, 9, _printable(heading, True), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=11)
    for paragraph in body.split("\n"):
        pdf.multi_cell(0, 6, _printable(paragraph) or " ", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(14)
    for label in ("Name (printed)", "Signature", "Date"):
        pdf.cell(45, 10, label + ":")
        y = pdf.get_y() + 8
        pdf.line(pdf.get_x(), y, pdf.w - pdf.r_margin, y)
        pdf.ln(16)


def write_release_form(episode: Episode, out: Path) -> ReleaseForm:
    """Write `episode`'s release form to `out`: one page per speaker (one blank if none)."""
    from fpdf import FPDF

    text, where = template_text(episode)
    check_template(text, where)
    speakers = speakers_of(episode.authors) or [""]
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    _font(pdf)
    # HarfBuzz shaping: Arabic letters join and right-to-left runs read right to left.
    pdf.set_text_shaping(use_shaping_engine=True)
    pdf.set_title(plain_text(f"Release form: {episode.name}"))
    pdf.set_creator("veyedesk")
    for speaker in speakers:
        _draw_page(pdf, text, values_for(episode, speaker))
    data = bytes(pdf.output())
    try:
        # A new file of ours beside `out` (never through a symlink planted there), then
        # renamed over it: a reader sees the old form or the whole new one.
        partial = new_temp(out)
        try:
            with partial.open("r+b") as f:
                f.write(data)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        raise ReleaseFormError(
            f"{out}: cannot write the release form ({exc.strerror or exc}); choose another folder"
        ) from None
    return ReleaseForm(episode.id, out, tuple(s for s in speakers if s))


def release_form_name(episode: Episode) -> str:
    """`<slug>.release.pdf`: the file name a form gets in an output folder.

    Raises UnsafePath when the slug (from a schedule, change file or venue copy) is not
    one safe file name: the form would be written outside the folder.
    """
    return f"{safe_component(episode.slug, f'episode {episode.id} slug')}.release.pdf"


def write_release_forms(
    session: Session, episode_ids: list[int], folder: Path
) -> list[ReleaseForm]:
    """A release form per episode in `folder` (`<slug>.release.pdf`); all checked first."""
    episodes = [get_episode(session, i) for i in episode_ids]
    for episode in episodes:  # a bad template or slug fails before any file is written
        check_template(*template_text(episode))
        release_form_name(episode)
    return [write_release_form(e, safe_join(folder, release_form_name(e))) for e in episodes]


def set_release_template(
    session: Session, who: Identity, client: str, show: str, text: str | None
) -> str:
    """Store a show's release-form wording (None or blank: back to the default); returns it.

    A show setting like any other: admins only (as `veyedesk show set`).
    """
    require_admin(session, who)
    target = get_show(session, client, show)
    wording = plain_text(text or "", multiline=True)
    if wording.strip():
        check_template(wording, f"show {target.slug!r} release template")
    target.release_template = wording if wording.strip() else ""
    session.flush()
    return target.release_template or DEFAULT_TEMPLATE.read_text(encoding="utf-8")


def write_episode_release_form(session: Session, episode_id: int, out: Path) -> ReleaseForm:
    """One talk's release form at `out` (the editor's Release form button)."""
    return write_release_form(get_episode(session, episode_id), out)
