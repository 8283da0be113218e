"""Where a raw file's media is on this machine: the recording itself, or a local piece of it.

Every place that turns a `RawFile` row into a file to read (the editor's player and
timeline with its waveform and thumbnails, the encode planner, exported playlists) asks
one `MediaLocator`. Normally that is the raw file at `<raw root>/…/dv/<room>/<file>`. In an
assets folder (`veyedesk assets`, opened with `veyedesk --venue DIR`) the folder's
manifest maps the raw file's UUID to a stream-copied segment or a proxy and the raw-file
second at its time 0 (`offset`): cut offsets stay raw-file seconds in the database, and
whoever reads the local file subtracts the offset (`LocalMedia.local`).

The manifest is `assets.json` in the folder: plain JSON, written atomically, paths
relative to the folder so it can be copied to a USB stick and opened anywhere.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veyedesk.media.probe import MediaError
from veyedesk.model.paths import UnsafePath, safe_join_relative, safe_relative

if TYPE_CHECKING:
    from veyedesk.config import Settings
    from veyedesk.model import RawFile

MANIFEST = "assets.json"
VENUE_DB = "venue.db"
MANIFEST_VERSION = 1
# A cut may end up to a frame past a piece (the one frame of tolerance at file ends).
EDGE_SLACK = 0.05


class ManifestError(MediaError):
    """An assets folder's manifest cannot be read; the message names the file."""


@dataclass(frozen=True)
class LocalMedia:
    """A raw file's media here: `path`, holding raw seconds from `offset` on."""

    path: Path
    offset: float = 0.0  # raw-file seconds at the local file's time 0
    duration: float | None = None  # seconds of the local file; None = the whole raw file
    kind: str = "raw"  # raw, segment, proxy; "absent" when the folder has none of it

    def local(self, raw_seconds: float) -> float:
        """Seconds into the local file of a raw-file offset."""
        return raw_seconds - self.offset

    @property
    def partial(self) -> bool:
        return self.kind in ("segment", "proxy")

    def covers(self, start: float, end: float) -> bool:
        """True when raw seconds [start, end] are in the local file."""
        if self.duration is None:
            return True
        return start >= self.offset - EDGE_SLACK and end <= self.offset + self.duration + EDGE_SLACK


@dataclass(frozen=True)
class ManifestEntry:
    """One raw file's local piece, as stored in the manifest."""

    file: str  # relative to the folder
    offset: float
    duration: float
    frames: int
    kind: str
    raw_filename: str = ""  # for people reading the manifest
    raw_start: float = 0.0  # the stretch of the raw file the piece holds, in raw seconds
    raw_end: float = 0.0


@dataclass
class Manifest:
    """An assets folder's map: raw file UUID → its local piece."""

    pieces: dict[str, ManifestEntry] = field(default_factory=dict)
    proxy: bool = False
    margin: float = 0.0
    episodes: list[str] = field(default_factory=list)  # episode UUIDs the folder was made for

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "proxy": self.proxy,
            "margin": self.margin,
            "episodes": list(self.episodes),
            "pieces": {uuid: asdict(entry) for uuid, entry in sorted(self.pieces.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: Path) -> Manifest:
        if not isinstance(data, Mapping) or data.get("version") != MANIFEST_VERSION:
            raise ManifestError(
                f"{where}: not a version {MANIFEST_VERSION} assets manifest; "
                "make the folder again with `veyedesk assets`"
            )
        try:
            pieces = {str(uuid): ManifestEntry(**entry) for uuid, entry in data["pieces"].items()}
            for entry in pieces.values():
                # A piece must be a file of the kit: a manifest copied around on USB sticks
                # could otherwise point the encode or the editor at any file of the machine.
                safe_relative(entry.file, "assets piece")
            return cls(
                pieces=pieces,
                proxy=bool(data.get("proxy", False)),
                margin=float(data.get("margin", 0.0)),
                episodes=[str(e) for e in data.get("episodes", [])],
            )
        except UnsafePath as exc:
            raise ManifestError(f"{where}: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ManifestError(f"{where}: damaged assets manifest ({exc})") from None

    @classmethod
    def load(cls, folder: Path) -> Manifest | None:
        """The folder's manifest, or None when it has none (a plain venue copy)."""
        path = folder / MANIFEST
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ManifestError(f"{path}: cannot read ({exc.strerror})") from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ManifestError(f"{path}: not valid JSON ({exc})") from None
        return cls.from_json(data, path)

    def save(self, folder: Path) -> Path:
        """Write `assets.json` in `folder` atomically (a reader sees the old or the new one)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MANIFEST
        fd, tmp = tempfile.mkstemp(prefix=".assets.", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self.to_json(), out, indent=2, ensure_ascii=False)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return path


class MediaLocator:
    """Resolves raw files to local media: a manifest's pieces first, else the raw root."""

    def __init__(
        self, raw_root: str = "", folder: Path | None = None, manifest: Manifest | None = None
    ) -> None:
        self.raw_root = raw_root
        self.folder = folder
        self.manifest = manifest
        if manifest is None and folder is not None:
            self.manifest = Manifest.load(folder)

    @classmethod
    def for_settings(cls, settings: Settings) -> MediaLocator:
        """The locator for these settings: the venue folder's manifest when one is open."""
        folder = Path(settings.venue).expanduser() if settings.venue else None
        return cls(settings.raw_root, folder)

    def locate(self, raw: RawFile) -> LocalMedia:
        """Where `raw`'s media is here; kind "absent" when an assets folder lacks it."""
        entry = self.manifest.pieces.get(raw.uuid) if self.manifest is not None else None
        if entry is not None and self.folder is not None:
            return LocalMedia(
                path=safe_join_relative(self.folder, entry.file, "assets piece"),
                offset=entry.offset,
                duration=entry.duration,
                kind=entry.kind,
            )
        path = raw.path(self.raw_root)
        if self.manifest is not None and not path.exists():
            return LocalMedia(path=path, kind="absent")
        return LocalMedia(path=path)
