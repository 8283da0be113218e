"""What every publish target is: the metadata it gets, what it gives back, what can fail.

A `Publisher` uploads one verified encode (resumably: the `UploadState` it fills in is
kept with the job, so a worker that dies mid-upload is continued by the next one at the
server's offset), changes a video's privacy, removes it, finds one uploaded before (so a
re-run uploads nothing), and reads back what the platform holds to compare it with the
file. An `Announcer` posts a text. Both are built by `publisher_for(config, secrets)`
from a target's settings (plain, stored per show) and this machine's secrets (never in
the shared database).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from veyedesk.errors import UserError


class TargetKind(StrEnum):
    """The kinds of publish target a show can have."""

    RCLONE = "rclone"
    PEERTUBE = "peertube"
    YOUTUBE = "youtube"
    ARCHIVE = "archive"  # archive.org
    VOCTOWEB = "voctoweb"  # media.ccc.de
    MASTODON = "mastodon"
    WEBHOOK = "webhook"


# What `veyedesk publish login` keeps on a machine for each kind, as alternatives (any one
# complete set will do): the modules below read exactly these keys. rclone keeps its
# credentials in rclone's own config; a webhook may need none.
LOGIN_SECRETS: dict[TargetKind, tuple[tuple[str, ...], ...]] = {
    TargetKind.PEERTUBE: (("access_token",), ("refresh_token",), ("password",)),
    TargetKind.YOUTUBE: (("client_secret", "refresh_token"),),
    TargetKind.ARCHIVE: (("access", "secret"),),
    TargetKind.VOCTOWEB: (("api_key",),),
    TargetKind.MASTODON: (("access_token",),),
    TargetKind.WEBHOOK: (("token",),),
}
# Kinds that cannot work without a secret on the machine that runs them.
NEEDS_LOGIN = frozenset(LOGIN_SECRETS) - {TargetKind.WEBHOOK}

# Targets that hold the video itself (the others announce it).
VIDEO_KINDS = frozenset(
    {
        TargetKind.RCLONE,
        TargetKind.PEERTUBE,
        TargetKind.YOUTUBE,
        TargetKind.ARCHIVE,
        TargetKind.VOCTOWEB,
    }
)


class Privacy(StrEnum):
    """Who can see a published video."""

    UNLISTED = "unlisted"  # Veyepar's *post*: uploaded, reachable by link, not listed
    PUBLIC = "public"  # *make public*
    PRIVATE = "private"  # withdrawn (a speaker who changed their mind)


class PublishError(UserError):
    """A publish step failed; the message names the target and what to do."""


class NeedsLogin(PublishError):
    """This machine has no (valid) secret for the target: `veyedesk publish login TARGET`."""


class Retryable(PublishError):
    """A failure worth trying again later (network cut, 429, 5xx): the job is retried."""


@dataclass(frozen=True)
class Chapter:
    """A chapter mark: seconds into the published file and its title."""

    start: float
    title: str


@dataclass(frozen=True)
class Metadata:
    """Everything a platform is told about one talk, composed once (publish.metadata)."""

    title: str  # already within the platform's limit
    description: str  # plain text: abstract, speakers, conference URL, chapters
    speakers: tuple[str, ...]
    show: str
    tags: tuple[str, ...] = ()
    language: str = ""  # ISO 639-1 when known ("en"), else ""
    licence: str = ""  # e.g. "CC BY 4.0"
    licence_url: str = ""
    recorded: datetime | None = None
    conf_url: str = ""
    chapters: tuple[Chapter, ...] = ()
    thumbnail: Path | None = None
    slug: str = ""  # the talk's file-safe name (object names, item identifiers)
    uuid: str = ""  # the talk's UUID: the key a re-run finds an earlier upload by
    public_url: str = ""  # for announcements: where the talk can be watched


@dataclass
class UploadState:
    """What a resumable upload needs to go on after a crash: kept with the job as JSON."""

    session_url: str = ""  # the server's upload session (PeerTube, YouTube resumable)
    offset: int = 0  # bytes the server has confirmed
    remote_id: str = ""  # set as soon as the platform names the video
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Remote:
    """A video (or object, or post) as the platform holds it."""

    remote_id: str
    host_url: str = ""  # the platform's page for it
    public_url: str = ""  # the file or watch URL for the audience
    privacy: Privacy | None = None
    size: int | None = None  # bytes, when the platform says
    duration: float | None = None  # seconds, when the platform says
    checksum: str = ""  # e.g. "md5:…" or "sha256:…", when the platform says


# bytes sent so far, bytes in all: called from the uploading thread.
Progress = Callable[[int, int], None]


class Publisher(Protocol):
    """A target that holds videos."""

    def find(self, meta: Metadata) -> Remote | None:
        """The video uploaded for this talk before (by `meta.uuid`), or None."""

    def upload(
        self,
        path: Path,
        meta: Metadata,
        privacy: Privacy,
        state: UploadState,
        progress: Progress | None = None,
    ) -> Remote:
        """Upload `path`, continuing `state` if it holds a session; fills `state` as it goes."""

    def set_privacy(self, remote_id: str, privacy: Privacy) -> Remote:
        """Make the video unlisted, public or private."""

    def remove(self, remote_id: str) -> None:
        """Delete the video (a missing one is not an error)."""

    def fetch(self, remote_id: str) -> Remote:
        """What the platform holds now (to verify size, duration, privacy)."""


class Announcer(Protocol):
    """A target that announces (Mastodon, a webhook)."""

    def announce(self, meta: Metadata, text: str) -> Remote:
        """Post `text` about the talk; the Remote names the post."""


@dataclass(frozen=True)
class TargetConfig:
    """A show's publish target: its name, kind and plain settings (no secrets)."""

    name: str
    kind: TargetKind
    options: Mapping[str, str]


class Secrets(Protocol):
    """This machine's secrets for targets (publish.secrets): keyring or a 0600 file."""

    def get(self, target: str, key: str) -> str | None: ...

    def set(self, target: str, key: str, value: str) -> None: ...


# kind -> module under veyedesk.publish with `make(config, secrets) -> Publisher|Announcer`.
MODULES = {kind: kind.value for kind in TargetKind}


def publisher_for(config: TargetConfig, secrets: Secrets) -> Publisher | Announcer:
    """The publisher (or announcer) of `config`'s kind, built from its settings and secrets.

    Modules load on first use: a worker that publishes only with rclone never imports the
    HTTP clients. Raises PublishError for a setting the kind needs and lacks, NeedsLogin for
    a secret this machine lacks.
    """
    module = importlib.import_module(f"veyedesk.publish.{MODULES[config.kind]}")
    made: Publisher | Announcer = module.make(config, secrets)
    return made
