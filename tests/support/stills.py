"""Sheet images made by the tests (Pillow), with or without an EXIF time, and a fake OCR."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw


def make_sheet(
    path: Path, *, taken: datetime | None = None, text: str = "", size=(320, 240)
) -> Path:
    """A small 'photo of a sheet': lines and a label, EXIF DateTimeOriginal when `taken`.

    The label defaults to the file name, so two sheets are never the same image by chance.
    """
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for y in range(40, size[1], 30):
        draw.line((10, y, size[0] - 10, y), fill="#4060a0", width=2)
    draw.text((12, 10), text or path.name, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs = {}
    if taken is not None:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
        kwargs["exif"] = exif
    image.save(path, **kwargs)
    return path


def fake_tesseract(
    folder: Path, monkeypatch: pytest.MonkeyPatch, *, text: str = "", fail: str = ""
) -> Path:
    """Put a `tesseract` on PATH that prints `text` (or fails with `fail` on stderr).

    It is a real executable run through the real subprocess path, exactly as tesseract
    would be: `tesseract IMAGE stdout`. It also checks it was given those arguments.
    """
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "tesseract"
    body = ["#!/bin/sh", 'if [ "$#" -ne 2 ] || [ "$2" != stdout ] || [ ! -f "$1" ]; then',
            '  echo "usage: tesseract IMAGE stdout" >&2; exit 2', "fi"]  # fmt: skip
    if fail:
        body += [f"echo '{fail}' >&2", "exit 1"]
    else:
        quoted = text.replace("'", "'\\''")
        body += [f"printf '%s\\n' '{quoted}'"]  # a shell builtin: works with any PATH
    script.write_text("\n".join(body) + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return script
