"""This machine's secrets for publish targets: the keyring, or a 0600 file.

Passwords, tokens and API keys never go to the shared database (every login reads its
rows); each machine that publishes keeps its own, put there by `veyedesk publish login
TARGET`. They go to the system keyring (Secret Service, macOS Keychain, Windows
Credential Locker) when one works, else to a JSON file only its owner can read under the
per-user config folder (`publish-secrets.json` beside config.toml). `VEYEDESK_SECRETS`
names a file to use instead of the keyring (a headless worker, the tests).

Secrets are keyed by target name and key (`peertube`, `password`): two shows with a
target of the same name on one machine share its secrets.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from pathlib import Path

import platformdirs

from veyedesk.config import APP
from veyedesk.publish.base import PublishError

SERVICE = "veyedesk-publish"
FILE_NAME = "publish-secrets.json"
_lock = threading.Lock()


def secrets_file() -> Path:
    """Where the file fallback lives on this machine."""
    env = os.environ.get("VEYEDESK_SECRETS")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP)) / FILE_NAME


def _usable_keyring() -> object | None:
    """The system keyring when one really stores secrets (not keyring's fail/null backend)."""
    if os.environ.get("VEYEDESK_SECRETS"):
        return None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:  # a broken keyring install is the same as none: use the file
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


class FileSecrets:
    """Secrets in a JSON file readable only by its owner (mode 0600)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or secrets_file()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise PublishError(f"cannot read the secrets file {self.path}: {exc}") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise PublishError(
                f"the secrets file {self.path} is damaged; move it away and run "
                "`veyedesk publish login TARGET` again"
            ) from None
        return data if isinstance(data, dict) else {}

    def get(self, target: str, key: str) -> str | None:
        with _lock:
            value = self._read().get(target, {}).get(key)
        return value if isinstance(value, str) else None

    def set(self, target: str, key: str, value: str) -> None:
        with _lock:
            data = self._read()
            data.setdefault(target, {})[key] = value
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Written 0600 from the start and renamed over the old file: never readable
            # by others, never half-written.
            fd, temp = tempfile.mkstemp(prefix=".secrets-", dir=self.path.parent)
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(data, out, indent=1, sort_keys=True)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise

    def delete(self, target: str) -> None:
        with _lock:
            data = self._read()
        if target in data:
            for key in list(data[target]):
                self.set(target, key, "")


class KeyringSecrets:
    """Secrets in the system keyring (one entry per target and key)."""

    def __init__(self, backend: object) -> None:
        self.backend = backend

    def get(self, target: str, key: str) -> str | None:
        value = self.backend.get_password(SERVICE, f"{target}/{key}")  # type: ignore[attr-defined]
        return value if isinstance(value, str) else None

    def set(self, target: str, key: str, value: str) -> None:
        self.backend.set_password(SERVICE, f"{target}/{key}", value)  # type: ignore[attr-defined]


def machine_secrets() -> KeyringSecrets | FileSecrets:
    """This machine's secrets store: the keyring when it works, else the 0600 file."""
    backend = _usable_keyring()
    return KeyringSecrets(backend) if backend is not None else FileSecrets()


def has_secret(target: str, key: str) -> bool:
    """Whether this machine holds `key` for `target` (the Show settings' Publishing tab)."""
    try:
        return bool(machine_secrets().get(target, key))
    except PublishError:
        return False


def where() -> str:
    """Where this machine keeps secrets, for messages and `publish login`."""
    backend = _usable_keyring()
    if backend is not None:
        return f"the system keyring ({type(backend).__name__})"
    return f"{secrets_file()} (mode 0600)"
