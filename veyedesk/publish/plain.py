"""Plain values from schedule text, safe to put in any platform's field: one clean line,
right-to-left names isolated, speakers split, licence deeds, and cutting to a length
without breaking a letter or an emoji.

Schedule text is hostile: control and bidi-override characters are removed ("Trojan
source"), and only balanced isolates of our own are added back around right-to-left values.
"""

from __future__ import annotations

import re
import unicodedata

from veyedesk.model.text import plain_text

ELLIPSIS = "…"

# Short licence names crews type (see also services.publishing.release_form) -> deed URL.
LICENCE_URLS = {
    "cc by": "https://creativecommons.org/licenses/by/4.0/",
    "cc by-sa": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc by-nc": "https://creativecommons.org/licenses/by-nc/4.0/",
    "cc by-nc-sa": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    "cc by-nd": "https://creativecommons.org/licenses/by-nd/4.0/",
    "cc by-nc-nd": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    "cc0": "https://creativecommons.org/publicdomain/zero/1.0/",
}

_SPEAKER_SPLIT = re.compile(r"\s*(?:,|;|\n|\s&\s|\sand\s)\s*")
# Embeddings, overrides and isolates from the input: they could reorder what a viewer sees
# ("Trojan source"); ours are added back balanced around right-to-left values only.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
FSI, PDI = "\u2068", "\u2069"


def clean_line(value: str | None) -> str:
    """One line of text: no control or bidi-override characters, spaces collapsed."""
    text = BIDI_CONTROLS.sub("", plain_text(value or ""))
    return " ".join(text.split())


def isolate(value: str) -> str:
    """`value` in a first-strong isolate when it holds right-to-left letters."""
    return f"{FSI}{value}{PDI}" if _RTL.search(value) else value


def speakers_of(authors: str | None) -> list[str]:
    """The speakers in an authors field ("A, B and C"), in order, blanks dropped."""
    return [s for s in (clean_line(p) for p in _SPEAKER_SPLIT.split(authors or "")) if s]


def licence_url(short: str) -> str:
    """The deed URL of a Creative Commons licence named by its short name, else ""."""
    key = " ".join(short.lower().replace("cc-", "cc ").split())
    key = re.sub(r"\s*\d\.\d$", "", key)  # "CC BY-SA 4.0" names the same licence
    return LICENCE_URLS.get(key, "")


def _is_joiner(ch: str) -> bool:
    """A character that binds to the one before it (accents, ZWJ, variation selectors)."""
    code = ord(ch)
    return (
        bool(unicodedata.combining(ch))
        or ch == "\u200d"
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters (flag sequences)
    )


def fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters on a word boundary, ending with an ellipsis.

    Never splits an accented letter or an emoji sequence; an isolate opened before the cut
    is closed after it.
    """
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    room = limit - 1
    opened = text[:room].count(FSI) > text[:room].count(PDI)
    if opened:
        room -= 1
    end = room
    while end > 0 and (_is_joiner(text[end]) or text[end - 1] == "\u200d"):
        end -= 1
    space = text.rfind(" ", 0, end + 1)
    if space > room // 3:  # a word boundary, unless it would leave almost nothing
        end = space
    cut = text[:end].rstrip(" ,;:-–—/\\(\"'" + FSI)
    if cut.count(FSI) > cut.count(PDI):
        return cut + ELLIPSIS + PDI  # inside the isolate: it ends the right-to-left text
    return cut + ELLIPSIS
