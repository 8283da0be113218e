from pathlib import Path

import pytest

from veyedesk.media.probe import MediaError, probe


def test_probe_reads_generated_clips(clips: dict[str, Path]) -> None:
    dv = probe(clips["dv"])
    assert dv.duration == pytest.approx(5.0, abs=0.05)
    assert dv.video is not None and (dv.video.width, dv.video.height) == (720, 576)
    assert dv.video.fps == pytest.approx(25.0)
    assert dv.interlaced
    assert dv.audio is not None and dv.audio.channels == 2
    mp4 = probe(clips["mp4"])
    assert mp4.video is not None and mp4.video.codec == "h264"
    assert not mp4.interlaced


def test_bad_files_are_named(tmp_path: Path) -> None:
    empty = tmp_path / "10_00_00.dv"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="0 bytes"):
        probe(empty)
    junk = tmp_path / "-odd name: 'x'.dv"
    junk.write_bytes(b"not video at all" * 100)
    with pytest.raises(MediaError, match="not a readable media file") as info:
        probe(junk)
    assert str(junk) in str(info.value)
    with pytest.raises(MediaError, match="cannot read"):
        probe(tmp_path / "missing.dv")
