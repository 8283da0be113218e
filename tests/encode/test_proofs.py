"""encode.titles fit notes and encode.proofs: slides rendered in parallel onto a contact sheet."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from pypdf import PdfReader

from veyedesk.encode import titles
from veyedesk.encode.proofs import (
    PROOF_HEIGHT,
    PROOF_WIDTH,
    RED,
    ProofError,
    SlideJob,
    contact_sheet,
    render_slides,
)
from veyedesk.encode.titles import TITLE_TEMPLATE, SlideText, fill_slide

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LONG_TITLE = ("A very long title about distributed consensus in practice " * 4)[:200]
SHORT = SlideText(title="Short talk", authors="Ann Example", show="Conf", license="CC BY")


def test_a_title_that_fits_has_no_notes() -> None:
    filled = fill_slide(TITLE_TEMPLATE, SHORT, 1920, 1080)
    assert filled.notes == ()
    assert filled.warning() == ""


def test_a_200_character_title_is_reported_shrunk_and_cut() -> None:
    filled = fill_slide(TITLE_TEMPLATE, SlideText(title=LONG_TITLE), 1920, 1080)
    (note,) = [n for n in filled.notes if n.field == "title"]
    assert note.cut and note.shrunk
    assert note.size == 60 and note.design_size == 92  # the template's data-min-size
    assert filled.cut and filled.shrunk
    # A share of the design size, and how much of the title is lost (not "60 of 92").
    assert filled.warning() == (
        "title: shrunk to 65% and 75 of 200 characters do not fit: shorten it"
    )
    assert (note.missing, note.length) == (75, 200)
    shown = LONG_TITLE[: note.length - note.missing]
    assert shown.endswith("A very lo")  # the slide's last line is "… A very lo…"


def test_a_title_that_only_needed_a_smaller_font_is_shrunk_not_cut() -> None:
    text = SlideText(
        title="Distributed consensus in practice: "
        "what the Raft papers do not tell you about running it"
    )
    filled = fill_slide(TITLE_TEMPLATE, text, 1920, 1080)
    (note,) = filled.notes
    assert note.shrunk and not note.cut


def test_characters_the_font_lacks_are_reported() -> None:
    filled = fill_slide(TITLE_TEMPLATE, SlideText(title="Party 🎉 time"), 1920, 1080)
    (note,) = filled.notes
    assert note.dropped == "🎉" and not note.cut and not note.shrunk
    assert filled.warning() == "title: left out U+1F389 (not in the font)"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(max_size=400), authors=st.text(max_size=200))
def test_notes_say_cut_exactly_when_lines_were_dropped(title: str, authors: str) -> None:
    filled = fill_slide(TITLE_TEMPLATE, SlideText(title=title, authors=authors), 1920, 1080)
    fields = {n.field: n for n in filled.notes}
    wanted = titles.drawable(titles.clean_text(title), True)
    lines, _size, cut = titles.fit_report(wanted, 1536, 92, 60, 3, True)
    assert ("title" in fields and fields["title"].cut) == cut
    if not cut:
        assert "".join(lines).replace(" ", "") == wanted.replace(" ", "").replace("\n", "")


@pytest.mark.media
def test_a_contact_sheet_flags_misfits_in_png_and_pdf(tmp_path: Path) -> None:
    bad = tmp_path / "broken.svg"
    bad.write_text("<svg", encoding="utf-8")
    jobs = [
        SlideJob("#1 short-talk", TITLE_TEMPLATE, SHORT),
        SlideJob("#2 long-talk", TITLE_TEMPLATE, SlideText(title=LONG_TITLE)),
        SlideJob("#3 rtl-talk", TITLE_TEMPLATE, SlideText(title="שלום עולם “quoted”")),
        SlideJob("#4 broken", bad, SHORT),
        SlideJob("#5 missing", None, SHORT, error="title image /x.png does not exist"),
    ]
    slides = render_slides(jobs, tmp_path / "work", workers=2)
    assert [s.label for s in slides] == [j.label for j in jobs]  # job order kept
    assert [s.flagged for s in slides] == [False, True, False, True, True]
    for slide in slides[:3]:
        assert slide.png is not None
        with Image.open(slide.png) as image:
            assert image.size == (PROOF_WIDTH, PROOF_HEIGHT)
    assert "not a readable SVG template" in slides[3].warning()

    png = contact_sheet(slides, tmp_path / "proof.png", "Title proofs: Conf")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / "proofs-contact-sheet.png")  # for a person to look at
    with Image.open(png) as sheet:
        rgb = sheet.convert("RGB")
        # Cells are laid out 4 across below the header; the flagged second cell is framed.
        width, height = rgb.size
        assert width == 16 + 4 * (PROOF_WIDTH + 10 + 16)
        header = height - (2 * (PROOF_HEIGHT + 10 + 48 + 16) + 16)
        x2 = 16 + (PROOF_WIDTH + 10 + 16) + 1
        assert rgb.getpixel((x2, header + 1)) == RED
        assert rgb.getpixel((17, header + 1)) != RED  # the short title's cell: no frame

    pdf = contact_sheet(slides, tmp_path / "proof.pdf", "Title proofs: Conf")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Title proofs: Conf" in text
    assert "5 title slides, 3 flagged" in text
    assert "#2 long-talk: title: shrunk to 65% and 75 of 200 characters" in text
    assert "#5 missing: not rendered: title image /x.png does not exist" in text
    assert "#1 short-talk" in text and "#3 rtl-talk" in text


def test_a_sheet_must_be_png_or_pdf(tmp_path: Path) -> None:
    with pytest.raises(ProofError, match=r"proof\.jpg: a proof sheet is a \.png or a \.pdf"):
        contact_sheet([], tmp_path / "proof.jpg", "x")


@pytest.mark.media
def test_one_unreadable_image_fails_alone_and_its_batch_still_renders(tmp_path: Path) -> None:
    corrupt = tmp_path / "own-title.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    jobs = [SlideJob(f"#{n}", TITLE_TEMPLATE, SHORT) for n in range(5)]
    jobs.insert(2, SlideJob("#corrupt", corrupt, SHORT))
    slides = render_slides(jobs, tmp_path / "work", workers=1)  # one batch holds them all
    assert [s.flagged for s in slides] == [False, False, True, False, False, False]
    assert slides[2].png is None
    assert slides[2].warning().startswith(f"not rendered: {corrupt}: the slide could not be")
    assert all(s.png is not None and s.png.is_file() for i, s in enumerate(slides) if i != 2)
