"""A talk to go: a folder holding a venue copy of some talks and the media their cuts need.

`make_assets` writes, in a new folder:

- `venue.db`: a venue copy holding just those talks (`services.venue.checkouts` with
  `episode_ids`), rows exactly as the shared database has them: cut offsets stay raw-file
  seconds, so sync and export-changes need no translation;
- `media/<room>/<raw file name>.dv|.mkv` (default): stream copies of the raw files covering
  each talk's applied cuts (or, with none applied, its scheduled slot) ± `margin`, no
  re-encode: the unapplied whole-file cuts association puts on neighbouring files add
  only what of that stretch falls in them, and a file outside it gets no piece (the
  venue editor shows it as absent); or with `proxy=True`
  `media/<room>/<raw file name>.mp4`: small H.264 proxies with the raw timing;
- `files/<path>`: the talks' thumbnails and own title images and the client's title and
  credits templates, at the paths the rows store relative to the shared files root
  (`model.shared_files`); `--venue DIR` takes `files/` as its root, so they resolve there;
- `assets.json`: the manifest (raw file UUID → piece, the raw second at its time 0),
  which `media.locator.MediaLocator` reads wherever a raw file's media is needed.

`veyedesk --venue DIR` (File ▸ Open venue folder…) edits the folder; its changes go back
through the venue sync or export-changes.

Order matters for failures: the media is made first (nothing on the shared database has
changed if a raw file is unreadable), then the checkout, which takes the talks' locks in
one transaction only when the copy is written, then the manifest, written last and
atomically: a folder without `assets.json` is unfinished.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from veyedesk.config import VENUE_FILES
from veyedesk.media.locator import MANIFEST, VENUE_DB, Manifest, ManifestEntry
from veyedesk.media.probe import MediaError, probe
from veyedesk.media.proxy import make_proxy
from veyedesk.media.segments import Piece, kit_span, make_segment
from veyedesk.model import Cut, Episode, RawFile
from veyedesk.model.cuts import bounds
from veyedesk.model.paths import safe_join, safe_relative
from veyedesk.model.shared_files import OutsideRoot, is_relative, resolve
from veyedesk.model.timecode import add_seconds
from veyedesk.safe_files import refuse_raw
from veyedesk.services.errors import InvalidInput, NotFound
from veyedesk.services.identity import Identity
from veyedesk.services.venue.checkouts import CheckoutResult, Source, checkout, source_engine

DEFAULT_MARGIN = 60.0  # seconds of raw file kept either side of a talk's cuts
MEDIA_DIR = "media"
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class RawNeed:
    """One raw file some of the talks' cuts use, and the stretches they use."""

    uuid: str
    filename: str
    room: str
    path: Path
    duration: float | None
    # Applied cuts on this file (in, out; blank = the file's start or end).
    cuts: tuple[tuple[float | None, float | None], ...]
    # The talks' stretches ± the margin, in this file's seconds (`_talk_window`).
    windows: tuple[tuple[float, float], ...] = ()


@dataclass
class AssetsResult:
    """What `make_assets` wrote."""

    folder: Path
    checkout: CheckoutResult
    pieces: dict[str, Piece] = field(default_factory=dict)  # raw file UUID → piece
    raw_bytes: int = 0  # the raw files the pieces come from
    piece_bytes: int = 0
    # Shared files (title images, thumbnails, templates) copied under files/, and those
    # left out with the reason (absolute paths of one machine, files not found here).
    files: list[str] = field(default_factory=list)
    files_left: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """The pieces' size as a share of the raw files' size."""
        return self.piece_bytes / self.raw_bytes if self.raw_bytes else 0.0


def _needs(
    session: Session, episode_ids: Sequence[int], raw_root: str, margin: float = DEFAULT_MARGIN
) -> tuple[str, str, list[RawNeed], set[str], list[Path]]:
    """Of the talks: client slug, show slug, raw files with the cuts on them, the shared
    file paths their rows name, and the show's recordings folders."""
    episodes = list(
        session.scalars(
            select(Episode)
            .where(Episode.id.in_(sorted(set(episode_ids))))
            .options(
                selectinload(Episode.cuts).selectinload(Cut.raw_file).selectinload(RawFile.show),
                selectinload(Episode.cuts)
                .selectinload(Cut.raw_file)
                .selectinload(RawFile.location),
            )
        )
    )
    missing = sorted(set(episode_ids) - {e.id for e in episodes})
    if missing:
        raise NotFound(
            f"episode(s) {', '.join(map(str, missing))} do not exist; check the ids "
            "(`veyedesk episodes list`)"
        )
    shows = {(e.show.client.slug, e.show.slug) for e in episodes}
    if len(shows) != 1:
        raise InvalidInput("the talks belong to different shows; make one assets folder per show")
    ((client, show),) = shows
    show_row = episodes[0].show
    raw_dirs = [show_row.raw_dir(raw_root) / "dv"] if raw_root or show_row.raw_root else []
    by_raw: dict[int, list[tuple[float | None, float | None]]] = defaultdict(list)
    windows: dict[int, list[tuple[float, float]]] = defaultdict(list)
    raws: dict[int, RawFile] = {}
    for episode in episodes:
        if not episode.cuts:
            raise InvalidInput(
                f"episode {episode.id} ({episode.slug}) has no cuts, so no media would go "
                "with it; run `veyedesk assoc` or set its cuts in the editor first"
            )
        window = _talk_window(episode, margin)
        applied = [c for c in episode.cuts if c.apply]
        for cut in episode.cuts:
            raws[cut.raw_file_id] = cut.raw_file
            raw = cut.raw_file
            if cut.apply or (window is None and not applied):
                # Unapplied cuts count whole only when nothing places the talk in time.
                by_raw[cut.raw_file_id].append((cut.start, cut.end))
            if window is not None and raw.start is not None:
                start = (window[0] - raw.start).total_seconds()
                end = (window[1] - raw.start).total_seconds()
                windows[cut.raw_file_id].append((start, end))
    needs = [
        RawNeed(
            uuid=raw.uuid,
            filename=raw.filename,
            room=raw.location.slug,
            path=raw.path(raw_root),
            duration=raw.duration,
            cuts=tuple(by_raw[raw.id]),
            windows=tuple(windows[raw.id]),
        )
        for raw in sorted(raws.values(), key=lambda r: (r.location.slug, r.filename))
        if by_raw[raw.id] or windows[raw.id]
    ]
    named = {
        value
        for e in episodes
        for value in (e.thumbnail, e.title_image, e.show.client.title_svg, e.show.client.credits)
        if value
    }
    return client, show, needs, named, raw_dirs


def _copy_shared_files(
    named: set[str], files_root: str, folder: Path, result: AssetsResult
) -> None:
    """Copy the files rows name into `folder/files/<stored path>`; list what cannot go."""
    for stored in sorted(named):
        if not is_relative(stored):
            result.files_left.append(
                f"{stored}: an absolute path of one machine; choose the file again under "
                "the shared files folder to carry it"
            )
            continue
        try:
            source = resolve(stored, files_root)
            target = resolve(stored, folder / VENUE_FILES)
        except OutsideRoot as exc:
            result.files_left.append(str(exc))
            continue
        if not source.is_file():
            result.files_left.append(f"{stored}: not found under {files_root}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        result.files.append(stored)


def _talk_window(episode: Episode, margin: float) -> tuple[datetime, datetime] | None:
    """The wall-clock stretch a kit carries for a talk: its applied cuts, or with none
    applied its scheduled slot, ± `margin`; None when neither can be placed in time."""
    applied = [
        (add_seconds(c.raw_file.start, a), add_seconds(c.raw_file.start, b))
        for c in episode.cuts
        if c.apply and c.raw_file.start is not None
        for a, b in [bounds(c.start, c.end, c.raw_file.duration)]
    ]
    if applied:
        start, end = min(a for a, _ in applied), max(b for _, b in applied)
    elif not any(c.apply for c in episode.cuts) and episode.start and episode.duration:
        start, end = episode.start, add_seconds(episode.start, episode.duration)
    else:
        return None
    return add_seconds(start, -margin), add_seconds(end, margin)


def _target_stem(folder: Path, need: RawNeed) -> Path:
    # media/<room>/<the raw file's own relative name>, so a person finds the recording.
    # Both come from rows: each part must be one safe name, or the piece (a proxy
    # especially) could be written anywhere, over the recording itself even.
    room = safe_join(folder, MEDIA_DIR, need.room, what="room slug")
    name = safe_relative(need.filename, f"raw file name (room {need.room})")
    return room.joinpath(*name.parent.parts, name.stem)


def _make_piece(
    need: RawNeed, folder: Path, margin: float, proxy: bool
) -> tuple[Piece, int] | None:
    """The piece of one raw file (None when none of the talks' stretches is in it)."""
    if not need.path.is_file():
        raise InvalidInput(
            f"raw file {need.path} is missing; mount the recordings (raw_root) or re-scan "
            "the room before making assets"
        )
    try:
        length = probe(need.path).duration
    except MediaError as exc:
        raise InvalidInput(f"raw file {need.filename}: {exc}") from None
    length = length if length is not None else need.duration or 0.0
    stretches = [bounds(start, end, length) for start, end in need.cuts]
    span = kit_span(stretches, need.windows, margin, length)
    if span is None:
        return None
    maker = make_proxy if proxy else make_segment
    try:
        piece = maker(need.path, span, _target_stem(folder, need), never=[need.path])
    except MediaError as exc:
        raise InvalidInput(f"raw file {need.filename}: {exc}") from None
    return piece, need.path.stat().st_size


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file; give a folder for the assets with -o")
    for name in (VENUE_DB, MANIFEST, MEDIA_DIR):
        if (folder / name).exists():
            raise InvalidInput(
                f"{folder} already holds {name}; give a new folder with -o (an assets "
                "folder is never overwritten: sync or export its changes first)"
            )


def make_assets(
    source: Source,
    episode_ids: Sequence[int],
    folder: Path | str,
    *,
    raw_root: str,
    who: Identity | str,
    machine: str,
    proxy: bool = False,
    margin: float = DEFAULT_MARGIN,
    lock: bool = True,
    progress: Progress | None = None,
    files_root: str | None = None,
) -> AssetsResult:
    """Write an assets folder for `episode_ids` of the shared database `source`.

    `raw_root` finds the raw files (as `Settings.raw_root`), `files_root` the shared
    files rows name (`Settings.files_root`; None = `raw_root`). Raises InvalidInput naming
    the talk or raw file when a talk has no cuts, a raw file is missing or unreadable, or
    the folder already holds assets; a failure leaves no venue copy and takes no lock.
    """
    if not episode_ids:
        raise InvalidInput("name at least one episode id")
    if margin < 0:
        raise InvalidInput(f"--margin {margin} is negative; give seconds to keep around the cuts")
    if isinstance(who, Identity):
        who.require("edit")
    report = progress or (lambda _f, _t: None)
    folder = Path(folder).expanduser()
    _check_folder(folder)
    engine, _url, owned = source_engine(source)
    try:
        with Session(engine) as session:
            client, show, needs, named, raw_dirs = _needs(session, episode_ids, raw_root, margin)
    finally:
        if owned:
            engine.dispose()
    refuse_raw(folder, raw_dirs, [n.path for n in needs], what="assets folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # /proc/x, a read-only disk, a file in the way
        raise InvalidInput(
            f"cannot make the assets folder {folder} ({exc.strerror}); give -o a new folder "
            "on a disk you can write"
        ) from None
    manifest = Manifest(proxy=proxy, margin=margin)
    result_pieces: dict[str, Piece] = {}
    raw_bytes = 0
    try:
        for n, need in enumerate(needs):
            what = "proxy" if proxy else "segment"
            report(0.8 * n / len(needs), f"{what} of {need.filename}")
            made = _make_piece(need, folder, margin, proxy)
            if made is None:
                continue  # the talks' stretches do not reach into this file
            piece, size = made
            raw_bytes += size
            result_pieces[need.uuid] = piece
            manifest.pieces[need.uuid] = ManifestEntry(
                file=piece.path.relative_to(folder).as_posix(),
                offset=piece.offset,
                duration=piece.duration,
                frames=piece.frames,
                kind=piece.kind,
                raw_filename=need.filename,
                raw_start=piece.offset,
                raw_end=piece.raw_end,
            )
        report(0.8, "venue copy")
        copied = checkout(
            source,
            folder / VENUE_DB,
            client=client,
            show=show,
            episode_ids=list(episode_ids),
            who=who,
            machine=machine,
            lock=lock,
        )
    except BaseException:
        shutil.rmtree(folder / MEDIA_DIR, ignore_errors=True)
        raise
    result = AssetsResult(
        folder=folder,
        checkout=copied,
        pieces=result_pieces,
        raw_bytes=raw_bytes,
        piece_bytes=sum(p.path.stat().st_size for p in result_pieces.values()),
    )
    _copy_shared_files(named, raw_root if files_root is None else files_root, folder, result)
    # files/ always exists in a kit: `--venue DIR` then resolves stored paths under it.
    (folder / VENUE_FILES).mkdir(exist_ok=True)
    manifest.episodes = _episode_uuids(folder, copied.episode_ids)
    manifest.save(folder)
    report(1.0, "done")
    return result


def _episode_uuids(folder: Path, episode_ids: Sequence[int]) -> list[str]:
    from veyedesk.db import make_engine

    engine = make_engine(f"sqlite:///{folder / VENUE_DB}")
    try:
        with Session(engine) as session:
            found = session.scalars(select(Episode.uuid).where(Episode.id.in_(episode_ids)))
            return sorted(found)
    finally:
        engine.dispose()
