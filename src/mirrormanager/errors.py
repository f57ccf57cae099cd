"""One exception root for everything MirrorManager raises on purpose.

Each exception carries the thing at fault as attributes - ``setting``, ``path``, ``url``,
``host`` (None when they do not apply) - and names it in its message, so the CLI can print
one line that tells an operator what broke and where, map it to an exit code, and callers
(the web UI, tests, scripts) can act on the thing without parsing the message.

    MirrorManagerError
    ├── ConfigError        a settings file, key or value is wrong          (exit 2)
    ├── DatabaseError      the database is unreachable or not migrated      (exit 3)
    ├── LockHeldError      another run of the same job holds its lock       (exit 4)
    ├── FormatError        a file or payload does not parse (repomd, snapshot, …) (exit 5)
    ├── ScanError          the master tree cannot be scanned                (exit 6)
    ├── InputError         a command's arguments name nothing real          (exit 7)
    │   └── ManageError    a change to sites/hosts/… refused (manage/)      (exit 7)
    │       ├── NotFound   no such object, or not the caller's   (HTTP 404)
    │       ├── Forbidden  the caller sees it but may not do this (HTTP 403)
    │       └── Invalid    a field's value is wrong               (HTTP 422)
    │           └── Conflict  the value clashes with a row     (HTTP 409)
    ├── NothingToDoError   a maintenance command found nothing to change    (exit 8)
    ├── TransferError      a snapshot could not be pushed or fetched        (exit 1)
    └── NotAvailableError  an optional part is not installed (e.g. matplotlib) (exit 9)
"""

from __future__ import annotations

import os


class MirrorManagerError(Exception):
    """Root of every error MirrorManager raises deliberately."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        setting: str | None = None,
        path: str | os.PathLike[str] | None = None,
        url: str | None = None,
        host: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.setting = setting  # the setting at fault: "mirrorlist_bind"
        self.path = None if path is None else os.fspath(path)  # a file or folder
        self.url = url  # a URL or rsync destination
        self.host = host  # a mirror host's name, or a host:port address

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(MirrorManagerError):
    """A settings file, key or value is wrong; ``setting`` and ``path`` (the file) say which."""

    exit_code = 2


class DatabaseError(MirrorManagerError):
    """The database cannot be reached or its schema is not at the expected revision."""

    exit_code = 3


class LockHeldError(MirrorManagerError):
    """Another run of the same job is in progress."""

    exit_code = 4


class FormatError(MirrorManagerError):
    """Input data (a repomd.xml, a snapshot, a request payload) does not parse; ``path``."""

    exit_code = 5


class ScanError(MirrorManagerError):
    """The master tree (or one category of it) cannot be scanned; ``path`` says where."""

    exit_code = 6


class InputError(MirrorManagerError):
    """A command's arguments are wrong: an unknown category or version, a bad regex."""

    exit_code = 7


class ManageError(InputError):
    """A change through the service layer (`mirrormanager.manage`) was refused.

    `field` names the input at fault (a form field, an API key, a CLI option) when there is
    one; `status` is the HTTP answer the web UI and the API give.
    """

    status = 400

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.field}: {text}" if self.field else text


class NotFound(ManageError):
    """No such object, or one the caller may not see (so ids of other sites reveal nothing)."""

    status = 404


class Forbidden(ManageError):
    """The caller sees the object but the change needs an admin (or another user)."""

    status = 403


class Invalid(ManageError):
    """A value is wrong; the message says what is expected."""

    status = 422


class Conflict(Invalid):
    """The value clashes with an existing row (a name or URL taken, a last admin)."""

    status = 409


class NothingToDoError(MirrorManagerError):
    """A maintenance command found nothing to change (already done, or nothing matches)."""

    exit_code = 8


class TransferError(MirrorManagerError):
    """A snapshot could not be pushed or downloaded (rsync, HTTP or network error, too big);
    ``url`` is the source or destination, ``path`` the local file."""

    exit_code = 1


class NotAvailableError(MirrorManagerError):
    """A feature needs an optional package that is not installed."""

    exit_code = 9
