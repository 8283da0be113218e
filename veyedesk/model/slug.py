"""File-safe slugs: every output file of a talk is named after its slug.

Slugs keep their case (as Veyepar's did), but two talks of a show may not have slugs that
differ only in case: on exFAT, SMB shares and APFS (case-insensitive file systems) their
output files would be one file, each encode overwriting the other's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_SLUG = 60
_NOT_SAFE = re.compile(r"[^A-Za-z0-9]+")


def slugify(name: str, fallback: str = "episode") -> str:
    """A file-safe slug: ASCII letters, digits and `_`, case kept as Veyepar did."""
    # NFKD splits accents off letters so "Café" becomes "Cafe" instead of "Caf".
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SAFE.sub("_", ascii_text).strip("_")
    slug = slug[:MAX_SLUG].rstrip("_")
    return slug or fallback


def slug_key(slug: str) -> str:
    """What two slugs must not share within a show: the slug with case folded."""
    return slug.casefold()


class TakenSlugs:
    """The slugs already used in a show, compared as case-insensitive file systems do."""

    def __init__(self, slugs: Iterable[str] = ()) -> None:
        self._keys = {slug_key(s) for s in slugs}

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and slug_key(slug) in self._keys

    def add(self, slug: str) -> None:
        self._keys.add(slug_key(slug))


def unique_slug(name: str, taken: TakenSlugs | Iterable[str], fallback: str = "episode") -> str:
    """`slugify(name)`, with `_2`, `_3`… appended until no taken slug equals it in any case.

    `taken` holds the show's slugs; pass a TakenSlugs when making many slugs in a row.
    """
    used = taken if isinstance(taken, TakenSlugs) else TakenSlugs(taken)
    base = slugify(name, fallback)
    if base not in used:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[: MAX_SLUG - len(suffix)] + suffix
        if candidate not in used:
            return candidate
        n += 1
