"""Workflow: State (with an optional command template), a show's pipeline, Log, User, EncodeJob."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veyedesk.model.base import Base, HasUuid
from veyedesk.model.kinds import JobKind, JobStatus, LogKind

if TYPE_CHECKING:
    from veyedesk.model.episode import Episode


class State(Base):
    """A workflow step; with `command` set, workers run it for episodes in this state."""

    __tablename__ = "state"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(30), unique=True)
    sequence: Mapped[int] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Argument template such as `rsync {output} host:/videos/` (split, never run by a shell).
    command: Mapped[str | None] = mapped_column(Text, default=None)

    def __repr__(self) -> str:
        return f"<State {self.sequence} {self.slug}>"


class ShowState(Base):
    """How one show runs one state: its kind, its command, whether it is public.

    A show has a row only for the states an admin changed (`veyedesk pipeline set`); the
    others follow `model.pipeline`'s defaults, so a new show works out of the box.
    """

    __tablename__ = "show_state"
    __table_args__ = (UniqueConstraint("show_id", "state_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("show.id", ondelete="CASCADE"), index=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # model.pipeline.StateKind
    # The template workers run when kind is command (see jobs.commands).
    command: Mapped[str | None] = mapped_column(Text, default=None)
    public: Mapped[bool] = mapped_column(default=False)
    # When kind is publish: what it does (model.pipeline.PublishAction) and on which of
    # the show's targets (names, comma-separated; blank = the action's default targets).
    publish_action: Mapped[str | None] = mapped_column(String(20), default=None)
    publish_targets: Mapped[str | None] = mapped_column(Text, default=None)

    state: Mapped[State] = relationship()


class PipelineSettings(Base):
    """A show's release and review settings (one row per show that changed a default)."""

    __tablename__ = "pipeline_settings"

    show_id: Mapped[int] = mapped_column(
        ForeignKey("show.id", ondelete="CASCADE"), primary_key=True
    )
    # Blanket consent: talks whose speaker was never asked publish like released = Yes.
    unknown_publishes: Mapped[bool] = mapped_column(default=False)
    # Review 2 approves itself after this many days without a word (None = never).
    review_timeout_days: Mapped[int | None] = mapped_column(default=None)


class ReleaseHold(Base):
    """A talk stopped before a public state because of its `released` (one per talk).

    It stays in the state it is in; `state_id` is the public state it would enter. Setting
    released = Yes resumes it (`jobs.pipeline.resume`); a talk that moves any other way
    drops its hold.
    """

    __tablename__ = "release_hold"

    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True
    )
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(10))  # model.pipeline.HoldReason
    since: Mapped[datetime | None] = mapped_column(default=None)

    state: Mapped[State] = relationship()


class Log(HasUuid, Base):
    """One row for every state change and every job run of an episode."""

    __tablename__ = "log"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    state_id: Mapped[int | None] = mapped_column(
        ForeignKey("state.id", ondelete="SET NULL"), default=None
    )
    ready: Mapped[datetime | None] = mapped_column(default=None)
    start: Mapped[datetime | None] = mapped_column(default=None)
    end: Mapped[datetime | None] = mapped_column(default=None)
    user: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=LogKind.NOTE, server_default="note")

    episode: Mapped[Episode] = relationship(back_populates="logs")
    state: Mapped[State | None] = relationship()


class User(Base):
    """A login; passwords are kept only as a salted scrypt hash."""

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    # Deferred: loading a user never reads it, since a database login restricted by
    # `veyedesk db roles` may not (services.admin.users checks passwords without it).
    password_hash: Mapped[str] = mapped_column(String(300), deferred=True)
    active: Mapped[bool] = mapped_column(default=True)
    created: Mapped[datetime | None] = mapped_column(default=None)


class EncodeJob(Base):
    """A unit of work for a worker: encode an episode with a profile, or run a state command."""

    __tablename__ = "encode_job"
    __table_args__ = (
        # At most one live job per (episode, kind, profile): re-queueing replaces, never
        # duplicates. A command job's profile is its state's slug. Sub-jobs of a chunked
        # encode share their parent's profile and are unique by (parent, kind, index).
        Index(
            "uq_encode_job_live",
            "episode_id",
            "kind",
            "profile",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running') AND parent_id IS NULL"),
            postgresql_where=text("status IN ('queued', 'running') AND parent_id IS NULL"),
        ),
        Index("uq_encode_job_chunk", "parent_id", "kind", "chunk_index", unique=True),
        Index("ix_encode_job_claim", "status", "priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(
        ForeignKey("episode.id", ondelete="CASCADE"), index=True
    )
    profile: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20), default=JobKind.ENCODE)
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    priority: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    worker_id: Mapped[str] = mapped_column(String(200), default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    progress: Mapped[float] = mapped_column(default=0.0)
    speed: Mapped[float | None] = mapped_column(default=None)
    eta_seconds: Mapped[float | None] = mapped_column(default=None)
    output_path: Mapped[str] = mapped_column(String(1000), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    # The PostgreSQL login that claimed the running job, written by a trigger `veyedesk db
    # roles` installs (db.roles), never by veyedesk itself: row-level security lets a
    # worker login change only the jobs it holds. Blank on SQLite.
    held_by: Mapped[str] = mapped_column(String(63), default="", server_default="")
    # A long talk's encode split across workers (JobKind.CHUNK / AUDIO): the encode job it
    # is part of, and which piece of the video (0 for the audio). None for every other job.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("encode_job.id", ondelete="CASCADE"), default=None
    )
    chunk_index: Mapped[int | None] = mapped_column(default=None)

    episode: Mapped[Episode] = relationship()
