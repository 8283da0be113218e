"""One typed settings object: defaults < TOML file < VEYEDESK_* environment < command-line flags.

Every scalar setting `name` can be set by the env var `VEYEDESK_<NAME>` (the database URL by
`VEYEDESK_DB`). Encode profiles are tables in the TOML file (`[profiles.mp4]`).
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import platformdirs

from veyedesk.errors import UserError

APP = "veyedesk"


class ConfigError(UserError, ValueError):
    """The config file or an override cannot be used; the message names the key and file."""


def data_dir() -> Path:
    """Per-user data folder (default database, caches of peaks and thumbnails, demo media).

    Raises ConfigError when it can never be a folder (XDG_DATA_HOME=/dev/null, a file).
    """
    folder = Path(os.environ.get("VEYEDESK_DATA_DIR") or platformdirs.user_data_dir(APP))
    # The nearest part that exists must be a folder, or every later mkdir fails somewhere
    # far from the setting that caused it.
    existing = next((part for part in (folder, *folder.parents) if part.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "VEYEDESK_DATA_DIR" if os.environ.get("VEYEDESK_DATA_DIR") else "XDG_DATA_HOME"
        raise ConfigError(
            f"the data folder {folder} cannot be made: {existing} is not a folder; "
            f"set {where} to a folder you can write"
        )
    return folder


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
    # os.uname where there is one: the socket module costs every start-up its import.
    if hasattr(os, "uname"):
        return f"{name}@{os.uname().nodename}"
    import socket

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


DEFAULT_STATEMENT_TIMEOUT = 60.0  # seconds; no shorter than a worker's lease (jobs.defaults)


@dataclass(frozen=True)
class Settings:
    """Effective settings; build with `load_settings()`."""

    db: str = ""
    raw_root: str = ""
    output_root: str = ""
    # Where files named by shared rows are (thumbnails, title images, title/credits
    # templates: model.shared_files); blank = raw_root. See `files_root`.
    assets_root: str = ""
    user: str = ""
    password: str = dataclasses.field(default="", repr=False)
    lock_stale_minutes: int = 120
    title_seconds: float = 5.0
    credits_seconds: float = 4.0
    # A talk whose encode lasts longer than this many minutes is encoded as video chunks
    # (of at most half that) that several workers take at once (services.encoding.chunked
    # and encode.chunks.chunk_count); 0 = never split.
    chunk_minutes: float = 20.0
    default_profile: str = "mp4"
    # Programs this machine's worker may run for state commands (argv[0], by name or path);
    # a database row never widens it: see jobs.commands.
    worker_commands: tuple[str, ...] = ()
    command_timeout_seconds: float = 3600.0
    # The longest one PostgreSQL statement may run (0 = no limit); see db.engine.
    db_statement_timeout_seconds: float = DEFAULT_STATEMENT_TIMEOUT
    profiles: Mapping[str, EncodeProfile] = field(default_factory=lambda: dict(DEFAULT_PROFILES))
    source: str = ""  # the config file that was read, or "" when there was none
    # A venue folder (`veyedesk --venue DIR`): its venue.db is the database and its
    # assets manifest, if any, says where the raw files' media is (media.locator).
    venue: str = ""

    @property
    def files_root(self) -> str:
        """The root that shared rows' file paths are relative to on this machine."""
        return self.assets_root or self.raw_root

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
    "assets_root": str,
    "user": str,
    "password": str,
    "lock_stale_minutes": int,
    "title_seconds": float,
    "credits_seconds": float,
    "chunk_minutes": float,
    "default_profile": str,
    "command_timeout_seconds": float,
    "db_statement_timeout_seconds": float,
    "venue": str,
}
# List settings: a TOML array of strings, or env `VEYEDESK_<NAME>` split like PATH.
LISTS: tuple[str, ...] = ("worker_commands",)


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


def _list(name: str, value: Any, origin: str) -> tuple[str, ...]:
    if isinstance(value, str):  # from the environment: separated like PATH
        return tuple(item for item in value.split(os.pathsep) if item)
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise ConfigError(f'{origin}: {name} must be a list of names, e.g. {name} = ["rsync"]')
    return tuple(value)


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
        import tomllib  # only with a settings file: most launches and tests have none

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
            elif key in LISTS:
                values[key] = _list(key, value, str(path))
            else:
                known = ", ".join((*SCALARS, *LISTS))
                raise ConfigError(f"{path}: unknown setting {key!r}; known: {known}")
    for key in LISTS:
        env_value = env.get(f"VEYEDESK_{key.upper()}")
        if env_value not in (None, ""):
            values[key] = _list(key, env_value, f"VEYEDESK_{key.upper()}")
    for key in SCALARS:
        env_value = env.get(f"VEYEDESK_{key.upper()}")
        if env_value not in (None, ""):
            values[key] = _coerce(key, env_value, f"VEYEDESK_{key.upper()}")
    for key, value in (flags or {}).items():
        if value is not None:
            values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
    if values.get("venue"):
        values.update(_venue_overrides(values, flags or {}))
    settings = Settings(**values, profiles=profiles, source=source)
    return dataclasses.replace(
        settings,
        db=settings.db or f"sqlite:///{data_dir() / 'veyedesk.db'}",
        output_root=settings.output_root or str(data_dir() / "output"),
        user=settings.user or default_user(),
    )


VENUE_FILES = "files"  # a venue folder's copy of the shared files root (model.shared_files)


def venue_db_url(folder: Path) -> str:
    """The database of a venue folder: `<folder>/venue.db` (SQLite)."""
    return f"sqlite:///{folder / 'venue.db'}"


def _venue_overrides(values: Mapping[str, Any], flags: Mapping[str, Any]) -> dict[str, Any]:
    """A venue folder replaces the database and, unless set, the output folder."""
    folder = Path(str(values["venue"])).expanduser().resolve()
    if flags.get("db") and flags.get("venue"):
        raise ConfigError(
            "--venue DIR and --db URL both name a database; give one (--venue uses DIR/venue.db)"
        )
    if not folder.is_dir():
        raise ConfigError(
            f"venue folder {folder} does not exist; make one with `veyedesk assets` or "
            "`veyedesk venue checkout`"
        )
    out: dict[str, Any] = {"venue": str(folder), "db": venue_db_url(folder)}
    if (folder / VENUE_FILES).is_dir():
        # An assets kit carries the talks' title images and thumbnails under files/, at
        # the paths the rows store relative to the shared files root.
        out["assets_root"] = str(folder / VENUE_FILES)
    if not values.get("output_root"):
        # Encodes made offline stay with the folder they were made from.
        out["output_root"] = str(folder / "output")
    return out


def venue_settings(settings: Settings, folder: Path | str) -> Settings:
    """`settings` working on a venue or assets folder (what `--venue DIR` gives)."""
    values = {"venue": str(folder), "output_root": ""}
    return dataclasses.replace(settings, **_venue_overrides(values, {}))


# A query or keyword parameter whose name says it holds a secret (password, sslpassword, ...).
_SECRET_NAME = re.compile(r"pass|pwd|secret|token", re.IGNORECASE)
# A secret's value runs to the next `key=` (a malformed password may hold `&`, `#` or
# spaces): in a URL up to `&key=`, in a libpq keyword string (`host=h password=x`) up to
# ` key=`, or it is single-quoted with backslash escapes.
_URL_PARAM = re.compile(r"(?P<key>[^\s=&?;#/]+)(?P<eq>\s*=\s*)(?P<value>(?:[^&]|&(?![^&=]*=))*)")
_KEYWORD_PARAM = re.compile(
    r"(?P<key>[^\s=']+)(?P<eq>\s*=\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'?|(?:\\.|[^\s\\]|\s+(?=[^\s=]+(?![^\s=]|\s*=)))*)"
)


def _mask_params(text: str, pattern: re.Pattern[str]) -> str:
    def mask(match: re.Match[str]) -> str:
        if _SECRET_NAME.search(unquote(match["key"])):
            return f"{match['key']}{match['eq']}***"
        return match[0]

    return pattern.sub(mask, text)


def mask_url(url: str) -> str:
    """`url` with every password replaced by `***`, whether or not the URL is well formed.

    Covers `user:password@` (the password may hold unescaped `@`, `/` or `:` in a malformed
    URL: everything up to the last `@` is masked), `?password=` and other secret-named
    parameters, a libpq keyword string (`host=h password='x y'`), and `user:password` with
    the host forgotten. It never parses the URL, so nothing can fail on the way and leak
    the text as it was; when in doubt it masks too much.
    """
    scheme_end = url.find("://")
    if scheme_end < 0:
        if "=" not in url:  # garbage, perhaps a password pasted in the wrong place
            return "***" if url else ""
        return _mask_params(url, _KEYWORD_PARAM)  # a libpq keyword string
    start = scheme_end + 3
    text = url
    at = text.rfind("@", start)
    if at >= 0:
        userinfo = text[start:at]
        colon = userinfo.find(":")
        if colon >= 0 and not userinfo.startswith("/"):
            text = f"{text[:start]}{userinfo[:colon]}:***{text[at:]}"
    else:
        authority = re.match(r"[^/]*", text[start:])
        assert authority is not None  # the pattern matches the empty string
        host, sep, port = authority[0].partition(":")
        if sep and not port.isdigit() and not authority[0].startswith("["):
            # `user:password/db`, the host forgotten: what follows `:` is no port number.
            text = f"{text[:start]}{host}:***{text[start + len(authority[0]) :]}"
    query = text.find("?", start)
    if query >= 0:
        text = text[: query + 1] + _mask_params(text[query + 1 :], _URL_PARAM)
    return text


_URL_IN_TEXT = re.compile(r"[A-Za-z][\w+.-]*://\S*")


def mask_text(text: str) -> str:
    """A message (a driver's error, say) with the passwords of URLs and `password=` masked."""
    return _mask_params(_URL_IN_TEXT.sub(lambda m: mask_url(m[0]), text), _KEYWORD_PARAM)


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
    for key in LISTS:
        out[key] = list(getattr(settings, key))
    out["config_file"] = settings.source or f"{config_file()} (not present)"
    out["data_dir"] = str(data_dir())
    out["profiles"] = {name: dataclasses.asdict(p) for name, p in settings.profiles.items()}
    return out
