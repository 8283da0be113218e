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
# The slug columns' width: a slug typed by hand may be longer than a made one.
MAX_TYPED_SLUG = 100
# What a slug typed by a person may be: Django's slug alphabet, which Veyepar used (so
# `pretalx-democon` is a slug). slugify() itself still makes `_`-separated slugs.
SLUG_CHARS = "letters, digits, _ and -"
_SLUG = re.compile(r"[A-Za-z0-9_-]+")
_NOT_SAFE = re.compile(r"[^A-Za-z0-9]+")


def slugify(name: str, fallback: str = "episode") -> str:
    """A file-safe slug: ASCII letters, digits and `_`, case kept as Veyepar did."""
    # NFKD splits accents off letters so "Café" becomes "Cafe" instead of "Caf".
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SAFE.sub("_", ascii_text).strip("_")
    slug = slug[:MAX_SLUG].rstrip("_")
    return slug or fallback


def is_slug(text: str) -> bool:
    """Whether `text` may be used as a slug as typed: letters, digits, `_` and `-`."""
    return bool(_SLUG.fullmatch(text)) and len(text) <= MAX_TYPED_SLUG


def suggest_slug(text: str, fallback: str = "") -> str:
    """A slug close to what was typed: unsafe runs become `_`, hyphens are kept."""
    return "-".join(p for p in (slugify(part, "") for part in text.split("-")) if p) or fallback


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
