"""encode.titles: templates filled, escaped and wrapped; hostile titles render."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from veyedesk.encode.run import render_image
from veyedesk.encode.titles import (
    CREDITS_TEMPLATE,
    SVG_NS,
    TITLE_TEMPLATE,
    SlideText,
    TemplateError,
    clean_text,
    drawable,
    fill_template,
    fit,
    text_width,
    wrap,
)

HOSTILE = SlideText(
    title="Quotes \"double\" & 'single': C:\\temp\\%d <b>not bold</b>\nsecond line 🎉\x07",
    authors="Zoë O'Brien, Ann & Bob",
    show="Show: 100%",
    room="Room {A}",
    date="1 February 2026",
    license="CC BY-SA 4.0",
)


def lines_of(svg: str, field: str) -> list[str]:
    root = ET.fromstring(svg.split("?>", 1)[1])
    elem = root.find(f".//{{{SVG_NS}}}text[@id='{field}']")
    assert elem is not None
    return [span.text or "" for span in elem]


def test_text_is_measured_with_the_real_font() -> None:
    assert text_width("iiii", 100) < text_width("WWWW", 100)
    assert text_width("Title", 100, bold=True) > text_width("Title", 100)


def test_wrap_respects_the_box_and_breaks_overlong_words() -> None:
    lines = wrap("a fairly long title that needs wrapping", 400, 40)
    assert len(lines) > 1
    assert all(text_width(line, 40) <= 400 for line in lines)
    assert " ".join(lines) == "a fairly long title that needs wrapping"
    long_word = wrap("x" * 80, 300, 40)
    assert all(text_width(line, 40) <= 300 for line in long_word) and len(long_word) > 1


def test_fit_shrinks_then_ellipsises() -> None:
    lines, size = fit("word " * 12, 600, 80, 60, 3, bold=True)
    assert size < 80 and len(lines) <= 3
    lines, size = fit("word " * 200, 600, 80, 60, 3, bold=True)
    assert size == 60 and len(lines) == 3 and lines[-1].endswith("…")
    assert text_width(lines[-1], size, bold=True) <= 600


def test_hostile_text_is_escaped_and_newlines_break_lines() -> None:
    svg = fill_template(TITLE_TEMPLATE, HOSTILE, 1280, 720)
    ET.fromstring(svg.split("?>", 1)[1])  # well-formed XML
    title = lines_of(svg, "title")
    assert " ".join(title[:-1]) == "Quotes \"double\" & 'single': C:\\temp\\%d <b>not bold</b>"
    assert title[-1] == "second line"  # 🎉 is not in DejaVu Bold: dropped from the slide
    assert "\x07" not in svg
    assert lines_of(svg, "authors") == ["Zoë O'Brien, Ann & Bob"]
    assert lines_of(svg, "place") == ["Room {A} · 1 February 2026"]
    assert 'width="1280"' in svg and 'height="720"' in svg


def test_clean_text_and_drawable() -> None:
    assert clean_text(" a\t b \r\n\n c\x00 ") == "a b\nc"
    assert drawable("ok 😀 🎉 done") == "ok 😀 done"  # DejaVu Sans has 😀, not 🎉


def test_long_title_and_author_list_stay_inside_their_boxes() -> None:
    text = SlideText(
        title="Very long title " * 20, authors=", ".join(f"Speaker {i}" for i in range(40))
    )
    svg = fill_template(TITLE_TEMPLATE, text, 1920, 1080)
    root = ET.fromstring(svg.split("?>", 1)[1])
    for field, box in (("title", 1536), ("authors", 1536)):
        elem = root.find(f".//{{{SVG_NS}}}text[@id='{field}']")
        assert elem is not None
        size = float(elem.get("font-size", "0"))
        bold = elem.get("font-weight") == "bold"
        spans = [s.text or "" for s in elem]
        assert all(text_width(s, size, bold) <= box for s in spans)
        assert spans[-1].endswith("…")


def test_bad_templates_are_named(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"missing\.svg: template not found"):
        fill_template(tmp_path / "missing.svg", HOSTILE, 640, 360)
    broken = tmp_path / "broken.svg"
    broken.write_text("<svg><text>")
    with pytest.raises(TemplateError, match=r"broken\.svg: not a readable SVG template"):
        fill_template(broken, HOSTILE, 640, 360)
    html = tmp_path / "page.svg"
    html.write_text("<html/>")
    with pytest.raises(TemplateError, match="root element is not <svg>"):
        fill_template(html, HOSTILE, 640, 360)


@pytest.mark.media
@pytest.mark.parametrize("template", [TITLE_TEMPLATE, CREDITS_TEMPLATE])
def test_hostile_slides_render_at_the_profile_size(template: Path, tmp_path: Path) -> None:
    svg = tmp_path / "slide.svg"
    svg.write_text(fill_template(template, HOSTILE, 854, 480), encoding="utf-8")
    png = render_image(svg, tmp_path / "slide.png", 854, 480)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 854
    assert int.from_bytes(data[20:24], "big") == 480
