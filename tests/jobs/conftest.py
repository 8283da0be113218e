"""Queue fixtures: talks with real raw clips, a tiny encode profile, an ffmpeg run counter."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.factory import set_state
from tests.support.media import make_clip
from veyedesk.jobs import queue
from veyedesk.model import Cut, RawFile
from veyedesk.services import catalog
from veyedesk.services.episodes import add_episode

VEYEDESK = shutil.which("veyedesk", path=str(Path(sys.executable).parent)) or "veyedesk"
REAL_FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"

# Small and fast: the queue is under test, not picture quality.
TINY_PROFILE = """
title_seconds = 0
credits_seconds = 0
default_profile = "tiny"

[profiles.tiny]
ext = "mp4"
width = 160
height = 90
fps = 25.0
vcodec = "libx264"
acodec = "aac"
video_options = ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
audio_options = ["-b:a", "64k", "-ar", "48000"]
muxer_options = []
"""


ATTEMPT_PART = re.compile(r"\.job(\d+)-(\d+)\.part$")


def final_name(part: str) -> str:
    """`…/talk.mp4.job12-2.part` -> `…/talk.mp4`: the file an attempt publishes."""
    return ATTEMPT_PART.sub("", part)


def attempt_of(part: str) -> tuple[int, int]:
    """`…/talk.mp4.job12-2.part` -> (12, 2): job id and attempt number."""
    found = ATTEMPT_PART.search(part)
    assert found is not None, part
    return int(found.group(1)), int(found.group(2))


@pytest.fixture(scope="session")
def raw_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-second PAL DV clip every talk's raw file links to."""
    return make_clip(tmp_path_factory.mktemp("raw") / "clip.dv", "dv", 2.0)


@dataclass
class Rig:
    """Where a queue test keeps its files, and how to run `veyedesk` like a user."""

    db_url: str
    root: Path
    raw_root: Path
    output_root: Path
    config: Path
    runs: Path  # one line per ffmpeg run, appended by the PATH wrapper
    bin_dir: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VEYEDESK_")}
        env.update(
            VEYEDESK_CONFIG=str(self.config),
            VEYEDESK_DATA_DIR=str(self.root / "data"),
            VEYEDESK_DB=self.db_url,
            VEYEDESK_USER="encoder@rig",
            PATH=f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VEYEDESK, *args], capture_output=True, text=True, timeout=timeout, env=self.env()
        )

    def spawn_worker(
        self, *args: str, log: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """A real `veyedesk worker` process in its own process group."""
        return self.spawn("worker", *args, log=log, env=env)

    def spawn(
        self, *args: str, log: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """A real `veyedesk ARGS…` process in its own process group; `env` overrides ours."""
        out = open(log or os.devnull, "ab")  # noqa: SIM115 - the child owns it
        try:
            return subprocess.Popen(
                [VEYEDESK, *args],
                env={**self.env(), **(env or {})},
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        finally:
            out.close()

    def realtime_path(self) -> str:
        """A PATH whose ffmpeg encodes no faster than real time (`-re` before every input).

        Runs are counted like the normal wrapper's. Only encodes (output `.part`) are
        slowed, so an encode of an N-second talk takes at least N seconds: long enough for
        a test to act while it runs, whatever the machine's speed.
        """
        folder = self.root / "bin-realtime"
        if not folder.is_dir():
            folder.mkdir()
            wrapper = folder / "ffmpeg"
            wrapper.write_text(
                f"#!{sys.executable}\n"
                "import os, sys\n"
                "args = sys.argv[1:]\n"
                "if args and args[-1].endswith('.part'):\n"
                f"    with open({str(self.runs)!r}, 'a', encoding='utf-8') as runs:\n"
                "        runs.write(f'{os.getpid()} {args[-1]}\\n')\n"
                "    args = [x for a in args for x in (['-re', a] if a == '-i' else [a])]\n"
                f"os.execv({REAL_FFMPEG!r}, [{REAL_FFMPEG!r}, *args])\n",
                encoding="utf-8",
            )
            wrapper.chmod(0o755)
        return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"

    def encode_runs(self) -> list[str]:
        """Output files of the ffmpeg runs that encoded a talk (one per run, killed or not)."""
        if not self.runs.exists():
            return []
        lines = self.runs.read_text(encoding="utf-8").splitlines()
        return [
            line.rsplit(" ", 1)[-1].removeprefix("file:")
            for line in lines
            if line.endswith(".part")
        ]

    def encoded_outputs(self) -> list[str]:
        """The final file each ffmpeg encode run was for (its attempt's .part name stripped)."""
        return [final_name(part) for part in self.encode_runs()]

    def part_files(self) -> list[Path]:
        return sorted(self.output_root.rglob("*.part"))


@pytest.fixture
def rig(db_url: str, tmp_path: Path) -> Rig:
    """Files and config for queue tests; ffmpeg on PATH is wrapped to count its runs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    runs = tmp_path / "ffmpeg-runs.txt"
    wrapper = bin_dir / "ffmpeg"
    # The last argument of an encode is its output (.part); one appended line per run.
    wrapper.write_text(
        "#!/bin/sh\n"
        f'for last; do :; done; echo "$$ $last" >> "{runs}"\n'
        f'exec "{REAL_FFMPEG}" "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    raw_root, output_root = tmp_path / "raw", tmp_path / "out"
    config = tmp_path / "config.toml"
    config.write_text(
        f'raw_root = "{raw_root}"\noutput_root = "{output_root}"\n' + TINY_PROFILE,
        encoding="utf-8",
    )
    return Rig(db_url, tmp_path, raw_root, output_root, config, runs, bin_dir)


def add_talks(
    session: Session,
    rig: Rig,
    clip: Path,
    count: int,
    *,
    rooms: int = 2,
    max_attempts: int = queue.DEFAULT_MAX_ATTEMPTS,
    profile: str = "tiny",
    seconds: float = 1.5,
) -> list[int]:
    """`count` talks, each cut from its own raw file (a link to `clip`), queued for encoding."""
    catalog.add_client(session, "conf", "Conf")
    show = catalog.add_show(session, "conf", "conf_2026", "Conf 2026")
    day = datetime(2026, 3, 1, 9, 0)
    room_list = [catalog.add_room(session, show, f"room{r}") for r in range(rooms)]
    ids = []
    for i in range(count):
        room = room_list[i % rooms]
        start = day + timedelta(minutes=10 * i)
        filename = f"{start:%Y-%m-%d}/{start:%H_%M_%S}{clip.suffix}"
        target = rig.raw_root / "conf" / "conf_2026" / "dv" / room.slug / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(clip)
        raw = RawFile(
            show=show,
            location=room,
            filename=filename,
            start=start,
            duration=seconds + 0.5,
            filesize=clip.stat().st_size,
        )
        session.add(raw)
        episode = add_episode(
            session,
            show,
            f"Talk {i}: “quotes”, colons & 🎥",
            room=room,
            start=start,
            duration=seconds,
        )
        episode.cuts.append(Cut(raw_file=raw, sequence=1, start=0.0, end=seconds))
        session.flush()
        set_state(session, episode, "encode", "editor@rig")
        job = queue.enqueue(session, episode, profile, max_attempts=max_attempts)
        ids.append(job.id)
    session.commit()
    return ids
