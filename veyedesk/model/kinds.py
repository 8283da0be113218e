"""States of jobs and kinds of jobs and Log rows: data, never sentences searched for words."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """Where a job is in its life; only QUEUED and RUNNING jobs are live."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobKind(StrEnum):
    """What a job does: encode the talk with a profile, or run its state's command."""

    ENCODE = "encode"
    # `profile` then holds the slug of the state whose command runs.
    COMMAND = "command"
    # `profile` holds the slug of the publish state (or model.pipeline.DEPUBLISH_PROFILE).
    PUBLISH = "publish"
    # Sub-jobs of a long talk's encode (`parent_id` names it; `profile` is the parent's):
    # one piece of the video (`chunk_index`), or the whole talk's audio, loudness included.
    CHUNK = "chunk"
    AUDIO = "audio"


class LogKind(StrEnum):
    """What a Log row records, so nobody has to search its text for words."""

    STATE = "state"  # the episode moved to `state`
    ENCODED = "encoded"  # an encode finished and its file was published
    JOB = "job"  # a job's outcome other than a published encode (command, failure, cancel)
    LOCK = "lock"  # a lock was taken over
    REVIEW_OPENED = "review opened"  # a reviewer opened the current encode
    RELEASE = "release"  # held before a public state by `released`, or resumed
    RESULT = "result"  # a state command's results (host_url, public_url…) stored
    BY_MAIL = "by mail"  # a speaker's review answer by mail, recorded on their behalf
    TIMEOUT = "timeout"  # review 2 approved itself after the show's days of silence
    SYNC = "sync"  # a venue copy's sync (or change file) changed the talk on the shared side
    NOTE = "note"  # anything else


LIVE_JOB_STATUSES: tuple[JobStatus, ...] = (JobStatus.QUEUED, JobStatus.RUNNING)
# Kinds that make a talk's encode with a profile: a worker that encodes takes them all.
ENCODE_KINDS: tuple[JobKind, ...] = (JobKind.ENCODE, JobKind.CHUNK, JobKind.AUDIO)


class MarkKind(StrEnum):
    """What a mark in a room says: a talk starts or ends here, or cut the recording here."""

    START = "start"
    END = "end"
    CUT = "cut"
