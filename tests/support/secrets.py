"""This machine's secrets in memory, for publisher tests (veyedesk.publish.secrets keeps
them in the keyring or a 0600 file)."""

from __future__ import annotations


class MemorySecrets:
    """`publish.base.Secrets` in a dict; `MemorySecrets("toots", access_token="t")` starts
    with the named target's keys set."""

    def __init__(self, target: str = "", **values: str) -> None:
        self.values: dict[tuple[str, str], str] = {(target, k): v for k, v in values.items()}

    def get(self, target: str, key: str) -> str | None:
        return self.values.get((target, key))

    def set(self, target: str, key: str, value: str) -> None:
        self.values[(target, key)] = value
