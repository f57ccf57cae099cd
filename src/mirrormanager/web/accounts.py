"""Account operations shared by the web UI and `mirrormanager user …`."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Group, User, UserGroup
from mirrormanager.errors import InputError
from mirrormanager.manage.users import find_user as find_user
from mirrormanager.manage.users import group_names as group_names
from mirrormanager.web.security import hash_password, password_problem

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$"


def require_user(db: Session, username: str) -> User:
    user = find_user(db, username)
    if user is None:
        raise InputError(f"no user named {username!r}")
    return user


def create_user(
    db: Session,
    username: str,
    *,
    email: str | None = None,
    password: str | None = None,
    email_confirmed: bool = False,
    display_name: str | None = None,
) -> User:
    if not re.match(USERNAME_PATTERN, username):
        raise InputError(
            f"user name {username!r} is not allowed",
            hint="letters, digits, and _ . @ - ; at most 100 characters",
        )
    if find_user(db, username) is not None:
        raise InputError(f"a user named {username!r} already exists")
    if password is not None:
        problem = password_problem(password)
        if problem:
            raise InputError(f"password refused: {problem}")
    user = User(
        username=username,
        email=email or None,
        display_name=display_name,
        password_hash=hash_password(password) if password is not None else None,
        email_confirmed=email_confirmed,
        active=True,
    )
    db.add(user)
    db.flush()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise InputError(f"password refused: {problem}")
    user.password_hash = hash_password(password)


def ensure_group(db: Session, name: str) -> Group:
    group = db.scalar(select(Group).where(Group.name == name))
    if group is None:
        group = Group(name=name)
        db.add(group)
        db.flush()
    return group


def grant(db: Session, user: User, group_name: str) -> bool:
    """Add `user` to the group (created if needed); False when already a member."""
    group = ensure_group(db, group_name)
    exists = db.get(UserGroup, (user.id, group.id))
    if exists is not None:
        return False
    db.add(UserGroup(user_id=user.id, group_id=group.id))
    db.flush()
    return True


def revoke(db: Session, user: User, group_name: str) -> bool:
    group = db.scalar(select(Group).where(Group.name == group_name))
    if group is None:
        return False
    link = db.get(UserGroup, (user.id, group.id))
    if link is None:
        return False
    db.delete(link)
    db.flush()
    return True


def sync_groups(db: Session, user: User, names: set[str]) -> None:
    """Make the user's memberships exactly `names` (used for OIDC-provided groups)."""
    current = group_names(db, user)
    for name in names - current:
        grant(db, user, name)
    for name in current - names:
        revoke(db, user, name)
