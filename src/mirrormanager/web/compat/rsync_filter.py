"""`/rsyncFilter`: rsync filter rules that let a mirror sync only what changed since a time.

MirrorManager2's answer shape: comment lines, ``+ DIR/`` and ``+ DIR/*`` for each changed
directory and each of its parents (with the first N path components stripped, N being the
number of components of ``stripprefix``), then an exclude of everything else. A missing or
bad argument answers the same file with only the exclude, so a mistyped URL in a cron job
transfers nothing rather than everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mirrormanager.db.models import Category, CategoryDirectory, Directory

MISSING_ARGUMENTS = "Missing categories, since, or stripprefix arguments"
BAD_SINCE = "value of argument since is not an integer"


class FilterRequestError(ValueError):
    """A missing or malformed argument; the message is MirrorManager2's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_arguments(
    categories: str | None, since: str | None, stripprefix: str | None
) -> tuple[list[str], int, int]:
    """(category names, since epoch, components to strip) from the query arguments."""
    if categories is None or since is None or stripprefix is None:
        raise FilterRequestError(MISSING_ARGUMENTS)
    try:
        since_value = int(since.strip())
    except ValueError:
        raise FilterRequestError(BAD_SINCE) from None
    # As MirrorManager2 counts them: "pub/fedora" strips 2 components, "" strips 1.
    return categories.split(","), since_value, len(stripprefix.split("/"))


def include_paths(directories: Iterable[str], strip: int) -> list[str]:
    """Sorted directory paths to include: the changed ones and all their parents."""
    paths: set[str] = set()
    for name in directories:
        parts = name.split("/")[strip:]
        # A directory at or above the stripped prefix has no path of its own in the
        # mirror's tree; MirrorManager2 would emit "+ /" for it, which selects nothing.
        for depth in range(1, len(parts) + 1):
            paths.add("/".join(parts[:depth]))
    paths.discard("")
    return sorted(paths)


def render(includes: Sequence[str], message: str | None = None) -> str:
    """The filter file (for ``rsync --exclude-from``)."""
    lines = ["# rsync --exclude-from=(this file)"]
    if message:
        lines.append(f"# {message}")
    lines.append("# includes")
    for path in includes:
        lines.append(f"+ {path}/")
        lines.append(f"+ {path}/*")
    lines.append("# excludes")
    lines.append("- *")
    lines.append("# end of list")
    return "\n".join(lines) + "\n"


def changed_directories(session: Session, categories: Sequence[str], since: int) -> list[str]:
    """Names of the categories' directories whose ctime is after ``since``.

    Shaped for the ``directory.ctime`` index: a range scan on it, then one primary-key probe
    of category_directory per directory found (both SQLite and PostgreSQL plan it so; a
    join on category first would read every directory of the category).
    """
    category_ids = list(session.scalars(select(Category.id).where(Category.name.in_(categories))))
    if not category_ids:
        return []
    in_category = (
        select(CategoryDirectory.directory_id)
        .where(
            CategoryDirectory.category_id.in_(category_ids),
            CategoryDirectory.directory_id == Directory.id,
        )
        .exists()
    )
    return list(session.scalars(select(Directory.name).where(Directory.ctime > since, in_category)))


def rsync_filter(
    session: Session, categories: str | None, since: str | None, stripprefix: str | None
) -> str:
    """The whole answer for the raw query arguments."""
    try:
        names, since_value, strip = parse_arguments(categories, since, stripprefix)
    except FilterRequestError as exc:
        return render((), exc.message)
    return render(include_paths(changed_directories(session, names, since_value), strip))
