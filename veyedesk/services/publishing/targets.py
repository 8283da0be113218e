"""A show's publish targets: add, change, remove (admins) and list (anyone).

Options are plain settings (a URL, a channel, an rclone remote); a key that looks like a
secret is refused: secrets live on each machine (`veyedesk publish login NAME`), never
in the shared database every login reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from veyedesk.model import PublishTarget
from veyedesk.publish.base import LOGIN_SECRETS, TargetKind
from veyedesk.services.errors import Conflict, InvalidInput, NotFound
from veyedesk.services.identity import Identity, require_admin

# An option named like a credential (`password`, `client_secret`, `access_token`, `api_key`)
# is refused; a setting that merely mentions one (YouTube's `token_url`) is not.
SECRET_KEYS = re.compile(
    r"(^|_)(password|passwd|secret|token|api_?key|access_?key|secret_?key|key)$", re.IGNORECASE
)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")


@dataclass(frozen=True)
class TargetRow:
    """One target as the Show settings and the CLI list it."""

    id: int
    name: str
    kind: str
    options: dict[str, str]


def _row(target: PublishTarget) -> TargetRow:
    return TargetRow(target.id, target.name, target.kind, target.option_map())


def _checked(options: Mapping[str, str]) -> dict[str, str]:
    secret = sorted(k for k in options if SECRET_KEYS.search(k))
    if secret:
        raise InvalidInput(
            f"{', '.join(secret)} looks like a secret, and the shared database is no place "
            "for one; store it on each publishing machine with `veyedesk publish login NAME`"
        )
    return {str(k).strip(): str(v).strip() for k, v in options.items() if str(k).strip()}


def _get(session: Session, show_id: int, name: str) -> PublishTarget:
    target = session.scalar(
        select(PublishTarget).where(PublishTarget.show_id == show_id, PublishTarget.name == name)
    )
    if target is None:
        raise NotFound(
            f"the show has no publish target {name!r}; `veyedesk publish target list` shows them"
        )
    return target


def add_target(
    session: Session,
    who: Identity,
    show_id: int,
    name: str,
    kind: str,
    options: Mapping[str, str],
) -> TargetRow:
    """Add a publish target to the show (admins)."""
    require_admin(session, who)
    if not NAME.match(name):
        raise InvalidInput(
            f"target name {name!r}: use letters, digits, '-', '_' or '.' (at most 60)"
        )
    if kind not in tuple(TargetKind):
        raise InvalidInput(f"kind {kind!r} is not one of {', '.join(TargetKind)}")
    clean = _checked(options)
    exists = session.scalar(
        select(PublishTarget.id).where(PublishTarget.show_id == show_id, PublishTarget.name == name)
    )
    if exists is not None:
        raise Conflict(
            f"the show already has a target {name!r}; change it with `publish target set`"
        )
    target = PublishTarget(show_id=show_id, name=name, kind=kind, options=json.dumps(clean))
    session.add(target)
    session.flush()
    return _row(target)


def set_target(
    session: Session, who: Identity, show_id: int, name: str, options: Mapping[str, str]
) -> TargetRow:
    """Change a target's options (admins); an empty value removes that key."""
    require_admin(session, who)
    target = _get(session, show_id, name)
    merged = {**target.option_map(), **_checked(options)}
    target.options = json.dumps({k: v for k, v in merged.items() if v})
    session.flush()
    return _row(target)


def remove_target(session: Session, who: Identity, show_id: int, name: str) -> None:
    """Remove a target and what veyedesk knew of the talks on it (admins)."""
    require_admin(session, who)
    session.delete(_get(session, show_id, name))
    session.flush()


def list_targets(session: Session, show_id: int) -> list[TargetRow]:
    """The show's targets in the order they were added."""
    rows = session.scalars(
        select(PublishTarget).where(PublishTarget.show_id == show_id).order_by(PublishTarget.id)
    )
    return [_row(t) for t in rows]


def has_login(name: str, kind: str) -> bool:
    """Whether this machine holds what `veyedesk publish login NAME` stores for `kind`.

    Reads the keyring (or the 0600 file), which may block on the Secret Service: call it
    off the GUI thread. False for a kind this version does not know.
    """
    from veyedesk.publish.secrets import has_secret

    try:
        sets = LOGIN_SECRETS.get(TargetKind(kind), ())
    except ValueError:
        return False
    return any(all(has_secret(name, key) for key in keys) for keys in sets)
