"""A job row is a request, not a permission: a worker re-checks a command job when it runs.

Anyone who can insert rows into encode_job (a worker login, an editor, a reviewer before
`veyedesk db roles` restricted it) could ask for any state's command on any talk and
point a "done" encode's output_path at any file. The worker runs a state's command only
for a talk that is in that state and whose release allows it, and `{output}` is always
the talk's own encode under the worker's output root (issue 20, item 4).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture, set_state
from veyedesk.config import Settings
from veyedesk.encode.outputs import output_path
from veyedesk.jobs.engine import writer_engine
from veyedesk.jobs.worker import WorkerOptions, default_handlers, run_worker
from veyedesk.model import EncodeJob, Episode, ShowState
from veyedesk.model.kinds import JobKind, JobStatus
from veyedesk.services.episodes import get_state


def _rig(tmp_path: Path) -> tuple[Path, Path, Settings]:
    private = tmp_path / "home" / "secret.mp4"
    private.parent.mkdir()
    private.write_bytes(b"private")
    www = tmp_path / "www"
    www.mkdir()
    settings = Settings(user="w@test", worker_commands=("cp",), output_root=str(tmp_path / "out"))
    return private, www, settings


def _forge(session: Session, episode: Episode, private: Path, www: Path) -> int:
    """The two INSERTs: a fake done encode of a private file, and a queued make-public job."""
    state = get_state(session, "make public")
    session.add(
        ShowState(
            show_id=episode.show_id,
            state_id=state.id,
            kind="command",
            public=True,
            command=f"cp {{output}} {www}/",
        )
    )
    session.add(
        EncodeJob(
            episode_id=episode.id, profile="mp4", status=JobStatus.DONE, output_path=str(private)
        )
    )
    job = EncodeJob(
        episode_id=episode.id, profile="make public", kind=JobKind.COMMAND, status=JobStatus.QUEUED
    )
    session.add(job)
    session.commit()
    return job.id


def _work(db_url: str, settings: Settings) -> None:
    engine = writer_engine(db_url)
    try:
        run_worker(
            engine,
            dataclasses.replace(settings, db=db_url),
            default_handlers(),
            WorkerOptions(once=True, poll_seconds=0.1),
        )
    finally:
        engine.dispose()


def test_a_forged_make_public_job_for_a_talk_in_edit_is_refused_when_it_runs(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    private, www, settings = _rig(tmp_path)
    episode = show.episodes[0]
    assert episode.state is not None and episode.state.slug == "edit" and episode.released is None
    job_id = _forge(session, episode, private, www)

    _work(db_url, settings)

    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None and job.status == JobStatus.FAILED
    assert "is in state 'edit', not 'make public'" in job.error
    assert list(www.iterdir()) == []
    assert episode.public_url == "" and episode.state.slug == "edit"


def test_a_command_job_for_a_talk_moved_past_its_release_hold_is_refused(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    """Moved into a public state by hand (one UPDATE), release Unknown: still not run."""
    private, www, settings = _rig(tmp_path)
    episode = show.episodes[1]
    set_state(session, episode, "make public")
    job_id = _forge(session, episode, private, www)

    _work(db_url, settings)

    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None and job.status == JobStatus.FAILED
    assert "waiting for the speaker's release" in job.error
    assert list(www.iterdir()) == []


def test_output_is_the_talks_own_encode_never_a_job_rows_path(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    private, www, settings = _rig(tmp_path)
    episode = show.episodes[2]
    episode.released = True
    set_state(session, episode, "make public")
    job_id = _forge(session, episode, private, www)

    # No encode of the talk under the output root: the job row's path is not used.
    _work(db_url, settings)
    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None and job.status == JobStatus.FAILED
    assert "no published encode under this worker's output_root" in job.error
    assert list(www.iterdir()) == []

    # The talk's own encode exists: that file is handed over, still not the private one.
    own = output_path(
        settings, show.show.client.slug, show.show.slug, settings.profile("mp4"), episode.slug
    )
    own.parent.mkdir(parents=True)
    own.write_bytes(b"the talk")
    session.expire_all()
    assert episode.state is not None and episode.state.slug == "borked"  # the failed step
    set_state(session, episode, "make public")
    session.add(EncodeJob(episode_id=episode.id, profile="make public", kind=JobKind.COMMAND))
    session.commit()
    _work(db_url, settings)
    assert [p.read_bytes() for p in www.iterdir()] == [b"the talk"]


def test_a_link_in_the_output_root_to_a_private_file_is_not_handed_over(
    db_url: str, session: Session, show: ShowFixture, tmp_path: Path
) -> None:
    private, www, settings = _rig(tmp_path)
    episode = show.episodes[3]
    episode.released = True
    set_state(session, episode, "make public")
    own = output_path(
        settings, show.show.client.slug, show.show.slug, settings.profile("mp4"), episode.slug
    )
    own.parent.mkdir(parents=True)
    own.symlink_to(private)
    job_id = _forge(session, episode, private, www)

    _work(db_url, settings)

    session.expire_all()
    job = session.get(EncodeJob, job_id)
    assert job is not None and job.status == JobStatus.FAILED
    assert list(www.iterdir()) == []
