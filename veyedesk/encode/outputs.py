"""Where a talk's encode lives: one rule for the encoder and the commands that hand it on.

The path is always computed from the talk (client, show, slug) and the machine's own
settings (output root, profile), never read from the database: a job row's `output_path`
is whatever whoever wrote the row put there, so a command trusting it could be handed any
file on the worker (issue 20, item 4).
"""

from __future__ import annotations

import os
from pathlib import Path

from veyedesk.config import EncodeProfile, Settings
from veyedesk.model.paths import safe_component, safe_join
from veyedesk.model.slug import is_slug


def output_path(
    settings: Settings, client: str, show: str, profile: EncodeProfile, slug: str
) -> Path:
    """`<output root>/<client>/<show>/<profile>/<slug>.<ext>`.

    Raises UnsafePath when a slug (or the profile's name) would lead outside the output
    root: slugs arrive from schedules, change files and venue copies.
    """
    root = Path(settings.output_root).expanduser()
    folder = safe_join(root, client, show, what="client or show slug")
    folder = safe_join(folder, profile.name, what="encode profile name")
    name = f"{safe_component(slug, 'episode slug')}.{safe_component(profile.ext, 'profile ext')}"
    return safe_join(folder, name, what="episode slug")


def published_encode(
    settings: Settings, client: str, show: str, profile_name: str, slug: str
) -> Path | None:
    """The talk's published encode with `profile_name` on this machine, or None.

    None unless the profile is one of this machine's, every name is a slug (no `..` or
    `/` can steer the path), and the file is a regular file (not a link) inside the
    output root.
    """
    profile = settings.profiles.get(profile_name)
    if profile is None or not all(is_slug(s) for s in (client, show, slug)):
        return None
    path = output_path(settings, client, show, profile, slug)
    if path.is_symlink() or not path.is_file():
        return None
    root = os.path.realpath(Path(settings.output_root).expanduser())
    if not os.path.realpath(path).startswith(root + os.sep):
        return None
    return path
