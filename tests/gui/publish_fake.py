"""TEMPORARY in-memory stand-in for services.publishing's target and publication names.

The pubgui branch was written while pubcore wrote the real services (add_target,
set_target, remove_target, list_targets, episode_publications on the publishing face, and
veyedesk.publish.secrets.has_secret). Until both branches meet, the GUI tests install this
fake on the face. Once pubcore is merged: delete this module and give the tests real
targets in the database (and a real secrets store) instead.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from veyedesk.services import publishing
from veyedesk.services.errors import InvalidInput
from veyedesk.services.identity import Identity


@dataclass
class TargetRow:
    id: int
    name: str
    kind: str
    options: dict[str, str]


@dataclass
class PublicationRow:
    target: str
    kind: str
    status: str
    privacy: str
    host_url: str
    public_url: str
    error: str
    updated: datetime | None


@dataclass
class FakePublishing:
    targets: dict[int, list[TargetRow]] = field(default_factory=dict)  # show id -> targets
    publications: dict[int, list[PublicationRow]] = field(default_factory=dict)  # episode id
    secrets: set[str] = field(default_factory=set)  # target names with a secret here
    calls: list[str] = field(default_factory=list)

    def add_target(
        self, session: Any, who: Identity, show_id: int, name: str, kind: str, options: dict
    ) -> TargetRow:
        who.require("admin")
        rows = self.targets.setdefault(show_id, [])
        if any(r.name == name for r in rows):
            raise InvalidInput(f"the show already has a publish target {name!r}; pick another")
        row = TargetRow(len(rows) + 1, name, str(kind), dict(options))
        rows.append(row)
        self.calls.append(f"add {name}")
        return row

    def set_target(
        self, session: Any, who: Identity, show_id: int, name: str, options: dict
    ) -> TargetRow:
        who.require("admin")
        row = next(r for r in self.targets.get(show_id, []) if r.name == name)
        row.options = dict(options)
        self.calls.append(f"set {name}")
        return row

    def remove_target(self, session: Any, who: Identity, show_id: int, name: str) -> None:
        who.require("admin")
        self.targets[show_id] = [r for r in self.targets.get(show_id, []) if r.name != name]
        self.calls.append(f"remove {name}")

    def list_targets(self, session: Any, show_id: int) -> list[TargetRow]:
        return [
            TargetRow(r.id, r.name, r.kind, dict(r.options)) for r in self.targets.get(show_id, [])
        ]

    def episode_publications(self, session: Any, episode_id: int) -> list[PublicationRow]:
        self.calls.append(f"publications {episode_id}")
        return list(self.publications.get(episode_id, []))

    def has_secret(self, name: str) -> bool:
        return name in self.secrets


@pytest.fixture
def fake_publishing(monkeypatch: pytest.MonkeyPatch) -> FakePublishing:
    fake = FakePublishing()
    for name in ("add_target", "set_target", "remove_target", "list_targets"):
        monkeypatch.setattr(publishing, name, getattr(fake, name), raising=False)
    monkeypatch.setattr(
        publishing, "episode_publications", fake.episode_publications, raising=False
    )
    try:
        import veyedesk.publish.secrets as secrets
    except ModuleNotFoundError:
        secrets = types.ModuleType("veyedesk.publish.secrets")
        monkeypatch.setitem(sys.modules, "veyedesk.publish.secrets", secrets)
    monkeypatch.setattr(secrets, "has_secret", fake.has_secret, raising=False)
    return fake
