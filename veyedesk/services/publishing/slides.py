"""What a talk's title slide says and which template draws it: one answer for encode and proofs.

The encode (`services.encoding`), the editor's title preview and the proof sheet all take
the slide's text and template from here, so a proof shows exactly what the encode draws.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from veyedesk.encode import titles
from veyedesk.model import Episode
from veyedesk.model.paths import (
    UnsafePath,
    is_inside,
    safe_component,
    safe_join,
    safe_join_relative,
)
from veyedesk.safe_files import new_temp
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


def check_title_image(path_text: str, what: str) -> Path:
    """`path_text` as an existing SVG/PNG/JPEG file, or InvalidInput naming `what`."""
    path = Path(path_text).expanduser()
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


TITLES_FOLDER = "custom/titles"  # under the show's folder, as in Veyepar


def show_folder(episode: Episode, raw_root: str) -> Path | None:
    """The show's own folder (`<raw root>/<client>/<show>` or its raw_root), if known."""
    show = episode.show
    if not (raw_root or show.raw_root):
        return None
    return show.raw_dir(raw_root)


def own_title_image(episode: Episode, text: str, raw_root: str) -> Path:
    """A talk's stored title image, accepted only from the show's folder (InvalidInput).

    The stored value is a row a change file or venue copy may carry: an SVG anywhere on
    the machine (one that pulls other files in) must not reach the encode. Relative
    values are under the show's folder; absolute ones must lie inside it (a file chosen
    elsewhere is copied in when the talk is saved: `adopt_title_image`).
    """
    what = f"episode {episode.id} ({episode.slug}) title image"
    folder = show_folder(episode, raw_root)
    if folder is None:
        raise InvalidInput(
            f"{what}: the show has no folder here to hold it; set raw_root in the settings "
            "or the show's raw_root"
        )
    try:
        path = safe_join_relative(folder, text, what) if not os.path.isabs(text) else Path(text)
    except UnsafePath as exc:
        raise InvalidInput(str(exc)) from None
    if not is_inside(path.resolve(), folder.resolve()):
        raise InvalidInput(
            f"{what}: {path} is outside the show's folder {folder}; choose the image again "
            "in the editor (it is copied into the show's folder when the talk is saved)"
        )
    return check_title_image(str(path), what)


def adopt_title_image(episode: Episode, text: str, raw_root: str) -> str:
    """The value to store for a title image chosen at `text`: inside the show's folder.

    An image already in the show's folder is kept where it is; one chosen elsewhere is
    copied to `<show folder>/custom/titles/<slug><suffix>` first. Raises InvalidInput.
    """
    if not text:
        return ""
    what = f"episode {episode.id} ({episode.slug}) title image"
    folder = show_folder(episode, raw_root)
    chosen = Path(text)
    if (
        folder is None
        or not chosen.is_absolute()
        or not chosen.is_file()
        or is_inside(chosen.resolve(), folder.resolve())
    ):
        return text  # relative, missing or already inside: checked (and refused) when used
    check_title_image(text, what)
    name = f"{safe_component(episode.slug, 'episode slug')}{chosen.suffix.lower()}"
    target = safe_join(folder, *TITLES_FOLDER.split("/"), name)
    try:
        partial = new_temp(target)
        try:
            shutil.copyfile(chosen, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{what}: cannot copy it to {target} ({exc.strerror})") from None
    return str(target)


def title_template(
    episode: Episode, own: str | None = None, raw_root: str = "", *, chosen_here: bool = False
) -> Path:
    """The talk's own title image/SVG if it has one, else the client's, else the default.

    `own` overrides the stored `episode.title_image` (an unsaved choice in the editor);
    with `chosen_here` it is the editor's own pick on this machine, taken as it is (the
    preview). A stored image must be in the show's folder (`own_title_image`).
    """
    stored = own is None
    own = episode.title_image if own is None else own
    if own and chosen_here and not stored:
        return check_title_image(own, f"episode {episode.id} ({episode.slug}) title image")
    if own:
        return own_title_image(episode, own, raw_root)
    client = episode.show.client
    if client.title_svg:
        return check_title_image(client.title_svg, f"client {client.slug!r} title template")
    return titles.TITLE_TEMPLATE


def credits_template(episode: Episode) -> Path:
    """The client's credits image or template, else the default credits slide."""
    client = episode.show.client
    if client.credits:
        return check_title_image(client.credits, f"client {client.slug!r} credits image")
    return titles.CREDITS_TEMPLATE
