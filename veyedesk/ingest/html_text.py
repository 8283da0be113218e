"""HTML fragments in schedules (frab escapes abstracts into the XML) as plain text, in linear time.

Schedules come from the internet, so the converter must stay linear in the size of its
input whatever the input is. The stdlib's `html.parser` is not: on Python 3.11 a run of
`<a` is quadratic and `<![ ` raises AssertionError; and the regular expressions this
replaced backtracked quadratically over long runs of spaces (a 1 MB abstract took
minutes). Here the text is walked once with `str.find`, every regular expression is
anchored at a `<` and possessive, so no position is scanned more than a bounded number
of times.
"""

from __future__ import annotations

import html
import re

# Tags that start a new paragraph (descriptions are markdown here).
BLOCK = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "blockquote", "pre"})

# A start or end tag at a `<`: name, then attributes up to the next `>` (never past a `<`).
# `*+` is possessive: a tag without its `>` fails at once instead of backtracking.
_TAG_AT = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*+)(?:[\s/][^<>]*+)?>")
_BLANK_LINES = re.compile(r"\n{3,}")


def looks_like_html(text: str) -> bool:
    """True when `text` holds a tag or a comment (else it is taken as plain text)."""
    at = text.find("<")
    while at >= 0:
        if _TAG_AT.match(text, at) or text.startswith("<!--", at):
            return True
        at = text.find("<", at + 1)
    return False


def html_to_text(text: str) -> str:
    """Plain text from a description that may be HTML: paragraphs kept, entities decoded."""
    if not looks_like_html(text):
        return html.unescape(text).strip() if "&" in text else text.strip()
    parts: list[str] = []
    pos, size = 0, len(text)
    # Once a `<!--` has no `-->` after it, no later one has either: remember, so a run of
    # unclosed comments does not search to the end of the text each time.
    comments_close = True
    while pos < size:
        at = text.find("<", pos)
        if at < 0:
            parts.append(html.unescape(text[pos:]))
            break
        parts.append(html.unescape(text[pos:at]))
        tag = _TAG_AT.match(text, at)
        if tag is not None:
            closing, name = tag[1], tag[2].lower()
            if name in BLOCK and not (closing and name == "br"):
                parts.append("\n" if name == "br" else "\n\n")
            if name == "li" and not closing:
                parts.append("- ")
            pos = tag.end()
            continue
        if comments_close and text.startswith("<!--", at):
            end = text.find("-->", at + 4)
            if end >= 0:
                pos = end + 3
                continue
            comments_close = False
        parts.append("<")  # not markup: a literal `<` in the text ("a < b")
        pos = at + 1
    joined = "\n".join(line.rstrip(" \t") for line in "".join(parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", joined).strip()
