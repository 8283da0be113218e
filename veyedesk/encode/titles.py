"""Fill the title / credits SVG templates with an episode's text, wrapped to fit each box.

A template is plain SVG (designed on a 1920x1080 canvas, `resources/title.svg` by default;
a client may name its own). Each `<text>` whose `id` is a field name (title, subtitle,
authors, show, client, room, date, place, license, url) receives that field. Attributes
on the element say how it may flow, since SVG renderers (librsvg here) do not wrap text:

- `data-box-width`: wrap lines to this width (user units); without it, one line
- `data-box-height` + `data-valign="middle"`: centre the block vertically in the box
  whose top is the element's `y` (otherwise `y` is the first baseline)
- `data-max-lines` (default 3) and `data-min-size`: shrink the font size step by step
  until the text fits in that many lines; past the minimum, end the last line with "…"

`fill_slide` also says what did not fit as designed (`FitNote`: a field shrunk below its
designed size, cut short with "…", or characters the font lacks left out), so the editor's
title preview and the proof sheet can flag a slide before it is encoded.

Widths are measured from the DejaVu font's advance widths (fontTools reads them; the
fonts-dejavu-core package provides the fonts librsvg draws with), so the wrapping matches
what is drawn. Text goes in through ElementTree, which escapes it: quotes, `&`, `<`,
`%`, backslashes, emoji and newlines (kept as line breaks) cannot break the SVG.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from veyedesk.errors import UserError
from veyedesk.resource_files import resources_dir

RESOURCES = resources_dir()  # the checkout's, or the copy packaged in the wheel
TITLE_TEMPLATE = RESOURCES / "title.svg"
CREDITS_TEMPLATE = RESOURCES / "credits.svg"

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
FIELDS = (
    "title",
    "subtitle",
    "authors",
    "show",
    "client",
    "room",
    "date",
    "place",
    "license",
    "url",
)
LINE_HEIGHT = 1.2
ELLIPSIS = "…"

# XML 1.0 forbids most control characters; a title pasted from a PDF can carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class TemplateError(UserError, ValueError):
    """A title or credits template cannot be used; the message names the file."""


@dataclass(frozen=True)
class SlideText:
    """The text a title or credits slide shows."""

    title: str = ""
    subtitle: str = ""
    authors: str = ""
    show: str = ""
    client: str = ""
    room: str = ""
    date: str = ""
    license: str = ""
    url: str = ""

    def fields(self) -> dict[str, str]:
        values = {name: getattr(self, name, "") for name in FIELDS if name != "place"}
        values["place"] = " · ".join(p for p in (self.room, self.date) if p)
        return values


@dataclass(frozen=True)
class FitNote:
    """One field of a slide that was not drawn as designed."""

    field: str
    shrunk: bool = False  # drawn smaller than the template's font size
    cut: bool = False  # lines past the box's last one were dropped, ending in "…"
    dropped: str = ""  # characters the font lacks, left out
    size: float = 0.0  # the font size it was drawn at
    design_size: float = 0.0  # the template's font size
    missing: int = 0  # characters of the text not on the slide (cut off after "…")
    length: int = 0  # characters of the whole text

    def describe(self) -> str:
        """One line, e.g. `title: shrunk to 62% and 32 of 92 characters do not fit: shorten it`.

        The size as a share of the design (points mean nothing to an editor) and how much
        of the text is lost, so nobody reads "shrunk" as "it fits".
        """
        parts = []
        if self.shrunk:
            percent = round(100 * self.size / self.design_size) if self.design_size else 0
            parts.append(f"shrunk to {percent}%")
        if self.cut:
            parts.append(f"{self.missing} of {self.length} characters do not fit")
        if self.dropped:
            codes = " ".join(f"U+{ord(c):04X}" for c in self.dropped)
            parts.append(f"left out {codes} (not in the font)")
        advice = ": shorten it" if self.cut else ""
        return f"{self.field}: {' and '.join(parts)}{advice}"


@dataclass(frozen=True)
class FilledSlide:
    """A filled template and what had to give to make its text fit."""

    svg: str
    notes: tuple[FitNote, ...] = ()

    @property
    def shrunk(self) -> bool:
        return any(n.shrunk for n in self.notes)

    @property
    def cut(self) -> bool:
        return any(n.cut for n in self.notes)

    def warning(self) -> str:
        """All notes on one line ("" when the slide came out as designed)."""
        return "; ".join(n.describe() for n in self.notes)


def clean_text(text: str) -> str:
    """Text safe for XML: illegal characters dropped, tabs and runs of spaces collapsed."""
    text = _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


@lru_cache(maxsize=4)
def _advances(bold: bool) -> tuple[dict[int, float], float] | None:
    """Advance width per code point in em, and the em fallback, or None without the font."""
    for folder in FONT_DIRS:
        path = folder / FONT_FILES[bold]
        if path.is_file():
            break
    else:
        return None
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    units = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    cmap = font.getBestCmap() or {}
    widths = {code: metrics[name][0] / units for code, name in cmap.items() if name in metrics}
    return widths, 0.6


def drawable(text: str, bold: bool = False) -> str:
    """`text` without characters the DejaVu font lacks.

    librsvg draws such a character as a hex box from no font at all and then raises the
    whole line's baseline, so a title with 🎉 would come out crooked; dropping the few
    such characters keeps the slide clean (the file's metadata keeps the full title).
    """
    table = _advances(bold)
    if table is None:
        return text
    widths = table[0]
    kept = "".join(c for c in text if c in " \n" or ord(c) in widths)
    return "\n".join(re.sub(r" {2,}", " ", line).strip() for line in kept.split("\n"))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of `text` drawn in DejaVu Sans at `size` (user units)."""
    table = _advances(bold)
    if table is None:  # no font to measure: a generous average keeps text inside boxes
        return sum(0.62 if ord(c) < 0x2E80 else 1.0 for c in text) * size
    widths, fallback = table
    # Characters DejaVu lacks (most emoji, CJK) are drawn by a fallback font: about 1 em.
    return sum(widths.get(ord(c), 1.0 if ord(c) > 0x2E80 else fallback) for c in text) * size


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to `width`; a word wider than the box is broken between letters."""
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, size, bold) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for char in word:
                if current and text_width(current + char, size, bold) > width:
                    lines.append(current)
                    current = ""
                current += char
        if current:
            lines.append(current)
    return lines


def fit(
    text: str, width: float, size: float, min_size: float, max_lines: int, bold: bool
) -> tuple[list[str], float]:
    """Lines and font size for `text` in a box: shrink to `min_size`, then ellipsise."""
    lines, size, _cut = fit_report(text, width, size, min_size, max_lines, bold)
    return lines, size


def fit_report(
    text: str, width: float, size: float, min_size: float, max_lines: int, bold: bool
) -> tuple[list[str], float, bool]:
    """`fit`, and whether text had to be cut (lines dropped, the last one ellipsised)."""
    while True:
        lines = wrap(text, width, size, bold)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(min_size, round(size * 0.9, 1))
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + ELLIPSIS, size, bold) > width:
            last = last[:-1].rstrip()
        lines[-1] = last + ELLIPSIS
        return lines, size, True
    return lines, size, False


def _missing_characters(text: str, lines: list[str]) -> int:
    """How many characters of `text` the cut `lines` (the last ending in "…") leave out."""
    shown = "".join(lines)
    if shown.endswith(ELLIPSIS):
        shown = shown[: -len(ELLIPSIS)]
    wanted = [c for c in shown if not c.isspace()]
    # Walk the text past the shown characters (wrapping changed only the spaces).
    at = 0
    for index, char in enumerate(text):
        if at == len(wanted):
            return len(text[index:].rstrip())
        if char == wanted[at]:
            at += 1
    return 0


def _float(elem: ET.Element, name: str, default: float | None = None) -> float | None:
    value = elem.get(name)
    if value is None:
        return default
    try:
        return float(re.sub(r"px$", "", value.strip()))
    except ValueError:
        return default


def _bold(elem: ET.Element) -> bool:
    weight = elem.get("font-weight", "")
    style = elem.get("style", "")
    return weight in ("bold", "bolder", "600", "700", "800", "900") or "bold" in style


def _fill_text(elem: ET.Element, field: str, value: str) -> FitNote | None:
    size = design = _float(elem, "font-size", 48.0) or 48.0
    box = _float(elem, "data-box-width")
    max_lines = int(_float(elem, "data-max-lines", 3.0) or 3)
    min_size = _float(elem, "data-min-size", size) or size
    bold = _bold(elem)
    wanted = clean_text(value)
    value = drawable(wanted, bold)
    dropped = "".join(dict.fromkeys(c for c in wanted if c not in value and c not in " \n"))
    cut = False
    if box is None:
        lines, size = [clean_text(value).replace("\n", " ")], size
    else:
        lines, size, cut = fit_report(value, box, size, min_size, max_lines, bold)
    for child in list(elem):
        elem.remove(child)
    elem.text = None
    elem.set("font-size", f"{size:g}")
    x = elem.get("x", "0")
    y = _float(elem, "y", 0.0) or 0.0
    step = size * LINE_HEIGHT
    box_height = _float(elem, "data-box-height")
    if box_height is not None and elem.get("data-valign") == "middle":
        block = step * (len(lines) - 1) + size * 0.73  # cap height of DejaVu ~0.73 em
        y = y + (box_height - block) / 2 + size * 0.73
    elem.set("y", f"{y:g}")
    for name in ("data-box-width", "data-box-height", "data-max-lines", "data-min-size"):
        elem.attrib.pop(name, None)
    elem.attrib.pop("data-valign", None)
    for i, line in enumerate(lines):
        span = ET.SubElement(elem, f"{{{SVG_NS}}}tspan", {"x": x})
        span.set("y", f"{y + i * step:g}")
        span.text = line
    if cut or dropped or size < design:
        missing = _missing_characters(value, lines) if cut else 0
        return FitNote(
            field, size < design, cut, dropped, size, design, missing, len(value.strip())
        )
    return None


def fill_template(
    template: Path, text: SlideText | Mapping[str, str], width: int, height: int
) -> str:
    """The template's SVG with every field filled and wrapped, sized width x height."""
    return fill_slide(template, text, width, height).svg


def fill_slide(
    template: Path, text: SlideText | Mapping[str, str], width: int, height: int
) -> FilledSlide:
    """The filled SVG (as `fill_template`) and a note for each field that did not fit."""
    try:
        tree = ET.parse(template)
    except FileNotFoundError:
        raise TemplateError(
            f"{template}: template not found; fix the client's title template"
        ) from None
    except (ET.ParseError, OSError) as exc:
        raise TemplateError(f"{template}: not a readable SVG template ({exc})") from None
    root = tree.getroot()
    if root.tag != f"{{{SVG_NS}}}svg":
        raise TemplateError(f"{template}: the root element is not <svg>")
    values: dict[str, Any] = text.fields() if isinstance(text, SlideText) else dict(text)
    if root.get("viewBox") is None:
        w = _float(root, "width", 1920.0)
        h = _float(root, "height", 1080.0)
        root.set("viewBox", f"0 0 {w:g} {h:g}")
    root.set("width", str(width))
    root.set("height", str(height))
    notes = []
    for elem in root.iter(f"{{{SVG_NS}}}text"):
        field = elem.get("id")
        if field in values:
            note = _fill_text(elem, field, str(values[field] or ""))
            if note is not None:
                notes.append(note)
    svg = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return FilledSlide(svg, tuple(notes))


def write_slide(
    template: Path, text: SlideText | Mapping[str, str], width: int, height: int, out: Path
) -> Path:
    """Write the filled SVG to `out` (the caller rasterises it with encode.run)."""
    out.write_text(fill_template(template, text, width, height), encoding="utf-8")
    return out
