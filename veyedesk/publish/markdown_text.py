"""An abstract's Markdown as plain text for descriptions: paragraphs, lists and quotes kept
as text, links as "text (url)", code and emphasis unmarked, HTML tags dropped.

Schedules carry Markdown (pretalx, frab) and the platforms want plain text; this reads a
bounded amount of it (`MAX_MARKDOWN`) with bounded patterns, as schedule text is hostile.
A part of `metadata.py`, kept apart so each module reads on its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from veyedesk.model.text import plain_text
from veyedesk.publish.plain import BIDI_CONTROLS

if TYPE_CHECKING:
    pass

# Veyepar's title for uploads.

MAX_MARKDOWN = 30_000  # characters of an abstract read (see markdown_text)


# ---------------------------------------------------------------- Markdown -> text

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HR = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_ATX = re.compile(r"^\s{0,3}#{1,6}(?:\s+(.*?))?\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_REFDEF = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+[\"'(].*[\"')])?\s*$")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|<])")
# Every span is bounded ({0,N}): unbounded lazy spans made a hostile abstract ("[a](" or
# "*a " repeated 20000 times) take minutes; a span longer than its bound stays as text.
_CODE = re.compile(r"(`{1,8})([^`]{1,1000}?)\1")
_IMAGE = re.compile(r"!\[[^\]]{0,500}\]\([^)]{0,2000}\)|!\[[^\]]{0,500}\]\[[^\]]{0,100}\]")
_LINK = re.compile(
    r"\[([^\]]{0,500})\]\([ ]{0,3}<?([^)\s>]{0,2000})>?"
    r"(?:[ ]{1,3}[\"'(][^)]{0,300}[\"')])?[ ]{0,3}\)"
)
_REFLINK = re.compile(r"\[([^\]]{1,500})\]\[([^\]]{0,100})\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]{1,2000}|mailto:[^>\s]{1,300})>", re.IGNORECASE)
_TAG = re.compile(
    r"</?[A-Za-z][A-Za-z0-9-]{0,30}(?:\s[^<>]{0,1000})?/?>|<!--.{0,5000}?-->", re.DOTALL
)
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.{1,500}?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.{1,500}?)(?<=\S)\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=\S)(.{1,500}?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"~~(?=\S)(.{1,500}?)(?<=\S)~~")
_BARE_URL = re.compile("https?://[^\\s<>()\ue000\ue001]*[^\\s<>()\ue000\ue001.,;:!?'\"]")
_STASH = re.compile("\ue000(\\d+)\ue001")


def _inline(text: str, refs: Mapping[str, str]) -> str:
    stash: list[str] = []

    def keep(value: str) -> str:
        stash.append(value)
        return f"\ue000{len(stash) - 1}\ue001"

    text = text.replace("\ue000", "").replace("\ue001", "")
    text = _ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = _CODE.sub(lambda m: keep(m.group(2).strip()), text)
    text = _AUTOLINK.sub(lambda m: keep(m.group(1).removeprefix("mailto:")), text)
    text = _IMAGE.sub("", text)

    def link(label: str, url: str) -> str:
        label = label.strip()
        if not url:
            return label
        if not label:
            return ""  # a badge or an image that only linked somewhere
        same = label.rstrip("/") == url.rstrip("/") or label == url.removeprefix("mailto:")
        return keep(url) if same else f"{label} ({keep(url.removeprefix('mailto:'))})"

    text = _LINK.sub(lambda m: link(m.group(1), m.group(2)), text)
    text = _REFLINK.sub(
        lambda m: link(m.group(1), refs.get((m.group(2) or m.group(1)).lower(), "")), text
    )
    text = _TAG.sub("", text)
    # A bare address keeps its underscores and stars: https://x.org/_a_/ is no emphasis.
    text = _BARE_URL.sub(lambda m: keep(m.group(0)), text)
    for pattern in (_STRONG, _STRONG, _EM_STAR, _EM_UNDER, _STRIKE):
        text = pattern.sub(lambda m: m.group(m.lastindex or 0), text)
    for _ in range(3):  # stashed values may hold stash marks (code inside a link label)
        text = _STASH.sub(lambda m: stash[int(m.group(1))], text)
    return html.unescape(text)


def markdown_text(markdown: str | None) -> str:
    """A Markdown abstract as plain text.

    Paragraphs and list items stay (one line each, blank lines between paragraphs),
    headings become lines, links become "text (url)", images and HTML tags are dropped,
    emphasis and code marks are removed, entities decoded.
    """
    # No platform shows more than 10000 characters: a longer abstract is cut before it is
    # read, which also bounds the work a hostile one can cause.
    source = BIDI_CONTROLS.sub("", plain_text((markdown or "")[:MAX_MARKDOWN], multiline=True))
    lines = source.replace("\t", "    ").split("\n")
    refs: dict[str, str] = {}
    kept: list[str] = []
    for line in lines:
        if match := _REFDEF.match(line):
            refs[match.group(1).lower()] = match.group(2)
        else:
            kept.append(line)

    # ("para", lines joined by spaces) | ("list", one line per item) | ("code", verbatim)
    blocks: list[tuple[str, list[str]]] = []
    para: list[str] = []
    in_item = False
    after_blank = False
    fence = ""

    def flush() -> None:
        nonlocal in_item
        if para:
            text = " ".join(para)
            if in_item and blocks and blocks[-1][0] == "list":
                blocks[-1][1].append(text)  # a loose list's items stay one list
            else:
                blocks.append(("list" if in_item else "para", [text]))
            para.clear()
        in_item = False

    for raw in kept:
        if match := _FENCE.match(raw):
            if not fence:
                flush()
                fence = match.group(1)[0]
                blocks.append(("code", []))
            elif match.group(1)[0] == fence:
                fence = ""
            continue
        if fence:
            blocks[-1][1].append(raw.rstrip())
            continue
        line = raw
        while _QUOTE.match(line):
            line = _QUOTE.sub("", line, count=1)
        if not line.strip():
            after_blank = True
            if not in_item:
                flush()
            continue
        gap, after_blank = after_blank, False
        if para and not in_item and _SETEXT.match(line):
            flush()  # the paragraph above was a heading
            continue
        if _HR.match(line):
            flush()
            continue
        if match := _ATX.match(line):
            flush()
            if match.group(1):
                blocks.append(("para", [match.group(1)]))
            continue
        if match := _ITEM.match(line):
            indent, mark, body = match.groups()
            flush()
            in_item = True
            bullet = mark if mark[0].isdigit() else "-"
            para.append("  " * (len(indent) // 2) + f"{bullet} {body.strip()}")
            continue
        if in_item and gap and not raw.startswith(" "):
            flush()  # an unindented paragraph after a blank line ends the list
        para.append(line.strip())
    flush()

    out: list[tuple[str, str]] = []
    for kind, texts in blocks:
        if kind == "code":
            text = "\n".join(texts).strip("\n")
        elif kind == "list":
            text = "\n".join(_inline(t, refs).rstrip() for t in texts)
        else:
            text = " ".join(_inline(" ".join(texts), refs).split())
        if text.strip():
            if out and kind == "list" and out[-1][0] == "list":
                out[-1] = ("list", out[-1][1] + "\n" + text)
            else:
                out.append((kind, text))
    return "\n\n".join(text for _kind, text in out)
