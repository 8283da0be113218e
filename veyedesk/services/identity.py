"""Who is acting (a login, or the OS user on a database without users) and what they may do.

Every use case takes an `Identity`; the checks here are the only permission rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from veyedesk.model import User
from veyedesk.services.errors import PermissionDenied


@dataclass(frozen=True)
class Identity:
    """Who is acting: a user name (or user@host) and a role."""

    name: str
    role: str
    authenticated: bool = False

    def can(self, action: str) -> bool:
        """Whether this role may do `action` (edit, review, admin)."""
        allowed = {
            "admin": {"edit", "review", "admin", "take_lock"},
            "editor": {"edit", "review"},
            "reviewer": {"review"},
        }
        return action in allowed.get(self.role, set())

    def require(self, action: str) -> None:
        """Raise PermissionDenied unless this role may do `action`."""
        if not self.can(action):
            raise PermissionDenied(f"{self.name} ({self.role}) may not {action}; ask an admin")


def require_active(session: Session, who: Identity) -> None:
    """Refuse a signed-in user whose login was disabled (or removed) since they signed in.

    A window stays open for hours; disabling a login must stop it acting at its next
    action, not at its next start. The OS user acting on a database without users passes.
    """
    if not who.authenticated or not has_users(session):
        return
    active = session.scalar(select(User.active).where(User.name == who.name))
    if not active:
        raise PermissionDenied(f"the login {who.name!r} is disabled; ask an admin to enable it")


def require_admin(session: Session, who: Identity) -> None:
    """Refuse unless `who` is an admin whose login is still enabled."""
    who.require("admin")
    require_active(session, who)


def has_users(session: Session) -> bool:
    """Whether logins are in use on this database: a user with a password exists.

    A venue copy's users carry no password hash (services.venue.checkouts), so it has no
    logins and opens as its computer's user.
    """
    counted = select(func.count()).select_from(User)
    if not hashes_hidden(session):  # a login that may not read hashes counts every user
        counted = counted.where(User.password_hash != "")
    return bool(session.scalar(counted))


def hashes_hidden(session: Session) -> bool:
    """Whether this database login may not read password hashes (`veyedesk db roles`)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return not session.scalar(
        text("SELECT has_column_privilege('user_account', 'password_hash', 'SELECT')")
    )
