"""Looking up accounts and their groups (the web UI's accounts module and the service
layer share these; creating accounts stays in `web.accounts`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Group, User, UserGroup


def find_user(db: Session, username: str) -> User | None:
    return db.scalar(select(User).where(User.username == username))


def group_names(db: Session, user: User) -> set[str]:
    rows = db.scalars(
        select(Group.name)
        .join(UserGroup, UserGroup.group_id == Group.id)
        .where(UserGroup.user_id == user.id)
    )
    return set(rows)
