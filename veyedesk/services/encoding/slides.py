"""What a talk's title slide says and which template draws it: one answer for encode and proofs.

The encode (`services.encoding`), the editor's title preview and the proof sheet all take
the slide's text and template from here, so a proof shows exactly what the encode draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from veyedesk.encode import titles
from veyedesk.model import Episode
from veyedesk.model.shared_files import OutsideRoot, resolve
from veyedesk.services.errors import InvalidInput

# Ready images the encode scales and pads instead of filling a template.
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
TEMPLATE_SUFFIXES = {".svg", *IMAGE_SUFFIXES}

# Draft fields (the editor's names) that change what the title slide says.
SLIDE_FIELDS = ("name", "subtitle", "authors", "license", "start", "title_image")


def slide_text(episode: Episode, draft: Mapping[str, Any] | None = None) -> titles.SlideText:
    """The title/credits slide text of `episode`; `draft` holds unsaved editor values."""
    values = dict(draft or {})

    def field(name: str) -> Any:
        return values[name] if name in values else getattr(episode, name)

    show = episode.show
    client = show.client
    room = episode.location
    start = field("start")
    return titles.SlideText(
        title=field("name") or "",
        subtitle=field("subtitle") or "",
        authors=field("authors") or "",
        show=show.name,
        client=client.name,
        room=room.name if room else "",
        date=f"{start.day} {start:%B %Y}" if start else "",
        license=field("license") or client.license,
        url=episode.conf_url or show.conf_url,
    )


def check_title_image(path_text: str, what: str, root: str = "") -> Path:
    """`path_text` (stored relative to the shared files `root`, model.shared_files) as an
    existing SVG/PNG/JPEG file on this machine, or InvalidInput naming `what`."""
    try:
        path = resolve(path_text, root)
    except OutsideRoot as exc:
        raise InvalidInput(f"{what}: {exc}") from None
    if path.suffix.lower() not in TEMPLATE_SUFFIXES:
        raise InvalidInput(
            f"{what}: {path} is not an SVG, PNG or JPEG file; choose a title template "
            "(.svg) or a ready slide image (.png, .jpg)"
        )
    if not path.is_file():
        raise InvalidInput(
            f"{what}: {path} does not exist; choose the file again or clear the setting"
        )
    return path


def title_template(episode: Episode, own: str | None = None, root: str = "") -> Path:
    """The talk's own title image/SVG if it has one, else the client's, else the default.

    `own` overrides the stored `episode.title_image` (an unsaved choice in the editor);
    `root` is this machine's shared files root (`Settings.files_root`).
    """
    own = episode.title_image if own is None else own
    if own:
        return check_title_image(own, f"episode {episode.id} ({episode.slug}) title image", root)
    client = episode.show.client
    if client.title_svg:
        return check_title_image(client.title_svg, f"client {client.slug!r} title template", root)
    return titles.TITLE_TEMPLATE


def credits_template(episode: Episode, root: str = "") -> Path:
    """The client's credits image or template, else the default credits slide."""
    client = episode.show.client
    if client.credits:
        return check_title_image(client.credits, f"client {client.slug!r} credits image", root)
    return titles.CREDITS_TEMPLATE
