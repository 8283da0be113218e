"""Title proofs of a show (the contact sheet) and of one talk being edited (the preview).

Both read the slide text and template from `services.slides`, the encode's own source,
and render through `encode.proofs`, so a proof is the encode's title slide, smaller.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from veyedesk.encode import proofs, titles
from veyedesk.encode.proofs import RenderedSlide, SlideJob
from veyedesk.services import encoding
from veyedesk.services.episodes import Selection, get_episode, select_episodes
from veyedesk.services.errors import InvalidInput

PREVIEW_WIDTH, PREVIEW_HEIGHT = 640, 360


@dataclass(frozen=True)
class ProofSheet:
    """A written contact sheet: where, how many slides, which were flagged, how long it took."""

    path: Path
    slides: tuple[RenderedSlide, ...]
    seconds: float

    @property
    def flagged(self) -> list[RenderedSlide]:
        return [s for s in self.slides if s.flagged]


def _label(episode_id: int, slug: str) -> str:
    return f"#{episode_id} {slug}"


def show_slide_jobs(session: Session, selection: Selection, root: str = "") -> list[SlideJob]:
    """One SlideJob per selected episode (plain data: render it with no session open).

    A talk whose own title image is missing still gets a job, with the default template,
    so the sheet shows it; its error is reported on the sheet instead of stopping the run.
    """
    jobs = []
    for episode in select_episodes(session, selection):
        text = encoding.slide_text(episode)
        try:
            template = encoding.title_template(episode, root=root)
        except InvalidInput as exc:
            jobs.append(SlideJob(_label(episode.id, episode.slug), None, text, str(exc)))
            continue
        jobs.append(SlideJob(_label(episode.id, episode.slug), template, text))
    return jobs


def write_proof_sheet(
    jobs: list[SlideJob], out: Path, heading: str, workers: int | None = None
) -> ProofSheet:
    """Render every job in parallel and write the contact sheet to `out` (.png or .pdf)."""
    if out.suffix.lower() not in proofs.SHEET_SUFFIXES:
        raise InvalidInput(f"{out}: a proof sheet is a .png or a .pdf; name the file so")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="veyedesk-proofs-"))
    try:
        results = proofs.render_slides(jobs, work, workers=workers)
        proofs.contact_sheet(results, out, heading)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ProofSheet(out, tuple(results), time.monotonic() - started)


def show_heading(session: Session, selection: Selection) -> str:
    """`Title proofs: <show name> (<client>)[, room <room>]`."""
    from veyedesk.services.catalog import get_show

    show = get_show(session, selection.client, selection.show)
    room = f", room {selection.room}" if selection.room else ""
    return f"Title proofs: {show.name} ({show.client.name}){room}"


@dataclass(frozen=True)
class PreviewSource:
    """What the editor's preview needs to render a talk's slide without the database."""

    episode_id: int
    template: Path | None  # None: the talk's own title image is missing (`error` says so)
    text: titles.SlideText
    error: str = ""


def preview_source(
    session: Session, episode_id: int, draft: Mapping[str, Any] | None = None, root: str = ""
) -> PreviewSource:
    """The slide text and template of `episode_id` with the editor's unsaved `draft` values."""
    episode = get_episode(session, episode_id)
    draft = dict(draft or {})
    text = encoding.slide_text(episode, draft)
    try:
        # The editor's draft holds what its user chose on this machine: previewed as is.
        template = encoding.title_template(
            episode, draft.get("title_image"), root, chosen_here=True
        )
    except InvalidInput as exc:
        return PreviewSource(episode_id, None, text, str(exc))
    return PreviewSource(episode_id, template, text)


def render_preview(source: PreviewSource, png: Path) -> RenderedSlide:
    """Render one talk's title slide (no database): the editor's live preview."""
    if source.template is None:
        return RenderedSlide(_label(source.episode_id, ""), None, error=source.error)
    return proofs.render_slide(
        source.template, source.text, PREVIEW_WIDTH, PREVIEW_HEIGHT, png, str(source.episode_id)
    )
