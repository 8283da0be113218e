"""What a talk's title slide says and which template draws it: one answer for encode and proofs.

The encode (`services.encoding`), the editor's title preview and the proof sheet all take
the slide's text and template from here, so a proof shows exactly what the encode draws.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from veyedesk.encode import titles
from veyedesk.model import Episode
from veyedesk.model.paths import is_inside, safe_component, safe_join
from veyedesk.model.shared_files import OutsideRoot, is_relative, resolve, to_stored
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


TITLES_FOLDER = "custom/titles"  # under the show's folder in the shared files, as in Veyepar


def _stored_title_image(episode: Episode, stored: str, root: str) -> Path:
    """A talk's stored title image, taken only from the shared files folder (InvalidInput).

    The stored value is a row a change file or venue copy may carry: an SVG anywhere on the
    machine (one that pulls other files in) must not reach the encode. A file chosen
    elsewhere is copied into the shared files folder when the talk is saved
    (`adopt_title_image`), so a stored absolute path outside it is refused.
    """
    what = f"episode {episode.id} ({episode.slug}) title image"
    if not is_relative(stored):
        inside = bool(root) and is_inside(
            Path(stored).expanduser().resolve(), Path(root).expanduser().resolve()
        )
        if not inside:
            raise InvalidInput(
                f"{what}: {stored} is outside the shared files folder "
                f"({root or 'no assets_root or raw_root set'}); choose the image again in the "
                "editor (it is copied into that folder when the talk is saved)"
            )
    return check_title_image(stored, what, root)


def adopt_title_image(episode: Episode, text: str, root: str) -> str:
    """The value to store for a title image chosen at `text`: inside the shared files root.

    A file already under the root is stored relative to it; one chosen elsewhere is copied
    to `<root>/<client>/<show>/custom/titles/<slug><suffix>` first (new file, then rename).
    Values that are not a file here are kept as typed and refused when used. InvalidInput.
    """
    if not text or is_relative(text) or not root:
        return text
    chosen = Path(text).expanduser()
    base = Path(root).expanduser()
    if not chosen.is_file() or is_inside(chosen.resolve(), base.resolve()):
        return to_stored(chosen, base)
    what = f"episode {episode.id} ({episode.slug}) title image"
    check_title_image(str(chosen), what)
    show = episode.show
    folder = safe_join(base, show.client.slug, show.slug, *TITLES_FOLDER.split("/"), what=what)
    name = f"{safe_component(episode.slug, 'episode slug')}{chosen.suffix.lower()}"
    target = safe_join(folder, name, what=what)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = new_temp(target)
        try:
            partial.write_bytes(chosen.read_bytes())
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{what}: cannot copy it to {target} ({exc.strerror})") from None
    return to_stored(target, base)


def title_template(
    episode: Episode, own: str | None = None, root: str = "", *, chosen_here: bool = False
) -> Path:
    """The talk's own title image/SVG if it has one, else the client's, else the default.

    `own` overrides the stored `episode.title_image`; with `chosen_here` it is the editor's
    own unsaved pick on this machine, taken as it is (the preview). A stored image must be
    in the shared files folder. `root` is this machine's `Settings.files_root`.
    """
    stored = own is None
    own = episode.title_image if own is None else own
    what = f"episode {episode.id} ({episode.slug}) title image"
    if own and chosen_here and not stored:
        return check_title_image(own, what, root)
    if own:
        return _stored_title_image(episode, own, root)
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
