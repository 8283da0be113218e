"""Judge an encoded file before it replaces anything: duration, streams, channels, loudness.

Pure: the caller probes the file (media.probe) and measures its audio
(media.audio_check) and hands the results here, so the rules are tested without ffmpeg
and `encode` stays free of the media package (import-linter keeps the two apart).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from veyedesk.config import EncodeProfile
from veyedesk.encode.run import EncodeFailed

LOUDNESS_TOLERANCE = 1.0  # LU, as EBU R128 practice allows
SAME_CHANNELS_DB = -50.0  # peak of left-right below this = the channels carry the same sound

# ffmpeg encoder name -> the codec name ffprobe reports for its output
CODEC_OF_ENCODER = {
    "libx264": "h264",
    "libx265": "hevc",
    "libvpx-vp9": "vp9",
    "libvpx": "vp8",
    "libaom-av1": "av1",
    "libsvtav1": "av1",
    "aac": "aac",
    "libfdk_aac": "aac",
    "libopus": "opus",
    "opus": "opus",
    "libvorbis": "vorbis",
    "libmp3lame": "mp3",
    "flac": "flac",
}


class VerificationFailed(EncodeFailed):
    """The encoded file is not what was planned; the previous good file was left alone."""


class StreamFacts(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def codec(self) -> str: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...
    @property
    def channels(self) -> int | None: ...


class FileFacts(Protocol):
    """What ffprobe found (media.probe.MediaInfo fits)."""

    @property
    def duration(self) -> float | None: ...
    @property
    def streams(self) -> Sequence[StreamFacts]: ...


class AudioFacts(Protocol):
    """What the audio measure found (media.audio_check.AudioMeasure fits)."""

    @property
    def integrated_lufs(self) -> float | None: ...
    @property
    def channel_difference_db(self) -> float | None: ...
    @property
    def decoded_seconds(self) -> float | None: ...


@dataclass(frozen=True)
class Expectations:
    """What the plan promised about the output."""

    duration: float
    profile: EncodeProfile
    channelcopy: str = ""
    loudness_target: float | None = None

    @property
    def same_channels(self) -> bool:
        """channelcopy m/01/10 put the same sound on both channels."""
        return self.channelcopy in ("m", "01", "10")


def problems(
    facts: FileFacts,
    audio: AudioFacts | None,
    expect: Expectations,
    streams: Mapping[str, float] | None = None,
) -> list[str]:
    """Every way the file differs from the plan (empty = good).

    `streams` is each stream's own length (media.durations): the file's duration is its
    longest stream's, so a video track that stopped early only shows there.
    """
    found: list[str] = []
    profile = expect.profile
    frame = 1.0 / profile.fps
    lengths = [("the file ", facts.duration)]
    lengths += [
        (f"the {kind} stream ", seconds) for kind, seconds in sorted((streams or {}).items())
    ]
    for what, seconds in lengths:
        if seconds is None:
            found.append(f"{what}has no duration (it is probably cut short)")
        elif abs(seconds - expect.duration) > frame + 1e-3:
            found.append(
                f"{what}lasts {seconds:.3f} s but title + cuts + credits make "
                f"{expect.duration:.3f} s (more than one frame apart)"
            )
    video = next((s for s in facts.streams if s.kind == "video"), None)
    audio_stream = next((s for s in facts.streams if s.kind == "audio"), None)
    if video is None:
        found.append("there is no video stream")
    else:
        want = CODEC_OF_ENCODER.get(profile.vcodec)
        if want and video.codec != want:
            found.append(f"the video is {video.codec}, profile {profile.name} makes {want}")
        if (video.width, video.height) != (profile.width, profile.height):
            found.append(
                f"the video is {video.width}x{video.height}, profile {profile.name} makes "
                f"{profile.width}x{profile.height}"
            )
    if audio_stream is None:
        found.append("there is no audio stream")
    else:
        want = CODEC_OF_ENCODER.get(profile.acodec)
        if want and audio_stream.codec != want:
            found.append(f"the audio is {audio_stream.codec}, profile {profile.name} makes {want}")
        if audio_stream.channels != 2:
            found.append(f"the audio has {audio_stream.channels} channels, expected stereo")
    if audio is None and audio_stream is not None:
        found.append("the audio was not measured")
    decoded = audio.decoded_seconds if audio is not None else None
    if decoded is not None and decoded < expect.duration - frame - 1e-3:
        found.append(
            f"only {decoded:.2f} s of the audio decodes, of {expect.duration:.2f} s "
            "(the file is cut short or damaged)"
        )
    if audio is not None and expect.same_channels:
        diff = audio.channel_difference_db
        if diff is not None and diff > SAME_CHANNELS_DB:
            found.append(
                f"channelcopy {expect.channelcopy} should make both channels the same, but "
                f"left minus right peaks at {diff:.1f} dB"
            )
    if audio is not None and expect.loudness_target is not None:
        lufs = audio.integrated_lufs
        if lufs is None or abs(lufs - expect.loudness_target) > LOUDNESS_TOLERANCE:
            shown = "unmeasurable" if lufs is None else f"{lufs:.1f} LUFS"
            found.append(
                f"the loudness is {shown}, target {expect.loudness_target:g} LUFS "
                f"(±{LOUDNESS_TOLERANCE:g} LU)"
            )
    return found


def check(
    name: str,
    facts: FileFacts,
    audio: AudioFacts | None,
    expect: Expectations,
    streams: Mapping[str, float] | None = None,
) -> None:
    """Raise VerificationFailed listing every problem of the file called `name`."""
    found = problems(facts, audio, expect, streams)
    if found:
        raise VerificationFailed(f"{name} was rejected and not published: " + "; ".join(found))
