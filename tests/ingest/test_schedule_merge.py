from datetime import datetime

from veyedesk.ingest.records import EventRecord, Schedule
from veyedesk.ingest.schedule_merge import Existing, plan_merge

T = datetime(2026, 2, 1, 10)


def rec(key: str, name: str, start: datetime = T) -> EventRecord:
    return EventRecord(conf_key=key, name=name, room="hall", start=start, duration=1800.0)


def existing(key: str, values: dict, imported: dict | None = None, edited=()) -> Existing:
    base = {"name": "A", "room": "hall", "start": T.isoformat(), "duration": 1800.0}
    base.update(values)
    return Existing(1, key, base["name"], base, imported if imported is not None else dict(base),
                    frozenset(edited))  # fmt: skip


def test_added_changed_vanished_unchanged() -> None:
    schedule = Schedule("s", "x", events=[rec("k1", "A"), rec("k2", "B"), rec("k3", "C")])
    plan = plan_merge(schedule, [existing("k1", {}), existing("k2", {"name": "old"}),
                                 existing("k9", {})])  # fmt: skip
    assert [r.conf_key for r in plan.added] == ["k3"]
    assert [(c.field, c.old, c.new) for c in plan.changed[0].changes] == [("name", "old", "B")]
    assert [e.conf_key for e in plan.vanished] == ["k9"] and plan.unchanged == 1
    assert plan.lines()[-1] == (
        "1 added, 1 changed, 0 kept because edited, 1 vanished, 1 unchanged"
    )


def test_edits_are_detected_by_list_or_by_difference_from_the_last_import() -> None:
    listed = existing("k1", {"name": "Mine"}, edited=["name"])
    drifted = existing("k2", {"name": "Mine"}, imported={"name": "Theirs"})
    schedule = Schedule("s", "x", events=[rec("k1", "New"), rec("k2", "New")])
    plan = plan_merge(schedule, [listed, drifted])
    assert [[c.field for c in p.kept] for p in plan.kept] == [["name"], ["name"]]
    assert not plan.changed
    # The schedule's new value becomes the baseline, so the edit is still seen next time.
    assert plan.kept[1].imported["name"] == "New"
    forced = plan_merge(schedule, [listed, drifted], overwrite_edited=True)
    assert len(forced.changed) == 2 and not forced.kept


def test_fields_the_schedule_does_not_give_are_left_alone() -> None:
    ex = existing("k1", {"authors": "Ann", "name": "A"})
    plan = plan_merge(Schedule("s", "x", events=[rec("k1", "A")]), [ex])
    assert plan.is_noop


def test_edited_field_aliases() -> None:
    from veyedesk.ingest.schedule_merge import edited_names

    assert edited_names(["location", "end", "name"]) == {"room", "duration", "name"}
    assert edited_names(None) == frozenset() and edited_names("name") == frozenset()
