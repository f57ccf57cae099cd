"""Copy a MirrorManager2 database into ours: `mirrormanager import-mm2 --from URL`.

MM2's schema is reflected, not declared, so databases of older MM2 releases (without the
latitude or crawl columns, or the location tables) import too. Our tables carry the same
names, so columns present on both sides are copied, foreign keys are translated through the
ids already imported, and a few tables get special care (site passwords, host pickles,
directory files, duplicate host_category_dir rows, admins named only by user name).

Every row is matched by its natural key (site name, (site, host name), directory name,
url, …), so a second run changes nothing. New rows keep their MM2 id when it is free, so
URLs and logs that quote ids stay meaningful; otherwise they get a fresh one.

Pickled columns (host.config, host.last_crawls, legacy directory.files) are never
unpickled: unpickling another system's data can run arbitrary code. They are counted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from mirrormanager.checkin.passwords import hash_site_password, is_hashed, verify_site_password
from mirrormanager.db.base import Base
from mirrormanager.errors import DatabaseError, InputError
from mirrormanager.logging import get_logger

log = get_logger(__name__)

_BATCH = 1000
_REQUIRED = ("site", "host", "category", "directory", "product")
_OURS: Mapping[str, sa.Table] = Base.metadata.tables
_RENAMES = {
    "country_code": "country",  # embargoed_country
    "user_name": "username",  # mm_user
    "email_address": "email",
    "group_name": "name",  # mm_group
    "created": "created_at",
}
_NEVER_READ = {"host": {"config", "last_crawls"}, "mm_user": {"password", "token"}}
_HASHES = ("md5", "sha1", "sha256", "sha512")
_KEYS: dict[str, tuple[str, ...]] = {  # in import order (parents first)
    "product": ("name",),
    "arch": ("name",),
    "directory": ("name",),
    "category": ("name",),
    "category_directory": ("category_id", "directory_id"),
    "version": ("product_id", "name"),
    "repository": ("name",),
    "file_detail": ("directory_id", "filename", "timestamp", "size", *_HASHES),
    "repository_redirect": ("from_repo",),
    "country_continent_redirect": ("country",),
    "embargoed_country": ("country",),
    "netblock_country": ("netblock",),
    "location": ("name",),
    "site": ("name",),
    "host": ("site_id", "name"),
    "host_category": ("host_id", "category_id"),
    "host_category_url": ("url",),
    "host_category_dir": ("host_category_id", "directory_id"),
    "host_netblock": ("host_id", "netblock"),
    "host_peer_asn": ("host_id", "asn"),
    "host_country_allowed": ("host_id", "country"),
    "host_acl_ip": ("host_id", "ip"),
    "host_location": ("host_id", "location_id"),
    "directory_exclusive_host": ("directory_id", "host_id"),
    "mm_user": ("username",),
    "mm_group": ("name",),
    "mm_user_group": ("user_id", "group_id"),
    "site_admin": ("site_id", "user_id"),
}
# Columns set only when we create the row: an existing account is never overwritten.
_INSERT_ONLY = {"created_at", "email", "display_name"}
_NOT_IMPORTED = {  # MM2 tables with no counterpart here
    "site_to_site": "no upstream/downstream site credentials here",
    "host_country": "only MM2's web form used it",
    "host_stats": "unused by MM2",
    "mm_user_visit": "web sessions",
    "access_stat": "statistics are re-ingested from logs",
    "propagation_stat": "different statistics model",
}


@dataclass
class TableReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    notes: dict[str, int] = field(default_factory=dict)

    def note(self, what: str, count: int = 1) -> None:
        self.notes[what] = self.notes.get(what, 0) + count


@dataclass
class ImportReport:
    dry_run: bool = False
    tables: dict[str, TableReport] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    not_imported: dict[str, int] = field(default_factory=dict)  # MM2 table -> rows

    @property
    def changes(self) -> int:
        return sum(t.inserted + t.updated for t in self.tables.values())

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport())


def _aware(value: Any) -> Any:
    """MM2 stores naive UTC datetimes; compare and store them as aware ones."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class _Sync:
    """Upsert rows of one of our tables by natural key, in batches of Core statements."""

    def __init__(self, session: Session, name: str, report: TableReport, mm2_max: int) -> None:
        self.session, self.table, self.key, self.report = session, _OURS[name], _KEYS[name], report
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.seen: set[tuple[Any, ...]] = set()
        self.inserts: list[dict[str, Any]] = []
        self.updates: dict[frozenset[str], list[dict[str, Any]]] = {}
        self.has_id = "id" in self.table.c
        self.ids: set[int] = (
            set(session.scalars(sa.select(self.table.c.id))) if self.has_id else set()
        )
        # Fresh ids start above MM2's too, so one clash does not displace other MM2 ids.
        self.next_id = max(max(self.ids, default=0), mm2_max) + 1
        self.explicit_ids = False
        self.fix_sequence = True

    def load(self, where: Any = None, *, exclude: tuple[str, ...] = ()) -> None:
        stmt = sa.select(*[c for c in self.table.c if c.name not in exclude])
        for row in self.session.execute(stmt if where is None else stmt.where(where)).mappings():
            self.rows[tuple(row[k] for k in self.key)] = dict(row)

    def put(
        self, mm2_id: Any, values: dict[str, Any], insert_only: Mapping[str, Any] = {}
    ) -> int | None:
        """Insert or update by natural key; our id (None for link tables without one)."""
        key = tuple(values[k] for k in self.key)
        existing = self.rows.get(key)
        if key in self.seen:  # MM2 allows duplicates our constraints forbid: first one wins
            self.report.skipped += 1
            self.report.note("duplicates of an earlier row skipped")
            return existing.get("id") if existing else None
        self.seen.add(key)
        if existing is None:
            row = {**insert_only, **values}
            if self.has_id:
                row["id"] = self._new_id(mm2_id)
            self.inserts.append(row)
            self.rows[key] = row
            self.report.inserted += 1
            if len(self.inserts) >= _BATCH:
                self.flush()
            return row.get("id")
        changed = {c: v for c, v in values.items() if _aware(existing.get(c)) != _aware(v)}
        if changed:
            existing.update(changed)
            self.updates.setdefault(frozenset(changed), []).append(
                {"_id": existing["id"], **changed}
            )
            self.report.updated += 1
        else:
            self.report.unchanged += 1
        return existing.get("id")

    def _new_id(self, mm2_id: Any) -> int:
        if isinstance(mm2_id, int) and mm2_id not in self.ids:
            new = mm2_id
        else:
            while self.next_id in self.ids:
                self.next_id += 1
            new = self.next_id
        self.ids.add(new)
        self.explicit_ids = True
        return new

    def flush(self) -> None:
        batches: dict[frozenset[str], list[dict[str, Any]]] = {}
        for row in self.inserts:  # executemany needs one set of columns per statement
            batches.setdefault(frozenset(row), []).append(row)
        for rows in batches.values():
            self.session.execute(sa.insert(self.table), rows)
        self.inserts = []
        for columns, rows in self.updates.items():
            stmt = (
                sa.update(self.table)
                .where(self.table.c.id == sa.bindparam("_id"))
                .values({c: sa.bindparam(f"_v_{c}") for c in columns})
            )
            params = [{"_id": r["_id"], **{f"_v_{c}": r[c] for c in columns}} for r in rows]
            self.session.execute(stmt, params, execution_options={"synchronize_session": False})
        self.updates = {}

    def finish(self) -> None:
        self.flush()
        if (
            self.fix_sequence
            and self.explicit_ids
            and self.session.get_bind().dialect.name == "postgresql"
        ):
            # Rows were inserted with explicit ids: move the sequence past them. The table
            # name comes from our own metadata, never from input.
            name = self.table.name
            self.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                )
            )


class _Skip(Exception):
    """This MM2 row cannot be expressed here (a required value or reference is missing)."""


class _Importer:
    def __init__(
        self, session: Session, source: Connection, tables: Mapping[str, sa.Table], dry_run: bool
    ) -> None:
        self.session, self.source, self.src = session, source, tables
        self.report = ImportReport(dry_run=dry_run)
        self.ids: dict[str, dict[int, int]] = {}  # table -> {MM2 id: our id}
        self.usernames: dict[str, int] = {}

    def run(self) -> ImportReport:
        special = {
            "directory": self.directories,
            "host_category_dir": self.host_category_dirs,
            "site_admin": self.site_admins,
        }
        for name in _KEYS:
            if name not in self.src:
                if name in _REQUIRED:
                    raise InputError(f"not a MirrorManager2 database: no table {name!r}")
                self.report.warnings.append(f"MM2 has no table {name!r}; nothing imported from it")
                continue
            special.get(name, self.copy)(name)
        for name, why in _NOT_IMPORTED.items():
            if name in self.src:
                count = self.source.execute(sa.select(sa.func.count()).select_from(self.src[name]))
                rows = int(count.scalar_one())
                if rows:
                    self.report.not_imported[name] = rows
                    log.info("mm2 table not imported", table=name, rows=rows, why=why)
        return self.report

    def new_sync(self, name: str) -> _Sync:
        table = self.src.get(name)
        mm2_max = 0
        if table is not None and "id" in table.c:
            mm2_max = self.source.scalar(sa.select(sa.func.max(table.c.id))) or 0
        sync = _Sync(self.session, name, self.report.table(name), int(mm2_max))
        sync.fix_sequence = not self.report.dry_run  # setval is not transactional
        return sync

    def rows(self, name: str) -> Iterator[RowMapping]:
        table = self.src[name]
        never = _NEVER_READ.get(name, set())
        stmt = sa.select(*[c for c in table.c if c.name not in never])
        if "id" in table.c:
            stmt = stmt.order_by(table.c.id)
        yield from self.source.execution_options(yield_per=_BATCH).execute(stmt).mappings()

    def convert(self, name: str, row: RowMapping) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values to keep in sync, values set only on insert) for `row`; or raise _Skip."""
        target = _OURS[name]
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for source_name, value in row.items():
            column_name = _RENAMES.get(source_name, source_name)
            if column_name in ("id", "files") or column_name not in target.c:
                continue
            column = target.c[column_name]
            for fk in column.foreign_keys:  # our tables are named as MM2's: translate ids
                if value is not None:
                    value = self.ids.get(fk.column.table.name, {}).get(int(value))
            default = getattr(column.default, "arg", None)
            if value is None:
                if not column.nullable and default is None:
                    raise _Skip(f"no {column_name}")
                if not column.nullable and callable(default):
                    continue  # computed on insert (created_at)
                value = None if column.nullable else default
            elif isinstance(column.type, sa.Boolean):
                value = bool(value)
            elif isinstance(column.type, sa.DateTime):
                value = _aware(value)
            elif isinstance(column.type, sa.String) and isinstance(value, str):
                value = value.strip().upper() if column_name in ("country", "continent") else value
                length = column.type.length
                if length and len(value) > length:
                    self.report.warnings.append(
                        f"{name} {dict(row).get('id')}: {column_name} "
                        f"{value!r} cut to {length} characters"
                    )
                    value = value[:length]
            if column_name in _INSERT_ONLY:
                extra[column_name] = value
            else:
                values[column_name] = value
        for k in _KEYS[name]:
            if values.get(k) is None and k not in _HASHES:
                raise _Skip(f"no {k}")
        return values, extra

    def copy(self, name: str) -> None:
        report = self.report.table(name)
        sync = self.new_sync(name)
        sync.load()
        mapping = self.ids.setdefault(name, {})
        pickled = [c for c in ("config", "last_crawls") if name == "host" and c in self.src[name].c]
        flags = {c: self._not_null_ids(name, c) for c in pickled}
        site_names: set[str] = set()
        for row in self.rows(name):
            for column in pickled:
                if row["id"] in flags[column]:
                    report.note(f"pickled {name}.{column} not imported")
            try:
                values, extra = self.convert(name, row)
            except _Skip:
                report.skipped += 1
                continue
            if name == "site":
                self.site(row, values, site_names, sync)
            if name == "repository" and self.repository_clash(sync, values):
                report.skipped += 1
                continue
            our_id = sync.put(row.get("id"), values, extra)
            if our_id is not None and row.get("id") is not None:
                mapping[int(row["id"])] = our_id
            if name == "mm_user":
                self.usernames[values["username"]] = our_id or 0
        if name == "mm_user" and mapping:
            report.note("passwords not carried (users must reset them)", len(mapping))
        sync.finish()

    def repository_clash(self, sync: _Sync, values: dict[str, Any]) -> bool:
        """Ours may already serve this (prefix, arch) under another directory name."""
        if values["prefix"] is None or (values["name"],) in sync.rows:
            return False
        for other in sync.rows.values():
            same = (other["prefix"], other["arch_id"]) == (values["prefix"], values["arch_id"])
            if same and other["name"] != values["name"]:
                self.report.warnings.append(
                    f"repository {values['name']!r} skipped: prefix {values['prefix']!r} is "
                    f"already served here by {other['name']!r}"
                )
                return True
        return False

    def _not_null_ids(self, name: str, column: str) -> set[int]:
        table = self.src[name]
        return set(self.source.scalars(sa.select(table.c.id).where(table.c[column].is_not(None))))

    def site(self, row: RowMapping, values: dict[str, Any], seen: set[str], sync: _Sync) -> None:
        """Unique names (MM2's are not) and check-in passwords stored as hashes."""
        if values["name"] in seen:
            values["name"] = f"{values['name']} [mm2 site {row['id']}]"
            self.report.warnings.append(f"duplicate site name renamed {values['name']!r}")
        seen.add(values["name"])
        if values["password"]:
            existing = sync.rows.get((values["name"],)) or {}
            stored = existing.get("password")
            if is_hashed(stored) and verify_site_password(stored, values["password"]):
                values["password"] = stored  # already imported: keep its hash
            else:
                values["password"] = hash_site_password(values["password"])
                sync.report.note("check-in passwords hashed")
        else:
            values["password"] = None

    def directories(self, name: str) -> None:
        """In chunks: `files` is too big to hold for every directory at once."""
        report = self.report.table(name)
        sync = self.new_sync(name)
        mapping = self.ids.setdefault(name, {})
        chunk: list[RowMapping] = []

        def run(rows: list[RowMapping]) -> None:
            sync.rows = {}
            sync.load(_OURS[name].c.name.in_([r["name"] for r in rows]))
            for row in rows:
                values, extra = self.convert(name, row)
                files = _files(row["files"])
                if files is None:
                    report.note("pickled or unreadable files not imported")
                else:
                    values["files"] = files
                our_id = sync.put(row["id"], values, {**extra, "files": []})
                mapping[int(row["id"])] = our_id or 0
            sync.flush()

        for row in self.rows(name):
            chunk.append(row)
            if len(chunk) >= _BATCH:
                run(chunk)
                chunk = []
        run(chunk)
        sync.finish()

    def host_category_dirs(self, name: str) -> None:
        """MM2 may hold two rows for one directory (crawler "/a/b", check-in "a/b"); ours
        hold one: they are merged, up to date when either is (as MM2's cache reads them)."""
        report = self.report.table(name)
        merged: dict[tuple[int, int], tuple[int, dict[str, Any]]] = {}
        for row in self.rows(name):
            try:
                values, _ = self.convert(name, row)
            except _Skip:
                report.skipped += 1
                continue
            values["path"] = (values.get("path") or "").strip("/")
            key = (values["host_category_id"], values["directory_id"])
            if key in merged:
                report.note("duplicate rows merged")
                merged[key][1]["up2date"] |= values["up2date"]
            else:
                merged[key] = (int(row["id"]), values)
        sync = self.new_sync(name)
        sync.load()
        for mm2_id, values in merged.values():
            sync.put(mm2_id, values)
        sync.finish()

    def site_admins(self, name: str) -> None:
        """MM2 names admins by user name; most are FAS/OIDC accounts it never stored."""
        users = self.new_sync("mm_user")
        users.load(exclude=("password_hash",))
        report = self.report.table(name)
        pending: list[tuple[Any, int, str]] = []
        for row in self.rows(name):
            site, username = self.ids["site"].get(int(row["site_id"] or 0)), row["username"]
            if site is None or not username:
                report.skipped += 1
                continue
            if username not in self.usernames:
                existing = users.rows.get((username,))
                if existing is None:
                    users.report.note("created for site admins, without password")
                new_id = existing["id"] if existing else users.put(None, {"username": username})
                self.usernames[username] = new_id or 0
            pending.append((row["id"], site, username))
        users.finish()
        sync = self.new_sync(name)
        sync.load()
        for mm2_id, site, username in pending:
            sync.put(mm2_id, {"site_id": site, "user_id": self.usernames[username]})
        sync.finish()


def _files(raw: Any) -> list[dict[str, Any]] | None:
    """MM2's JSON `[{"name","size","timestamp"}]` as ours; None when it is not JSON (a
    legacy pickle, which is deliberately never loaded)."""
    if raw is None:
        return []
    if isinstance(raw, memoryview):
        raw = raw.tobytes()
    try:
        files = [
            {"name": str(e["name"]), "size": int(e["size"]), "mtime": int(e["timestamp"])}
            for e in json.loads(raw)
        ]
    except (ValueError, TypeError, KeyError):  # UnicodeDecodeError is a ValueError
        return None
    return sorted(files, key=lambda f: f["name"])


def _source_engine(url: str) -> sa.Engine:
    """An engine that only reads: not ours (which would switch a SQLite file to WAL mode)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(f"--from {url!r} is not a database URL: {exc}", url=url) from None
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise InputError(f"no MirrorManager2 database at {parsed.database!r}")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # the driver we ship
    return sa.create_engine(parsed)


def import_mm2(session: Session, source_url: str, *, dry_run: bool = False) -> ImportReport:
    """Copy the MirrorManager2 database at `source_url` into `session`'s, in one transaction
    (rolled back with `dry_run`)."""
    engine = _source_engine(source_url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as source:
            metadata = sa.MetaData()
            metadata.reflect(bind=source)
            if not any(t in metadata.tables for t in _REQUIRED):
                raise InputError(f"{where} is not a MirrorManager2 database (none of its tables)")
            report = _Importer(session, source, metadata.tables, dry_run).run()
    except SQLAlchemyError as exc:
        session.rollback()
        raise DatabaseError(f"import from MirrorManager2 database {where} failed: {exc}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        engine.dispose()
    if dry_run:
        session.rollback()
    else:
        session.commit()
    log.info("mm2 import", source=where, dry_run=dry_run, changes=report.changes)
    return report
