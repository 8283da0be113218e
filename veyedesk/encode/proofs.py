"""Title proofs: render many title slides in parallel and lay them out on one contact sheet.

Each slide is filled by `titles.fill_slide` and rasterised by `run.render_image`, the same
two steps the encode takes (at a smaller size), so what a volunteer proofs is what gets
encoded. Slides whose text was shrunk, cut short or lost characters are flagged: a red
frame on the sheet and a line in the list at its top.

The sheet is a PNG (Pillow) or a PDF (fpdf2, text kept as text so it can be searched);
neither reads anything but the rendered slide PNGs and the DejaVu font.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from veyedesk.encode import titles
from veyedesk.encode.run import EncodeFailed, render_image, render_images
from veyedesk.errors import UserError

PROOF_WIDTH, PROOF_HEIGHT = 480, 270  # a quarter of 1080p: titles stay readable
SHEET_COLUMNS = 4
PDF_COLUMNS, PDF_ROWS = 3, 3
BATCH = 10  # slides per ffmpeg process: start-up shared, cores still kept busy
RED = (200, 0, 32)
SHEET_SUFFIXES = (".png", ".pdf")


class ProofError(UserError, ValueError):
    """A proof sheet cannot be written; the message names the file."""


@dataclass(frozen=True)
class SlideJob:
    """One slide to proof: how the sheet labels it, its template and its text.

    `error` set: the slide cannot be drawn (say, its own title image is missing); the sheet
    shows it flagged with that reason instead of stopping the whole run.
    """

    label: str
    template: Path | None
    text: titles.SlideText
    error: str = ""


@dataclass(frozen=True)
class RenderedSlide:
    """A rendered proof: the PNG (None when it failed), what did not fit, or why it failed."""

    label: str
    png: Path | None
    notes: tuple[titles.FitNote, ...] = ()
    error: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.notes or self.error)

    def warning(self) -> str:
        """What is wrong with this slide, on one line ("" when nothing is)."""
        if self.error:
            return f"not rendered: {self.error}"
        return "; ".join(n.describe() for n in self.notes)


def render_slide(
    template: Path, text: titles.SlideText, width: int, height: int, png: Path, label: str = ""
) -> RenderedSlide:
    """Fill and rasterise one title slide at width x height; failures become `error`."""
    try:
        if template.suffix.lower() == ".svg":
            filled = titles.fill_slide(template, text, width, height)
            svg = png.with_suffix(".svg")
            svg.write_text(filled.svg, encoding="utf-8")
            render_image(svg, png, width, height)
            return RenderedSlide(label, png, filled.notes)
        # A ready image (the talk's own slide): shown as the encode would show it, scaled.
        render_image(template, png, width, height)
        return RenderedSlide(label, png)
    except (titles.TemplateError, EncodeFailed) as exc:
        return RenderedSlide(label, None, error=str(exc))
    except OSError as exc:
        return RenderedSlide(label, None, error=f"{png}: {exc.strerror or exc}")


def _fill(
    job: SlideJob, width: int, height: int, png: Path
) -> RenderedSlide | tuple[Path, tuple[titles.FitNote, ...]]:
    """What to rasterise for `job` and its fit notes, or the RenderedSlide if it failed."""
    if job.template is None or job.error:
        return RenderedSlide(job.label, None, error=job.error or "no title template")
    if job.template.suffix.lower() != ".svg":
        return job.template, ()
    try:
        filled = titles.fill_slide(job.template, job.text, width, height)
        svg = png.with_suffix(".svg")
        svg.write_text(filled.svg, encoding="utf-8")
    except titles.TemplateError as exc:
        return RenderedSlide(job.label, None, error=str(exc))
    except OSError as exc:
        return RenderedSlide(job.label, None, error=f"{png}: {exc.strerror or exc}")
    return svg, filled.notes


def render_slides(
    jobs: Sequence[SlideJob],
    work: Path,
    width: int = PROOF_WIDTH,
    height: int = PROOF_HEIGHT,
    workers: int | None = None,
) -> list[RenderedSlide]:
    """Render every job's slide into `work`, in job order.

    Templates are filled here (fast, pure Python); rasterising runs as batches of BATCH
    slides per ffmpeg, as many batches at once as cores. A batch that fails is rendered
    slide by slide, so one broken template is reported alone and the rest still render.
    """
    work.mkdir(parents=True, exist_ok=True)
    count = max(1, workers or os.cpu_count() or 2)
    pngs = [work / f"slide-{i:04d}.png" for i in range(len(jobs))]
    notes: dict[int, tuple[titles.FitNote, ...]] = {}
    results: dict[int, RenderedSlide] = {}
    todo: list[tuple[int, Path]] = []
    for index, job in enumerate(jobs):
        filled = _fill(job, width, height, pngs[index])
        if isinstance(filled, RenderedSlide):
            results[index] = filled
        else:
            todo.append((index, filled[0]))
            notes[index] = filled[1]

    def batch(items: list[tuple[int, Path]]) -> None:
        try:
            render_images([(source, pngs[i]) for i, source in items], width, height)
        except EncodeFailed:
            for i, source in items:
                try:
                    render_image(source, pngs[i], width, height)
                except EncodeFailed as exc:
                    results[i] = RenderedSlide(jobs[i].label, None, error=str(exc))
                    continue
                results[i] = RenderedSlide(jobs[i].label, pngs[i], notes.get(i, ()))
            return
        for i, _source in items:
            results[i] = RenderedSlide(jobs[i].label, pngs[i], notes.get(i, ()))

    size = max(1, min(BATCH, -(-len(todo) // count)))  # every core gets work on small shows
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(batch, batches))
    return [results[i] for i in range(len(jobs))]


def _font_path() -> Path | None:
    for folder in titles.FONT_DIRS:
        path = folder / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return None


def _png_sheet(slides: Sequence[RenderedSlide], out: Path, heading: str) -> None:
    from PIL import Image, ImageDraw, ImageFont

    font_path = _font_path()

    def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if font_path is None:
            return ImageFont.load_default()
        return ImageFont.truetype(str(font_path), size)

    big, small = font(28), font(16)
    pad, label_h, frame = 16, 48, 5
    cols = min(SHEET_COLUMNS, max(1, len(slides)))
    rows = math.ceil(len(slides) / cols) if slides else 0
    cell_w, cell_h = PROOF_WIDTH + 2 * frame, PROOF_HEIGHT + 2 * frame + label_h
    flagged = [s for s in slides if s.flagged]
    listing = [f"{s.label}: {s.warning()}" for s in flagged]
    header_h = pad + 40 + 24 * (1 + len(listing)) + pad
    width = pad + cols * (cell_w + pad)
    height = header_h + rows * (cell_h + pad) + pad
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((pad, pad), heading, fill="black", font=big)
    summary = f"{len(slides)} title slides, {len(flagged)} flagged"
    summary += " (red frame):" if flagged else ": every title fits as designed"
    draw.text((pad, pad + 40), summary, fill=RED if flagged else "black", font=small)
    for i, line in enumerate(listing, start=1):
        line = _fit(line, width - 2 * pad - 12, lambda t: draw.textlength(t, font=small))
        draw.text((pad + 12, pad + 40 + 24 * i), line, fill=RED, font=small)
    for i, slide in enumerate(slides):
        x = pad + (i % cols) * (cell_w + pad)
        y = header_h + (i // cols) * (cell_h + pad)
        if slide.flagged:
            draw.rectangle((x, y, x + cell_w - 1, y + cell_h - 1), fill=RED)
        if slide.png is not None:
            with Image.open(slide.png) as image:
                sheet.paste(image.convert("RGB"), (x + frame, y + frame))
        else:
            draw.rectangle(
                (x + frame, y + frame, x + frame + PROOF_WIDTH, y + frame + PROOF_HEIGHT),
                fill="#333333",
            )
            draw.text((x + 20, y + PROOF_HEIGHT // 2), "not rendered", fill="white", font=big)
        colour = "white" if slide.flagged else "black"
        label = _fit(slide.label, PROOF_WIDTH, lambda t: draw.textlength(t, font=small))
        draw.text((x + frame, y + frame + PROOF_HEIGHT + 4), label, fill=colour, font=small)
        if slide.flagged:
            line = _fit(slide.warning(), PROOF_WIDTH, lambda t: draw.textlength(t, font=small))
            draw.text((x + frame, y + frame + PROOF_HEIGHT + 24), line, fill="white", font=small)
    sheet.save(out, "PNG", compress_level=3)  # a sheet of 100 slides: speed over bytes


def _fit(text: str, width: float, measure: Callable[[str], float]) -> str:
    """`text`, cut with "…" to fit `width` as `measure` measures it (the cell's font)."""
    if measure(text) <= width:
        return text
    while text and measure(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _pdf_sheet(slides: Sequence[RenderedSlide], out: Path, heading: str) -> None:
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    font_path = _font_path()
    family = "Helvetica"
    if font_path is not None:
        pdf.add_font("DejaVu", fname=str(font_path))
        family = "DejaVu"
    flagged = [s for s in slides if s.flagged]
    pdf.add_page()
    pdf.set_font(family, size=18)
    pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=11)
    summary = f"{len(slides)} title slides, {len(flagged)} flagged"
    summary += " (red frame):" if flagged else ": every title fits as designed"
    if flagged:
        pdf.set_text_color(*RED)
    pdf.multi_cell(0, 6, summary, new_x="LMARGIN", new_y="NEXT")
    for slide in flagged:
        pdf.multi_cell(0, 6, f"  {slide.label}: {slide.warning()}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    # The grid pages place everything themselves: no automatic page breaks under a label.
    pdf.set_auto_page_break(auto=False)
    margin, gap, label_h = 12.0, 5.0, 10.0
    by_width = (pdf.w - 2 * margin - (PDF_COLUMNS - 1) * gap) / PDF_COLUMNS
    by_height = (pdf.h - 2 * margin - (PDF_ROWS - 1) * gap) / PDF_ROWS - label_h
    img_h = min(by_width * PROOF_HEIGHT / PROOF_WIDTH, by_height)
    cell_w = img_h * PROOF_WIDTH / PROOF_HEIGHT
    cell_h = img_h + label_h
    per_page = PDF_COLUMNS * PDF_ROWS
    for i, slide in enumerate(slides):
        if i % per_page == 0:
            pdf.add_page()
        x = margin + (i % PDF_COLUMNS) * (cell_w + gap)
        y = margin + ((i % per_page) // PDF_COLUMNS) * (cell_h + gap)
        if slide.png is not None:
            pdf.image(str(slide.png), x=x, y=y, w=cell_w, h=img_h)
        else:
            pdf.set_fill_color(51, 51, 51)
            pdf.rect(x, y, cell_w, img_h, style="F")
        if slide.flagged:
            pdf.set_draw_color(*RED)
            pdf.set_line_width(1.2)
            pdf.rect(x, y, cell_w, img_h)
        pdf.set_xy(x, y + img_h + 1)
        pdf.set_font(family, size=8)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(cell_w, 4, _fit(slide.label, cell_w, pdf.get_string_width))
        if slide.flagged:
            pdf.set_xy(x, y + img_h + 5)
            pdf.set_text_color(*RED)
            pdf.cell(cell_w, 4, _fit(slide.warning(), cell_w, pdf.get_string_width))
    pdf.output(str(out))


def contact_sheet(slides: Sequence[RenderedSlide], out: Path, heading: str) -> Path:
    """Write `slides` as one contact sheet: PNG or PDF by `out`'s suffix.

    Raises ProofError for another suffix or a folder that cannot be written.
    """
    suffix = out.suffix.lower()
    if suffix not in SHEET_SUFFIXES:
        raise ProofError(f"{out}: a proof sheet is a .png or a .pdf; name the file so")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so a half-written sheet never replaces one.
        with tempfile.NamedTemporaryFile(
            dir=out.parent, prefix=f".{out.name}.", suffix=suffix, delete=False
        ) as handle:
            partial = Path(handle.name)
        try:
            if suffix == ".png":
                _png_sheet(slides, partial, heading)
            else:
                _pdf_sheet(slides, partial, heading)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as exc:
        raise ProofError(f"{out}: cannot write the proof sheet ({exc.strerror or exc})") from None
    return out
