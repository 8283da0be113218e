"""Users and passwords (salted scrypt): logins, roles, and who is acting when one signs in.

The acting `Identity` and its permission checks are `services.identity` (every capability
uses them); this module is the admin side: adding, disabling and re-roling logins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veyedesk.model import User
from veyedesk.model.states import ROLES
from veyedesk.services.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    NotFound,
)
from veyedesk.services.identity import Identity, has_users, require_active, require_admin

# scrypt cost: ~50 ms and 16 MiB per check on a laptop, far beyond a GPU farm's budget.
_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash` with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _check(name: str, role: str | None, password: str | None) -> None:
    if not name or any(c.isspace() for c in name):
        raise InvalidInput(f"user name {name!r} must be non-empty and have no spaces")
    if role is not None and role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidInput(f"the password must have at least {MIN_PASSWORD} characters")


class FirstUserNotAdmin(InvalidInput):
    """The first login of a database must be an admin; the caller says how to choose one."""


def add_user(session: Session, name: str, role: str, password: str) -> User:
    """Create a user; the first user of a database must be an admin."""
    _check(name, role, password)
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise AlreadyExists(f"user {name!r} exists; change its password instead")
    if not has_users(session) and role != "admin":
        # Neutral: the CLI adds its flag, the users window its role box (FirstUserNotAdmin).
        raise FirstUserNotAdmin(
            "the first user must be an admin, or nobody could manage users; "
            "give them the role admin"
        )
    user = User(name=name, role=role, password_hash=hash_password(password), created=datetime.now())
    session.add(user)
    session.flush()
    return user


def create_user(session: Session, who: Identity, name: str, role: str, password: str) -> User:
    """`who` adds a user: admins only (with no users yet, the OS user acts as admin)."""
    require_admin(session, who)
    return add_user(session, name, role, password)


def change_password(session: Session, who: Identity, name: str, password: str) -> None:
    """`who` sets `name`'s password: their own, or anyone's for an admin."""
    if who.name != name:
        require_admin(session, who)
    else:
        require_active(session, who)
    set_password(session, name, password)


def _other_active_admins(session: Session, name: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.active.is_(True), User.name != name)
        )
        or 0
    )


def _audit(session: Session, who: Identity, action: str, name: str, detail: str) -> None:
    from veyedesk.model import AuditEntry

    session.add(AuditEntry(user=who.name, action=action, target=name, detail=detail))


def set_role(session: Session, who: Identity, name: str, role: str) -> User:
    """`who` (an admin) gives `name` another role; the last enabled admin stays an admin."""
    require_admin(session, who)
    _check(name, role, None)
    user = get_user(session, name)
    if user.role == role:
        return user
    if user.role == "admin" and user.active and not _other_active_admins(session, name):
        raise InvalidInput(
            f"{name!r} is the only enabled admin; make another admin first, or nobody "
            "could manage users"
        )
    _audit(session, who, "user role", name, f"{user.role} -> {role}")
    user.role = role
    session.flush()
    return user


def set_active(session: Session, who: Identity, name: str, active: bool) -> User:
    """`who` (an admin) disables or enables a login; a disabled one cannot sign in or act.

    Nobody disables their own login or the last enabled admin (no one could undo it).
    """
    require_admin(session, who)
    user = get_user(session, name)
    if user.active == active:
        return user
    if not active:
        if name == who.name:
            raise InvalidInput("you cannot disable your own login; ask another admin")
        if user.role == "admin" and not _other_active_admins(session, name):
            raise InvalidInput(f"{name!r} is the only enabled admin; it stays enabled")
    _audit(session, who, "user enable" if active else "user disable", name, "")
    user.active = active
    session.flush()
    return user


def reset_password(session: Session, who: Identity, name: str, password: str) -> None:
    """`who` (an admin) sets another user's password (the window's Reset password)."""
    require_admin(session, who)
    set_password(session, name, password)
    _audit(session, who, "user password", name, "reset by an admin")


def get_user(session: Session, name: str) -> User:
    """The user called `name`."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user {name!r}; the list of users shows who exists")
    return user


def set_password(session: Session, name: str, password: str) -> None:
    """Replace a user's password."""
    _check(name, None, password)
    get_user(session, name).password_hash = hash_password(password)


def list_users(session: Session) -> list[User]:
    """All users by name."""
    return list(session.scalars(select(User).order_by(User.name)))


def authenticate(session: Session, name: str, password: str) -> Identity:
    """The identity of `name` if `password` is right; the message never says which was wrong."""
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    # Hash even for unknown names so timing does not reveal which names exist.
    stored = user.password_hash if user is not None else hash_password("unused-password")
    if not verify_password(password, stored) or user is None:
        raise AuthenticationFailed(f"wrong user name or password for {name!r}")
    return Identity(name=user.name, role=user.role, authenticated=True)


def resolve_identity(session: Session, name: str, password: str | None, os_user: str) -> Identity:
    """Who is acting: with no users on the database the OS user (admin); else a login.

    `name` is the configured user (may be `user@host`); `password` None means none given.
    """
    if not has_users(session):
        return Identity(name=os_user, role="admin")
    if password is None:
        raise AuthenticationFailed(
            "this database has users: give --user NAME and a password "
            "(prompted, or VEYEDESK_PASSWORD)"
        )
    return authenticate(session, name, password)


@dataclass(frozen=True)
class UserRow:
    """A login as the users window lists it (plain data)."""

    name: str
    role: str
    active: bool
    created: datetime | None


def user_rows(session: Session, who: Identity) -> list[UserRow]:
    """Every login, for an admin's users window."""
    require_admin(session, who)
    return [UserRow(u.name, u.role, u.active, u.created) for u in list_users(session)]
