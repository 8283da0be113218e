"""Every ffmpeg and ffprobe run on a raw file reads it as a local file: `file:` prefixed,
protocols limited to file and pipe (a raw file that is really a playlist fetches nothing)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.media import make_clip
from veyedesk.media.audio_check import measure_audio
from veyedesk.media.durations import stream_durations
from veyedesk.media.peaks import compute_peaks, peaks_command
from veyedesk.media.probe import probe
from veyedesk.media.proxy import make_proxy, proxy_command
from veyedesk.media.segments import (
    Span,
    copy_command,
    dv_layout,
    make_segment,
    rebase_command,
    video_timing,
)
from veyedesk.media.thumbnails import compute_thumbnails, thumbnails_command

pytestmark = pytest.mark.media
ONLY = ["-protocol_whitelist", "file,pipe"]


def assert_local_inputs(argv: list[str], path: Path) -> None:
    """Each input of a run is `-protocol_whitelist file,pipe` then `file:<path>`."""
    program = Path(argv[0]).name
    if program.startswith("ffprobe"):
        where = argv.index(f"file:{path}")
        assert argv[where - 2 : where] == ONLY, argv
    else:
        inputs = [i for i, a in enumerate(argv) if a == "-i"]
        assert inputs, argv
        for i in inputs:
            assert argv[i - 2 : i] == ONLY and argv[i + 1].startswith("file:"), argv
    assert str(path) not in argv  # never bare, where ':' or a leading '-' would mislead


def test_peaks_and_thumbnails_commands_read_a_local_file() -> None:
    raw = Path("/raw/room/-odd:name.dv")
    assert_local_inputs(peaks_command(raw, 12.0), raw)
    assert_local_inputs(thumbnails_command(raw, (160, 90), 2.0, 12.0), raw)


def test_segment_and_proxy_commands_read_a_local_file() -> None:
    raw = Path("/raw/room/10_00_00.ts")
    part = Path("/kit/media/room/10_00_00.mkv.part")
    assert_local_inputs(copy_command(raw, Span(1.0, 2.0), part), raw)
    assert_local_inputs(rebase_command(raw, part), raw)
    proxy = proxy_command(raw, 1.0, 25, 25, part, interlaced=False, has_audio=True)  # type: ignore[arg-type]
    assert_local_inputs(proxy, raw)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The argument lists of every process started meanwhile (the processes still run)."""
    seen: list[list[str]] = []
    real = subprocess.Popen.__init__

    def spy(self: Any, args: Any, *rest: Any, **kw: Any) -> None:
        argv = [str(a) for a in args]
        # setpriv --pdeathsig KILL -- <program> ...: the program's own arguments.
        if "--" in argv and Path(argv[0]).name == "setpriv":
            argv = argv[argv.index("--") + 1 :]
        seen.append(argv)
        real(self, args, *rest, **kw)

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    yield seen


def test_every_run_on_a_raw_file_reads_it_as_a_local_file(
    tmp_path: Path, runs: list[list[str]]
) -> None:
    raw = make_clip(tmp_path / "10_00_00.dv", "dv", 2.0)
    ts = make_clip(tmp_path / "10_00_00.ts", "ts", 2.0)
    runs.clear()
    probe(raw)
    stream_durations(raw)
    video_timing(raw)
    dv_layout(raw)
    measure_audio(raw)
    compute_peaks(raw)
    compute_thumbnails(raw)
    make_segment(ts, Span(0.0, 2.0), tmp_path / "kit" / "seg")
    make_proxy(raw, Span(0.2, 1.0), tmp_path / "kit" / "proxy")
    on_raw = [a for a in runs if f"file:{raw}" in a or f"file:{ts}" in a]
    programs = {Path(a[0]).name for a in on_raw}
    assert {"ffmpeg", "ffprobe"} <= programs
    assert len(on_raw) >= 9
    for argv in on_raw:
        assert_local_inputs(argv, raw if f"file:{raw}" in argv else ts)
