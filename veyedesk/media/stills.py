"""Stills (photos and scans of recording sheets): is it an image, and when was it taken.

The time comes from the file name when it holds one (phones and scanners write it there:
`IMG_20260201_101530.jpg`, `Scan 2026-02-01 10.15.30.png`, or a crew's own `10_15_30.jpg`),
else from the EXIF `DateTimeOriginal` a camera stores. Both are the clock of the camera,
which at a venue is the local time of day.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from veyedesk.media.probe import MediaError

# The largest still read: a 200-megapixel phone photo. A crafted PNG of 19000 x 19000
# (a few kilobytes on disk) took 1.5 GB and 10 s to decode; it is refused from its header,
# before any decoding. Pillow itself only warns below twice its limit, so both are set.
MAX_STILL_PIXELS = 200_000_000
Image.MAX_IMAGE_PIXELS = MAX_STILL_PIXELS
# The largest still file read (a RAW-sized JPEG is far below it).
MAX_STILL_BYTES = 200 * 1024 * 1024

_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003
_DATE_TIME_DIGITIZED = 0x9004
_DATE_TIME = 0x0132

_SEP = r"[ _.:T-]?"
# Date and time together: 20260201_101530, 2026-02-01 10.15.30, 2026-02-01T10:15:30, and
# without seconds 2026-02-01_10-00 (a crew's own name for a sheet).
_DATE_AND_TIME = re.compile(
    r"(?<!\d)(?P<y>20\d\d)-?(?P<mo>\d\d)-?(?P<d>\d\d)(?:[ _T-]|\sat\s)"
    rf"(?P<h>\d\d){_SEP}(?P<mi>\d\d)(?:{_SEP}(?P<s>\d\d)(?:\d{{3}})?)?(?!\d)"
)
_DATE = re.compile(r"(?<!\d)20\d\d-?\d\d-?\d\d(?!\d)")
# A time alone, with separators (10_15_30, 10-15-30, 10.15.30, 10:15:30) or 10h15.
_TIME = re.compile(r"(?<!\d)(?P<h>\d\d?)[_.:-](?P<mi>\d\d)[_.:-](?P<s>\d\d)(?!\d)")
_HOUR_H = re.compile(r"(?<!\d)(?P<h>\d\d?)h(?P<mi>\d\d)(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class StillInfo:
    """What the import needs to know about one image file."""

    width: int
    height: int
    format: str
    taken: datetime | None
    taken_source: str  # "filename", "exif" or ""


def _clock(d: date, h: str, mi: str, s: str = "0") -> datetime | None:
    try:
        return datetime(d.year, d.month, d.day, int(h), int(mi), int(s))
    except ValueError:  # 25:61 in a name is not a time
        return None


def time_from_name(name: str, day: date) -> datetime | None:
    """The moment a file name states; a time without a date is taken to be on `day`."""
    stem = Path(name).stem
    if match := _DATE_AND_TIME.search(stem):
        try:
            when = date(int(match["y"]), int(match["mo"]), int(match["d"]))
        except ValueError:
            when = None
        if when is not None:
            found = _clock(when, match["h"], match["mi"], match["s"] or "0")
            if found is not None:
                return found
    stem = _DATE.sub(" ", stem)  # 02-01_10 of a date is no time of day
    if match := _TIME.search(stem):
        return _clock(day, match["h"], match["mi"], match["s"])
    if match := _HOUR_H.search(stem):
        return _clock(day, match["h"], match["mi"])
    return None


def _exif_time(image: Image.Image) -> datetime | None:
    exif = image.getexif()
    tags: dict[int, object] = dict(exif)
    with contextlib.suppress(KeyError, ValueError, OSError):  # no Exif IFD: IFD0 only
        tags.update(exif.get_ifd(_EXIF_IFD))
    for tag in (_DATE_TIME_ORIGINAL, _DATE_TIME_DIGITIZED, _DATE_TIME):
        value = tags.get(tag)
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        if isinstance(value, str):
            try:
                return datetime.strptime(value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
            except ValueError:
                continue  # cameras with no clock set write "0000:00:00 00:00:00"
    return None


def read_still(path: Path) -> bytes:
    """The bytes of a still given to import: a regular file only, read once.

    A symlink is not followed and a FIFO or device is refused without opening it for
    long (a FIFO would block the import forever); a file over MAX_STILL_BYTES is refused.
    MediaError names the file.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise MediaError(f"{path}: no such file") from None
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the file ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise MediaError(f"{path}: is a symbolic link; give the image file itself")
    if not stat.S_ISREG(st.st_mode):
        raise MediaError(f"{path}: not a regular file (a pipe or device); give an image file")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise MediaError(f"{path}: cannot read the file ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        # Checked again on what was opened: the name may have changed meanwhile.
        opened = os.fstat(f.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise MediaError(f"{path}: not a regular file; give an image file")
        if opened.st_size > MAX_STILL_BYTES:
            raise MediaError(
                f"{path}: {opened.st_size / 1e6:.0f} MB is too large for a sheet image "
                f"(at most {MAX_STILL_BYTES / 1e6:.0f} MB); scan or photograph it smaller"
            )
        return f.read(MAX_STILL_BYTES + 1)


def inspect_still(path: Path, day: date, data: bytes | None = None) -> StillInfo:
    """Size, format and time taken of an image; MediaError if it is not a readable image.

    `data` holds the file's bytes when the caller read them (`read_still`); the image
    is then checked from them, so what is checked is what is stored. An image over
    MAX_STILL_PIXELS is refused from its header, before any decoding.
    """

    def source() -> Path | io.BytesIO:
        return path if data is None else io.BytesIO(data)

    try:
        with warnings.catch_warnings():
            # Pillow warns of a large image on opening; the size is judged right here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            first = Image.open(source())
        with first as image:
            if image.width * image.height > MAX_STILL_PIXELS:
                raise MediaError(
                    f"{path}: {image.width} x {image.height} pixels is too large for a sheet "
                    f"image (at most {MAX_STILL_PIXELS // 1_000_000} megapixels); "
                    "scan or photograph it smaller"
                )
            image.verify()  # reads the whole structure: a truncated file fails here
        with Image.open(source()) as image:
            width, height, fmt = image.width, image.height, image.format or ""
            exif = _exif_time(image)
    except FileNotFoundError:
        raise MediaError(f"{path}: no such file") from None
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise MediaError(f"{path}: not an image veyedesk can read ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"{path}: the image is damaged or truncated ({exc})") from None
    named = time_from_name(path.name, day)
    if named is not None:
        return StillInfo(width, height, fmt, named, "filename")
    if exif is not None:
        return StillInfo(width, height, fmt, exif, "exif")
    return StillInfo(width, height, fmt, None, "")
