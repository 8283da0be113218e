"""One typed settings object: defaults < TOML file < VEYEDESK_* environment < command-line flags.

Every scalar setting `name` can be set by the env var `VEYEDESK_<NAME>` (the database URL by
`VEYEDESK_DB`). Encode profiles are tables in the TOML file (`[profiles.mp4]`).
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import platformdirs

from veyedesk.errors import UserError

APP = "veyedesk"


class ConfigError(UserError, ValueError):
    """The config file or an override cannot be used; the message names the key and file."""


def data_dir() -> Path:
    """Per-user data folder (default database, caches of peaks and thumbnails, demo media)."""
    return Path(os.environ.get("VEYEDESK_DATA_DIR") or platformdirs.user_data_dir(APP))


def config_file() -> Path:
    """Per-user config file; `VEYEDESK_CONFIG` points elsewhere."""
    env = os.environ.get("VEYEDESK_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP)) / "config.toml"


def default_user() -> str:
    """`user@host`, the identity used when the database has no users."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "editor"
    return f"{name}@{socket.gethostname()}"


@dataclass(frozen=True)
class EncodeProfile:
    """How one kind of published file is made (container, codecs, size, rate)."""

    name: str
    ext: str
    width: int
    height: int
    fps: float
    vcodec: str
    acodec: str
    video_options: tuple[str, ...] = ()
    audio_options: tuple[str, ...] = ()
    muxer_options: tuple[str, ...] = ()
    loudness_target: float = -16.0


# Presets chosen for 2-core laptops: x264 veryfast/crf 23 encodes 720p faster than realtime.
DEFAULT_PROFILES: dict[str, EncodeProfile] = {
    "mp4": EncodeProfile(
        name="mp4",
        ext="mp4",
        width=1280,
        height=720,
        fps=25.0,
        vcodec="libx264",
        acodec="aac",
        video_options=("-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"),
        audio_options=("-b:a", "160k", "-ar", "48000"),
        muxer_options=("-movflags", "+faststart"),
    ),
    "webm": EncodeProfile(
        name="webm",
        ext="webm",
        width=1280,
        height=720,
        fps=25.0,
        vcodec="libvpx-vp9",
        acodec="libopus",
        video_options=(
            "-deadline",
            "good",
            "-cpu-used",
            "5",
            "-row-mt",
            "1",
            "-crf",
            "34",
            "-b:v",
            "0",
            "-pix_fmt",
            "yuv420p",
        ),
        audio_options=("-b:a", "128k", "-ar", "48000"),
    ),
}


@dataclass(frozen=True)
class Settings:
    """Effective settings; build with `load_settings()`."""

    db: str = ""
    raw_root: str = ""
    output_root: str = ""
    user: str = ""
    password: str = dataclasses.field(default="", repr=False)
    lock_stale_minutes: int = 120
    title_seconds: float = 5.0
    credits_seconds: float = 4.0
    default_profile: str = "mp4"
    profiles: Mapping[str, EncodeProfile] = field(default_factory=lambda: dict(DEFAULT_PROFILES))
    source: str = ""  # the config file that was read, or "" when there was none

    def profile(self, name: str | None = None) -> EncodeProfile:
        """The named encode profile (default profile when None)."""
        key = name or self.default_profile
        try:
            return self.profiles[key]
        except KeyError:
            known = ", ".join(sorted(self.profiles))
            raise ConfigError(f"no encode profile {key!r}; known profiles: {known}") from None


# The scalar settings and their types; each also reads env `VEYEDESK_<NAME>`.
SCALARS: dict[str, type] = {
    "db": str,
    "raw_root": str,
    "output_root": str,
    "user": str,
    "password": str,
    "lock_stale_minutes": int,
    "title_seconds": float,
    "credits_seconds": float,
    "default_profile": str,
}


def _coerce(name: str, value: Any, origin: str) -> Any:
    kind = SCALARS[name]
    try:
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        wanted = {int: "a whole number", float: "a number"}.get(kind, "text")
        raise ConfigError(f"{origin}: {name} must be {wanted}, got {value!r}") from None


def _profiles_from(table: Any, origin: str) -> dict[str, EncodeProfile]:
    profiles = dict(DEFAULT_PROFILES)
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [profiles] must be a table of tables")
    known = {f.name for f in dataclasses.fields(EncodeProfile)}
    for name, spec in table.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{origin}: [profiles.{name}] must be a table")
        unknown = set(spec) - known
        if unknown:
            raise ConfigError(f"{origin}: [profiles.{name}] has unknown keys {sorted(unknown)}")
        base = dataclasses.asdict(profiles.get(name, DEFAULT_PROFILES["mp4"]))
        base.update(spec, name=name)
        for key in ("video_options", "audio_options", "muxer_options"):
            base[key] = tuple(str(x) for x in base[key])
        try:
            profiles[name] = EncodeProfile(**base)
        except TypeError as exc:
            raise ConfigError(f"{origin}: [profiles.{name}]: {exc}") from None
    return profiles


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> Settings:
    """Merge defaults, the TOML file, `VEYEDESK_*` variables and flags (flags win)."""
    env = os.environ if env is None else env
    path = path or config_file()
    values: dict[str, Any] = {}
    profiles = dict(DEFAULT_PROFILES)
    source = ""
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}); fix or delete the file") from None
        source = str(path)
        for key, value in data.items():
            if key == "profiles":
                profiles = _profiles_from(value, str(path))
            elif key in SCALARS:
                values[key] = _coerce(key, value, str(path))
            else:
                raise ConfigError(f"{path}: unknown setting {key!r}; known: {', '.join(SCALARS)}")
    for key in SCALARS:
        env_value = env.get(f"VEYEDESK_{key.upper()}")
        if env_value not in (None, ""):
            values[key] = _coerce(key, env_value, f"VEYEDESK_{key.upper()}")
    for key, value in (flags or {}).items():
        if value is not None:
            values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
    settings = Settings(**values, profiles=profiles, source=source)
    return dataclasses.replace(
        settings,
        db=settings.db or f"sqlite:///{data_dir() / 'veyedesk.db'}",
        output_root=settings.output_root or str(data_dir() / "output"),
        user=settings.user or default_user(),
    )


def mask_url(url: str) -> str:
    """The URL with any password replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    userinfo = f"{parts.username}:***" if parts.username else ":***"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def describe(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data for `config show`, secrets masked."""
    out: dict[str, Any] = {}
    for key in SCALARS:
        value = getattr(settings, key)
        if key == "password":
            value = "***" if value else ""
        elif key == "db":
            value = mask_url(value)
        out[key] = value
    out["config_file"] = settings.source or f"{config_file()} (not present)"
    out["data_dir"] = str(data_dir())
    out["profiles"] = {name: dataclasses.asdict(p) for name, p in settings.profiles.items()}
    return out
