"""Importers never crash on junk: random bytes, mutated real files, odd JSON values.

Every failure must be a ScheduleError (or MarksError) whose message names the file;
anything else (a traceback for the user) fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.schedules import frab_xml, pentabarf_xml, pretalx_json
from veyedesk.ingest.marks import parse_marks
from veyedesk.ingest.records import ScheduleError
from veyedesk.ingest.schedule import FORMATS, read_schedule

CSV = (
    "name,room,start,duration,authors,emails,description,conf_key\n"
    '"Talk, “quoted”",Main Hall,2026-03-01 10:00,00:30:00,Ann,ann@x.org,"a\nb",k1\n'
    "Second,Main Hall,2026-03-01T11:00:00+02:00,1800,Bob,,,\n"
).encode()
VEYEPAR = json.dumps(
    [
        {
            "id": 7, "state": 5, "location": "Main Hall", "sequence": 3, "name": "Old talk",
            "slug": "Old_talk", "authors": "Carl", "emails": "", "description": "d",
            "start": "2019-07-01T10:00:00", "duration": "00:25:00", "released": True,
            "license": "CC BY-SA", "tags": "python", "conf_key": "", "conf_url": "",
            "host_url": "", "public_url": "", "comment": "",
        }
    ]
).encode()  # fmt: skip
SAMPLES = {
    "frab-xml": frab_xml(),
    "pentabarf": pentabarf_xml(),
    "frab-json": pretalx_json(),
    "csv": CSV,
    "veyepar-json": VEYEPAR,
}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# The one error a damaged schedule may raise: a ScheduleError whose first words name the
# file (not a subclass for something else, not any error that merely mentions a format).
ACCEPTED = (ScheduleError,)


def must_not_crash(data: bytes, fmt: str, source: str = "fuzz.in") -> None:
    try:
        read_schedule(data, source, fmt)
    except ScheduleError as exc:
        assert type(exc) in ACCEPTED, repr(exc)
        assert str(exc).startswith(f"{source}"), str(exc)
        assert "\n" not in str(exc).splitlines()[0]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[name])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cut", "insert", "flip", "truncate", "dup"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        elif kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 300))]
    return name, bytes(data)


@FUZZ
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(FORMATS))
def test_random_bytes_give_clear_errors(data: bytes, fmt: str) -> None:
    must_not_crash(data, fmt)


@FUZZ
@given(case=mutated())
def test_mutated_real_files_give_clear_errors(case: tuple[str, bytes]) -> None:
    name, data = case
    fmt = "frab-xml" if name == "pentabarf" else name
    must_not_crash(data, fmt)
    must_not_crash(data, "auto")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@FUZZ
@given(key=st.sampled_from(["id", "guid", "date", "duration", "title", "persons", "room",
                            "do_not_record", "track", "links", "description"]),
       value=json_values)  # fmt: skip
def test_odd_json_values_in_pretalx_events(key: str, value: Any) -> None:
    doc = json.loads(pretalx_json())
    day = doc["schedule"]["conference"]["days"][0]
    first_room = next(iter(day["rooms"]))
    day["rooms"][first_room][0][key] = value
    must_not_crash(json.dumps(doc).encode(), "frab-json")


@FUZZ
@given(key=st.sampled_from(sorted(json.loads(VEYEPAR)[0])), value=json_values)
def test_odd_json_values_in_veyepar_episodes(key: str, value: Any) -> None:
    doc = json.loads(VEYEPAR)
    doc[0][key] = value
    must_not_crash(json.dumps(doc).encode(), "veyepar-json")


@FUZZ
@given(data=st.binary(max_size=500) | st.text(max_size=300).map(str.encode),
       source=st.sampled_from(["marks.txt", "voctocore.log"]))  # fmt: skip
def test_marks_parser_gives_clear_errors(data: bytes, source: str) -> None:
    try:
        parse_marks(data, source)
    except ScheduleError as exc:
        assert str(exc).startswith(source)


def test_deeply_nested_json_is_refused_cleanly() -> None:
    with pytest.raises(ScheduleError, match=r"fuzz\.in: JSON nested too deeply"):
        read_schedule(b"[" * 100000 + b"]" * 100000, "fuzz.in", "veyepar-json")
