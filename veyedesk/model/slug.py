"""File-safe slugs: every output file of a talk is named after its slug."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

MAX_SLUG = 60
_NOT_SAFE = re.compile(r"[^A-Za-z0-9]+")


def slugify(name: str, fallback: str = "episode") -> str:
    """A file-safe slug: ASCII letters, digits and `_`, case kept as Veyepar did."""
    # NFKD splits accents off letters so "Café" becomes "Cafe" instead of "Caf".
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SAFE.sub("_", ascii_text).strip("_")
    slug = slug[:MAX_SLUG].rstrip("_")
    return slug or fallback


def unique_slug(name: str, taken: Callable[[str], bool], fallback: str = "episode") -> str:
    """`slugify(name)`, with `_2`, `_3`… appended until `taken(slug)` is false."""
    base = slugify(name, fallback)
    if not taken(base):
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[: MAX_SLUG - len(suffix)] + suffix
        if not taken(candidate):
            return candidate
        n += 1
