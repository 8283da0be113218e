"""OCR of recording sheets with `tesseract`, when it is installed (it is optional).

Volunteers' handwriting reads badly, but printed room names, talk titles and times on the
sheet come through well enough to find a sheet by a word typed in the episode filter.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from veyedesk.child_process import dying_with_parent
from veyedesk.media.probe import MediaError

OCR_PROGRAM = "tesseract"
OCR_TIMEOUT = 120.0  # a phone photo takes a few seconds; a stuck process must not hang us
OCR_OFF_MESSAGE = (
    "OCR is off: `tesseract` is not installed (apt-get install tesseract-ocr); "
    "sheets are stored without their text"
)


def find_ocr() -> str | None:
    """Absolute path of the OCR program on PATH, or None when it is not installed."""
    return shutil.which(OCR_PROGRAM)


def read_text(path: Path, program: str, timeout: float = OCR_TIMEOUT) -> str:
    """The text `tesseract` reads in an image; MediaError names the file and the reason."""
    # `stdout` as the output base makes tesseract print the text instead of writing a file.
    args = [program, str(path), "stdout"]
    try:
        proc = subprocess.run(
            dying_with_parent(args),
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path}: OCR took over {timeout:.0f} s; stopped") from None
    except OSError as exc:
        raise MediaError(f"{path}: could not run {program} ({exc.strerror})") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit code {proc.returncode}"
        raise MediaError(f"{path}: OCR failed ({reason})")
    return proc.stdout.decode("utf-8", "replace")
