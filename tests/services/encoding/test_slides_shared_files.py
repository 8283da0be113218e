"""Title images and templates are found on every machine through one resolver (issue 19 item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.support.factory import make_show
from veyedesk.services.encoding.slides import credits_template, title_template
from veyedesk.services.errors import InvalidInput


def test_a_title_image_set_on_one_machine_is_found_on_a_worker_with_another_root(
    session: Session, tmp_path: Path
) -> None:
    fixture = make_show(session, rooms=1, talks_per_room=1)
    episode = fixture.episodes[0]
    worker_root = tmp_path / "worker-mount"
    (worker_root / "pyconf" / "titles").mkdir(parents=True)
    (worker_root / "pyconf" / "titles" / "own.svg").write_text("<svg/>")
    (worker_root / "pyconf" / "credits.svg").write_text("<svg/>")
    episode.title_image = "pyconf/titles/own.svg"  # as the editor stored it (relative)
    fixture.client.credits = "pyconf/credits.svg"
    session.flush()
    found = title_template(episode, root=str(worker_root))
    assert found == worker_root / "pyconf" / "titles" / "own.svg"
    assert (
        credits_template(episode, root=str(worker_root)) == worker_root / "pyconf" / "credits.svg"
    )


def test_a_stored_path_that_leaves_the_root_is_refused_with_the_talk_named(
    session: Session, tmp_path: Path
) -> None:
    episode = make_show(session, rooms=1, talks_per_room=1).episodes[0]
    episode.title_image = "../../etc/secret.svg"
    with pytest.raises(InvalidInput, match=r"title image: .*leaves the shared files folder"):
        title_template(episode, root=str(tmp_path))
