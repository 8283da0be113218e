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

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from veyedesk.model import User
from veyedesk.model.states import ROLES
from veyedesk.services.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    NotFound,
)
from veyedesk.services.identity import (
    Identity,
    has_users,
    hashes_hidden,
    require_active,
    require_admin,
)

# scrypt cost: N=2^17, r=8 is 128 MiB and a few hundred ms per check on a laptop (OWASP's
# advice for scrypt); hashes made with less are re-made at the next login (authenticate).
_N, _R, _P = 2**17, 8, 1
_DKLEN = 32
# What a stored hash may ask for: more would let whoever can write the column make every
# login try to allocate gigabytes.
_MAX_N, _MAX_R, _MAX_P = 2**20, 16, 4
MIN_PASSWORD = 8


def _maxmem(n: int, r: int, p: int) -> int:
    # scrypt needs 128·r·N bytes for V plus 128·r·p for B; OpenSSL refuses beyond maxmem
    # (hashlib's default, 32 MiB, is below what N=2^17 needs). 1 MiB spare for the rest.
    return 128 * r * (n + p + 2) + 2**20


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int = _DKLEN) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=_maxmem(n, r, p)
    )


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash` with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def _params(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(N, r, p, salt, digest) of a stored hash, or None when it is not one we can check."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return None
        cost = int(n), int(r), int(p)
        if not (1 < cost[0] <= _MAX_N and 0 < cost[1] <= _MAX_R and 0 < cost[2] <= _MAX_P):
            return None
        return (*cost, base64.b64decode(salt), base64.b64decode(digest))
    except (ValueError, TypeError):
        return None


def is_weak(stored: str) -> bool:
    """Whether a stored hash was made with less work than hash_password does now."""
    found = _params(stored)
    if found is None:
        return True
    n, r, p, _, digest = found
    return n < _N or r < _R or p < _P or len(digest) < _DKLEN


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored hash (constant-time compare)."""
    found = _params(stored)
    if found is None:
        return False
    n, r, p, salt, expected = found
    try:
        actual = _scrypt(password, salt, n, r, p, dklen=len(expected))
    except (ValueError, MemoryError):
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


def _check_readable(session: Session, user: User | None, password: str) -> bool:
    stored = None
    if user is not None:
        stored = session.scalar(select(User.password_hash).where(User.id == user.id))
    # Hash even for unknown names so timing does not reveal which names exist.
    if not verify_password(password, stored or hash_password("unused-password")):
        return False
    if user is None or stored is None:
        return False
    if is_weak(stored):
        user.password_hash = hash_password(password)
        session.flush()
    return True


def _check_hidden(session: Session, name: str, password: str) -> bool:
    """The check through db.roles' functions: the salt out, our hash in, a yes or no back."""
    # Imported here: only a database that hides hashes (PostgreSQL with `db roles`) needs
    # it, and every command resolving its identity would otherwise load it.
    from veyedesk.db.roles import CHECK_FUNCTION, SALT_FUNCTION, UPGRADE_FUNCTION

    salted = session.scalar(text(f"SELECT {SALT_FUNCTION}(:name)"), {"name": name})
    found = _params(f"{salted}$") if salted else None
    if found is None:
        hash_password("unused-password")  # the same time as a real check
        return False
    n, r, p, salt, _ = found
    digest = base64.b64encode(_scrypt(password, salt, n, r, p)).decode()
    candidate = f"{salted}${digest}"
    args = {"name": name, "candidate": candidate}
    if not session.scalar(text(f"SELECT {CHECK_FUNCTION}(:name, :candidate)"), args):
        return False
    if is_weak(candidate):
        stronger = {**args, "stronger": hash_password(password)}
        session.execute(text(f"SELECT {UPGRADE_FUNCTION}(:name, :candidate, :stronger)"), stronger)
    return True


def authenticate(session: Session, name: str, password: str) -> Identity:
    """The identity of `name` if `password` is right; the message never says which was wrong.

    A right password whose stored hash is weaker than hash_password makes now (an older
    veyedesk's) is hashed again and stored, in the caller's transaction. A database login
    that may not read hashes checks through the database's functions (db.roles).
    """
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if hashes_hidden(session):
        right = _check_hidden(session, name, password) and user is not None
    else:
        right = _check_readable(session, user, password)
    if not right or user is None:
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
