"""model.chapters: one rule for the encode's chapters, the Facts tab and `veyedesk chapters`."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, strategies as st

from veyedesk.model.chapters import Chapter, chapter_title, chapters, timestamp, youtube_text
from veyedesk.model.cuts import whole_frames


def test_titles_come_from_cut_comments_else_part_n() -> None:
    assert chapter_title("Introduction\nslides start late", 1) == "Introduction"
    assert chapter_title("  \n\t Q&A  session \x00", 3) == "Q&A session"
    assert chapter_title("", 2) == "Part 2"
    assert chapter_title("x" * 150, 1) == "x" * 99 + "…"


def test_the_title_slide_is_in_the_first_chapter_and_credits_in_the_last() -> None:
    got = chapters([600.0, 1200.02, 300.0], ["Intro", "", "Q&A"], 25.0, 5.0, 4.0)
    assert got == [
        Chapter(0.0, 605.0, "Intro"),
        Chapter(605.0, 1805.0, "Part 2"),  # 1200.02 s is 30000.5 frames: rounds to 30000
        Chapter(1805.0, 2109.0, "Q&A"),
    ]
    assert chapters([10.0], ["x"], 25.0) == [Chapter(0.0, 10.0, "x")]
    assert chapters([], [], 25.0, 5.0, 4.0) == []


@given(
    durations=st.lists(st.floats(0.04, 4000.0), min_size=1, max_size=8),
    fps=st.sampled_from([25.0, 30000 / 1001, 50.0]),
    title=st.sampled_from([0.0, 5.0]),
    credits=st.sampled_from([0.0, 4.0]),
)
def test_chapters_tile_the_whole_encode_on_its_frame_grid(
    durations: list[float], fps: float, title: float, credits: float
) -> None:
    got = chapters(durations, [""] * len(durations), fps, title, credits)
    assert got[0].start == 0.0
    assert all(a.end == b.start for a, b in itertools.pairwise(got))
    total = sum(whole_frames(d, fps) for d in durations)
    total += whole_frames(title, fps) + whole_frames(credits, fps)
    assert got[-1].end == pytest.approx(total / fps)
    assert [c.title for c in got] == [f"Part {n}" for n in range(1, len(durations) + 1)]


def test_youtube_text_with_and_without_links() -> None:
    items = [Chapter(0.0, 605.0, "Intro"), Chapter(605.4, 3700.0, "Demo"), Chapter(3700, 3800, "Q")]
    assert youtube_text(items) == "0:00 Intro\n10:05 Demo\n1:01:40 Q\n"
    linked = youtube_text(items, "https://youtu.be/abc")
    assert linked.splitlines()[1] == "10:05 Demo https://youtu.be/abc?t=605"
    query = youtube_text(items, "https://www.youtube.com/watch?v=abc")
    assert query.splitlines()[2] == "1:01:40 Q https://www.youtube.com/watch?v=abc&t=3700"
    assert youtube_text([]) == ""
    assert timestamp(59.999) == "0:59"
