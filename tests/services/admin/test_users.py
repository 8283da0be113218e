import base64
import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.factory import ShowFixture
from veyedesk.model import User
from veyedesk.services.admin.users import (
    add_user,
    authenticate,
    hash_password,
    is_weak,
    list_users,
    resolve_identity,
    set_password,
    set_role,
    verify_password,
)
from veyedesk.services.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    PermissionDenied,
)
from veyedesk.services.identity import Identity


def test_hashes_are_salted_and_verify() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$")
    assert "correct horse" not in a
    assert verify_password("correct horse", a)
    assert not verify_password("Correct horse", a)
    assert not verify_password("x", "garbage")


def test_first_user_must_be_admin_then_roles_apply(session: Session) -> None:
    with pytest.raises(InvalidInput, match="first user must be an admin"):
        add_user(session, "rev", "reviewer", "password1")
    add_user(session, "boss", "admin", "password1")
    add_user(session, "rev", "reviewer", "password2")
    with pytest.raises(AlreadyExists):
        add_user(session, "rev", "reviewer", "password2")
    with pytest.raises(InvalidInput, match="at least 8"):
        add_user(session, "ed", "editor", "short")
    with pytest.raises(InvalidInput, match="role 'god'"):
        add_user(session, "ed", "god", "password3")
    session.commit()
    assert [u.name for u in list_users(session)] == ["boss", "rev"]
    rev = authenticate(session, "rev", "password2")
    assert rev.can("review") and not rev.can("edit")
    with pytest.raises(PermissionDenied, match="rev \\(reviewer\\) may not edit"):
        rev.require("edit")


def test_wrong_password_or_unknown_user_says_the_same(session: Session) -> None:
    add_user(session, "boss", "admin", "password1")
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        authenticate(session, "boss", "password2")
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        authenticate(session, "nobody", "password1")
    set_password(session, "boss", "new-password")
    assert authenticate(session, "boss", "new-password").role == "admin"


def test_identity_is_the_os_user_until_users_exist(session: Session) -> None:
    me = resolve_identity(session, "ed@laptop", None, "ed@laptop")
    assert (me.name, me.role, me.authenticated) == ("ed@laptop", "admin", False)
    add_user(session, "boss", "admin", "password1")
    with pytest.raises(AuthenticationFailed, match="this database has users"):
        resolve_identity(session, "ed@laptop", None, "ed@laptop")
    assert resolve_identity(session, "boss", "password1", "ed@laptop").authenticated


def test_only_admins_add_users_or_change_others_passwords(session) -> None:
    """User admin is checked in the service, whichever front end calls it."""
    from veyedesk.services.admin.users import authenticate, change_password, create_user, list_users
    from veyedesk.services.errors import PermissionDenied
    from veyedesk.services.identity import Identity

    boss = Identity("boss", "admin", authenticated=True)
    create_user(session, boss, "boss", "admin", "boss-password")
    create_user(session, boss, "rita", "reviewer", "rita-password")
    rita = Identity("rita", "reviewer", authenticated=True)
    with pytest.raises(PermissionDenied, match="rita \\(reviewer\\) may not admin"):
        create_user(session, rita, "mallory", "admin", "mallory-password")
    with pytest.raises(PermissionDenied):
        change_password(session, rita, "boss", "taken-over")
    change_password(session, rita, "rita", "a-new-password")
    assert [u.name for u in list_users(session)] == ["boss", "rita"]
    assert authenticate(session, "rita", "a-new-password").role == "reviewer"


def _admin(name: str = "boss") -> Identity:
    from veyedesk.services.identity import Identity

    return Identity(name=name, role="admin", authenticated=True)


def test_a_disabled_login_cannot_sign_in_or_act_and_the_last_admin_stays(session: Session) -> None:
    from sqlalchemy import select

    from veyedesk.model import AuditEntry
    from veyedesk.services.admin.users import create_user, set_active, set_role
    from veyedesk.services.identity import require_active

    add_user(session, "boss", "admin", "password1")
    boss = _admin()
    create_user(session, boss, "ed", "editor", "password2")
    ed = authenticate(session, "ed", "password2")  # signed in before being disabled
    with pytest.raises(InvalidInput, match="own login"):
        set_active(session, boss, "boss", False)
    set_active(session, boss, "ed", False)
    session.commit()
    with pytest.raises(AuthenticationFailed):
        authenticate(session, "ed", "password2")
    with pytest.raises(PermissionDenied, match="'ed' is disabled"):
        require_active(session, ed)
    with pytest.raises(InvalidInput, match="only enabled admin"):
        set_role(session, boss, "boss", "editor")
    set_active(session, boss, "ed", True)
    set_role(session, boss, "ed", "admin")
    set_role(session, boss, "boss", "reviewer")  # another admin exists now
    session.commit()
    assert authenticate(session, "ed", "password2").role == "admin"
    # Boss is a reviewer now: the identity they signed in with is refused by services.
    with pytest.raises(PermissionDenied):
        set_active(session, Identity(name="boss", role="reviewer", authenticated=True), "ed", False)
    actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["user disable", "user enable", "user role", "user role"]


def test_a_disabled_admin_s_open_window_cannot_act(session: Session) -> None:
    from veyedesk.services.admin.users import create_user, set_active

    add_user(session, "boss", "admin", "password1")
    add_user(session, "other", "admin", "password2")
    session.commit()
    other = _admin("other")
    set_active(session, _admin(), "other", False)
    session.commit()
    with pytest.raises(PermissionDenied, match="disabled"):
        create_user(session, other, "x", "editor", "password3")
    with pytest.raises(InvalidInput, match="role 'god'"):
        set_role(session, _admin(), "other", "god")  # bad values checked too


def test_a_login_disabled_while_its_window_is_open_can_neither_open_nor_save(
    session: Session, show: ShowFixture
) -> None:
    from veyedesk.config import load_settings
    from veyedesk.services.admin.users import set_active
    from veyedesk.services.editing import open_save as editing

    add_user(session, "boss", "admin", "boss-password")
    add_user(session, "ed", "editor", "ed-password")
    session.commit()
    ed = authenticate(session, "ed", "ed-password")  # the window signed in as ed
    settings = load_settings(flags={"db": str(session.get_bind().url)})
    episode_id = show.episodes[0].id
    opened = editing.open_for_edit(session, episode_id, ed, settings)
    session.commit()
    set_active(session, _admin(), "ed", False)
    session.commit()
    draft = opened.draft.copy()
    draft.fields["name"] = "changed by a disabled login"
    with pytest.raises(PermissionDenied, match="'ed' is disabled"):
        editing.save_episode(session, draft, opened.draft, ed, settings)
    session.rollback()
    with pytest.raises(PermissionDenied, match="'ed' is disabled"):
        editing.open_for_edit(session, show.episodes[1].id, ed, settings)


def _old_hash(password: str, n: int = 2**14) -> str:
    """A hash as veyedesk made it before issue 20 (N=2^14)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}$8$1${b64(salt).decode()}${b64(digest).decode()}"


def test_hashes_cost_at_least_n_2_17_and_weaker_ones_are_remade_at_login(
    session: Session,
) -> None:
    fresh = hash_password("correct horse")
    scheme, n, r, p, _, _ = fresh.split("$")
    assert (scheme, int(n) >= 2**17, r, p) == ("scrypt", True, "8", "1")
    assert verify_password("correct horse", fresh) and not is_weak(fresh)

    add_user(session, "root", "admin", "correct horse")
    user = session.scalars(select(User).where(User.name == "root")).one()
    user.password_hash = old = _old_hash("correct horse")
    session.flush()
    assert is_weak(old) and verify_password("correct horse", old)
    with pytest.raises(AuthenticationFailed):
        authenticate(session, "root", "wrong horse")
    assert user.password_hash == old  # a wrong password changes nothing
    authenticate(session, "root", "correct horse")
    session.expire_all()
    remade = session.scalars(select(User).where(User.name == "root")).one().password_hash
    assert remade != old and not is_weak(remade)
    assert authenticate(session, "root", "correct horse").name == "root"


def test_a_hash_asking_for_absurd_work_is_refused_not_run() -> None:
    absurd = _old_hash("x", n=2**14).replace("scrypt$16384$", f"scrypt${2**30}$")
    assert not verify_password("x", absurd)
