"""A MirrorManager2 database for import tests: MM2's schema (as its SQLAlchemy model creates
it on SQLite) and a small network with the quirks real MM2 data has."""

from __future__ import annotations

import json
import pickle
import sqlite3
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE site (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, password TEXT, org_url TEXT,
    private BOOLEAN NOT NULL, admin_active BOOLEAN NOT NULL, user_active BOOLEAN NOT NULL,
    created_at DATETIME NOT NULL, created_by TEXT NOT NULL,
    all_sites_can_pull_from_me BOOLEAN NOT NULL, downstream_comments TEXT,
    email_on_drop BOOLEAN NOT NULL, email_on_add BOOLEAN NOT NULL);
CREATE TABLE country (id INTEGER NOT NULL PRIMARY KEY, code TEXT NOT NULL UNIQUE);
CREATE TABLE host (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, site_id INTEGER REFERENCES site (id),
    robot_email TEXT, admin_active BOOLEAN NOT NULL, user_active BOOLEAN NOT NULL,
    country TEXT NOT NULL, bandwidth_int INTEGER, comment TEXT, config BLOB,
    last_checked_in DATETIME, last_crawled DATETIME, private BOOLEAN NOT NULL,
    internet2 BOOLEAN NOT NULL, internet2_clients BOOLEAN NOT NULL, asn INTEGER,
    asn_clients BOOLEAN NOT NULL, max_connections INTEGER NOT NULL,
    last_crawl_duration BIGINT, crawl_failures INTEGER NOT NULL, disable_reason TEXT,
    push_ssh_private_key TEXT, push_ssh_host TEXT, push_ssh_command TEXT, last_crawls BLOB,
    latitude FLOAT, longitude FLOAT,
    CONSTRAINT host_idx UNIQUE (site_id, name));
CREATE TABLE directory (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE, files BLOB,
    readable BOOLEAN NOT NULL, ctime BIGINT);
CREATE TABLE product (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE, publiclist BOOLEAN NOT NULL);
CREATE TABLE category (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE, canonicalhost TEXT,
    publiclist BOOLEAN NOT NULL, geo_dns_domain TEXT, admin_only BOOLEAN,
    product_id INTEGER REFERENCES product (id), topdir_id INTEGER REFERENCES directory (id));
CREATE TABLE site_to_site (
    id INTEGER NOT NULL PRIMARY KEY, username TEXT, password TEXT,
    upstream_site_id INTEGER NOT NULL REFERENCES site (id),
    downstream_site_id INTEGER NOT NULL REFERENCES site (id));
CREATE TABLE site_admin (
    id INTEGER NOT NULL PRIMARY KEY, username TEXT,
    site_id INTEGER NOT NULL REFERENCES site (id));
CREATE TABLE host_category (
    id INTEGER NOT NULL PRIMARY KEY, host_id INTEGER REFERENCES host (id),
    category_id INTEGER REFERENCES category (id) ON DELETE CASCADE,
    always_up2date BOOLEAN NOT NULL,
    CONSTRAINT host_category_hcindex UNIQUE (host_id, category_id));
CREATE TABLE host_category_dir (
    id INTEGER NOT NULL PRIMARY KEY,
    host_category_id INTEGER NOT NULL REFERENCES host_category (id),
    path TEXT, up2date BOOLEAN NOT NULL,
    directory_id INTEGER REFERENCES directory (id) ON DELETE CASCADE,
    CONSTRAINT host_category_dir_hcdindex UNIQUE (host_category_id, path));
CREATE TABLE category_directory (
    category_id INTEGER NOT NULL REFERENCES category (id),
    directory_id INTEGER NOT NULL REFERENCES directory (id),
    PRIMARY KEY (category_id, directory_id));
CREATE TABLE host_category_url (
    id INTEGER NOT NULL PRIMARY KEY,
    host_category_id INTEGER NOT NULL REFERENCES host_category (id),
    url TEXT NOT NULL UNIQUE, private BOOLEAN NOT NULL);
CREATE TABLE host_acl_ip (
    id INTEGER NOT NULL PRIMARY KEY, ip TEXT UNIQUE, host_id INTEGER REFERENCES host (id));
CREATE TABLE host_country_allowed (
    id INTEGER NOT NULL PRIMARY KEY, country TEXT NOT NULL UNIQUE,
    host_id INTEGER REFERENCES host (id));
CREATE TABLE host_netblock (
    id INTEGER NOT NULL PRIMARY KEY, netblock TEXT, name TEXT,
    host_id INTEGER REFERENCES host (id));
CREATE TABLE host_peer_asn (
    id INTEGER NOT NULL PRIMARY KEY, asn INTEGER NOT NULL, name TEXT,
    host_id INTEGER REFERENCES host (id), CONSTRAINT host_peer_asn_idx UNIQUE (host_id, asn));
CREATE TABLE host_stats (
    id INTEGER NOT NULL PRIMARY KEY, timestamp DATETIME NOT NULL, type TEXT, data BLOB,
    host_id INTEGER REFERENCES host (id));
CREATE TABLE arch (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE, publiclist BOOLEAN NOT NULL,
    primary_arch BOOLEAN NOT NULL);
CREATE TABLE version (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT, codename TEXT, is_test BOOLEAN NOT NULL,
    display BOOLEAN NOT NULL, display_name TEXT, ordered_mirrorlist BOOLEAN NOT NULL,
    sortorder INTEGER NOT NULL, product_id INTEGER REFERENCES product (id),
    CONSTRAINT version_idx UNIQUE (name, product_id));
CREATE TABLE repository (
    id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE, prefix TEXT,
    category_id INTEGER REFERENCES category (id), version_id INTEGER REFERENCES version (id),
    arch_id INTEGER REFERENCES arch (id), directory_id INTEGER REFERENCES directory (id),
    disabled BOOLEAN NOT NULL, CONSTRAINT repository_idx UNIQUE (prefix, arch_id));
CREATE TABLE file_detail (
    id INTEGER NOT NULL PRIMARY KEY, filename TEXT NOT NULL, timestamp BIGINT, size BIGINT,
    sha1 TEXT, md5 TEXT, sha256 TEXT, sha512 TEXT,
    directory_id INTEGER NOT NULL REFERENCES directory (id));
CREATE TABLE repository_redirect (
    id INTEGER NOT NULL PRIMARY KEY, to_repo TEXT, from_repo TEXT NOT NULL UNIQUE,
    CONSTRAINT repository_redirect_idx UNIQUE (from_repo, to_repo));
CREATE TABLE country_continent_redirect (
    id INTEGER NOT NULL PRIMARY KEY, country TEXT NOT NULL UNIQUE, continent TEXT NOT NULL);
CREATE TABLE embargoed_country (
    id INTEGER NOT NULL PRIMARY KEY, country_code TEXT NOT NULL UNIQUE);
CREATE TABLE directory_exclusive_host (
    id INTEGER NOT NULL PRIMARY KEY, directory_id INTEGER NOT NULL REFERENCES directory (id),
    host_id INTEGER NOT NULL REFERENCES host (id),
    CONSTRAINT directory_exclusive_host_idx UNIQUE (directory_id, host_id));
CREATE TABLE location (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE host_location (
    id INTEGER NOT NULL PRIMARY KEY, location_id INTEGER NOT NULL REFERENCES location (id),
    host_id INTEGER NOT NULL REFERENCES host (id),
    CONSTRAINT host_location_hlidx UNIQUE (location_id, host_id));
CREATE TABLE netblock_country (
    id INTEGER NOT NULL PRIMARY KEY, netblock TEXT NOT NULL UNIQUE, country TEXT NOT NULL);
CREATE TABLE mm_user (
    id INTEGER NOT NULL PRIMARY KEY, user_name VARCHAR(16) NOT NULL UNIQUE,
    email_address VARCHAR(255) NOT NULL UNIQUE, display_name VARCHAR(255), password TEXT,
    token VARCHAR(50), updated_on DATETIME NOT NULL, created DATETIME NOT NULL);
CREATE TABLE mm_group (
    id INTEGER NOT NULL PRIMARY KEY, group_name VARCHAR(16) NOT NULL UNIQUE,
    display_name VARCHAR(255), created DATETIME NOT NULL);
CREATE TABLE mm_user_group (
    user_id INTEGER NOT NULL REFERENCES mm_user (id),
    group_id INTEGER NOT NULL REFERENCES mm_group (id), PRIMARY KEY (user_id, group_id));
CREATE TABLE mm_user_visit (
    id INTEGER NOT NULL PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES mm_user (id),
    visit_key VARCHAR(40) NOT NULL UNIQUE, user_ip VARCHAR(50) NOT NULL,
    created DATETIME NOT NULL, expiry DATETIME);
"""

FEDORA = "pub/fedora/linux"
OS_DIR = f"{FEDORA}/releases/42/Everything/x86_64/os"
# A pickle as MM2 < 0.8 wrote Directory.files and Host.config (protocol 2: starts b"\x80").
PICKLED_FILES = pickle.dumps({"repomd.xml": {"size": 1, "stat": 1}}, protocol=2)
PICKLED_CONFIG = pickle.dumps({"version": "1.4", "global": {"enabled": "1"}}, protocol=2)
CREATED = "2015-03-04 05:06:07.000000"
CHECKED_IN = "2026-11-01 12:00:00.000000"


def _json_files(*entries: tuple[str, int, int]) -> bytes:
    return json.dumps([{"name": n, "size": s, "timestamp": t} for n, s, t in entries]).encode()


def _insert(db: sqlite3.Connection, table: str, *rows: dict[str, Any]) -> None:
    for row in rows:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))


def _site(id: int, name: str, password: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "name": name,
        "password": password,
        "org_url": f"https://{name.split()[0].lower()}.example",
        "private": False,
        "admin_active": True,
        "user_active": True,
        "created_at": CREATED,
        "created_by": "admin",
        "all_sites_can_pull_from_me": False,
        "email_on_drop": False,
        "email_on_add": False,
        **extra,
    }


def _host(id: int, site_id: int | None, name: str, country: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "site_id": site_id,
        "name": name,
        "country": country,
        "admin_active": True,
        "user_active": True,
        "bandwidth_int": 1000,
        "private": False,
        "internet2": False,
        "internet2_clients": False,
        "asn_clients": True,
        "max_connections": 1,
        "crawl_failures": 0,
        **extra,
    }


def build_mm2_database(path: Path) -> str:
    """Create MM2's schema at `path`, fill it with a small network, return its URL."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    _insert(
        db,
        "product",
        {"id": 1, "name": "Fedora", "publiclist": True},
        {"id": 2, "name": "EPEL", "publiclist": True},
    )
    _insert(
        db,
        "arch",
        *[
            {"id": i, "name": n, "publiclist": True, "primary_arch": p}
            for i, n, p in ((1, "x86_64", True), (2, "aarch64", True), (3, "source", False))
        ],
    )
    _insert(
        db,
        "directory",
        {"id": 1, "name": FEDORA, "readable": True, "ctime": 100, "files": _json_files()},
        {"id": 2, "name": f"{FEDORA}/releases", "readable": True, "ctime": 101},
        {
            "id": 3,
            "name": OS_DIR,
            "readable": True,
            "ctime": 102,
            "files": _json_files(
                ("media.repo", 85, 1_760_000_001), (".treeinfo", 1462, 1_760_000_000)
            ),
        },
        {
            "id": 4,
            "name": f"{OS_DIR}/repodata",
            "readable": True,
            "ctime": 103,
            "files": _json_files(("repomd.xml", 5230, 1_760_000_002)),
        },
        {"id": 5, "name": "pub/epel", "readable": True, "ctime": 200, "files": PICKLED_FILES},
        {"id": 6, "name": "pub/epel/9/Everything/x86_64", "readable": False, "ctime": None},
    )
    _insert(
        db,
        "category",
        {
            "id": 1,
            "name": "Fedora Linux",
            "canonicalhost": "https://dl.fedoraproject.org",
            "publiclist": True,
            "admin_only": False,
            "product_id": 1,
            "topdir_id": 1,
        },
        {
            "id": 2,
            "name": "Fedora EPEL",
            "canonicalhost": "https://dl.fedoraproject.org",
            "publiclist": True,
            "admin_only": None,
            "product_id": 2,
            "topdir_id": 5,
        },
    )
    _insert(
        db,
        "category_directory",
        *[
            {"category_id": c, "directory_id": d}
            for c, d in ((1, 1), (1, 2), (1, 3), (1, 4), (2, 5), (2, 6))
        ],
    )
    _insert(
        db,
        "version",
        {
            "id": 1,
            "name": "42",
            "is_test": False,
            "display": True,
            "ordered_mirrorlist": True,
            "sortorder": 42,
            "product_id": 1,
        },
        {
            "id": 2,
            "name": "9",
            "is_test": False,
            "display": True,
            "ordered_mirrorlist": True,
            "sortorder": 9,
            "product_id": 2,
            "display_name": "EPEL 9",
        },
        {
            "id": 3,
            "name": None,
            "is_test": True,
            "display": False,
            "ordered_mirrorlist": True,
            "sortorder": 0,
            "product_id": 1,
        },
    )
    _insert(
        db,
        "repository",
        {
            "id": 1,
            "name": OS_DIR,
            "prefix": "fedora-42",
            "category_id": 1,
            "version_id": 1,
            "arch_id": 1,
            "directory_id": 3,
            "disabled": False,
        },
        {
            "id": 2,
            "name": "pub/epel/9/Everything/x86_64",
            "prefix": "epel-9",
            "category_id": 2,
            "version_id": 2,
            "arch_id": 1,
            "directory_id": 6,
            "disabled": False,
        },
    )
    _insert(
        db,
        "file_detail",
        {
            "id": 1,
            "directory_id": 4,
            "filename": "repomd.xml",
            "timestamp": 1_759_000_000,
            "size": 5100,
            "sha256": "a" * 64,
            "md5": "b" * 32,
        },
        {
            "id": 2,
            "directory_id": 4,
            "filename": "repomd.xml",
            "timestamp": 1_760_000_002,
            "size": 5230,
            "sha256": "c" * 64,
            "sha512": "d" * 128,
        },
        {"id": 3, "directory_id": 4, "filename": "broken.xml", "timestamp": None, "size": None},
    )
    _insert(
        db,
        "repository_redirect",
        {"id": 1, "from_repo": "fedora-rawhide-41", "to_repo": "rawhide"},
        {"id": 2, "from_repo": "fedora-nothing", "to_repo": None},
    )
    _insert(db, "country_continent_redirect", {"id": 1, "country": "il", "continent": "eu"})
    _insert(db, "embargoed_country", {"id": 1, "country_code": "KP"})
    _insert(db, "netblock_country", {"id": 1, "netblock": "192.0.2.0/24", "country": "NL"})
    _insert(db, "location", {"id": 1, "name": "aws-us-east-1"})
    _insert(
        db,
        "site",
        _site(1, "Example University", "s3cret"),
        _site(2, "Private Corp", "hunter2", private=True, downstream_comments="internal only"),
        _site(3, "Example University", None),  # MM2 does not keep site names unique
    )
    _insert(
        db,
        "host",
        _host(
            1,
            1,
            "mirror.example.edu",
            "us",
            config=PICKLED_CONFIG,
            last_crawls=PICKLED_CONFIG,
            last_checked_in=CHECKED_IN,
            last_crawl_duration=420,
            latitude=42.36,
            longitude=-71.09,
            robot_email="mirror@example.edu",
        ),
        _host(2, 2, "internal.corp.example", "CA", private=True, asn=64500, bandwidth_int=None),
        _host(3, None, "orphan.example", "DE"),
        _host(
            4,
            3,
            "mirror2.example.edu",
            "US",
            user_active=False,
            disable_reason="crawl failed",
            crawl_failures=4,
        ),
    )
    _insert(
        db,
        "host_category",
        *[
            {"id": i, "host_id": h, "category_id": c, "always_up2date": a}
            for i, h, c, a in (
                (1, 1, 1, False),
                (2, 1, 2, False),
                (3, 2, 1, True),
                (4, 4, 1, False),
            )
        ],
    )
    _insert(
        db,
        "host_category_url",
        {
            "id": 1,
            "host_category_id": 1,
            "url": "https://mirror.example.edu/fedora/linux",
            "private": False,
        },
        {
            "id": 2,
            "host_category_id": 1,
            "url": "rsync://mirror.example.edu/fedora/linux",
            "private": True,
        },
        {
            "id": 3,
            "host_category_id": 2,
            "url": "https://mirror.example.edu/epel",
            "private": False,
        },
        {
            "id": 4,
            "host_category_id": 3,
            "url": "https://internal.corp.example/fedora",
            "private": False,
        },
    )
    _insert(
        db,
        "host_category_dir",
        # The crawler's row (leading "/") and report_mirror's row for the same directory.
        {
            "id": 1,
            "host_category_id": 1,
            "path": "/releases/42/Everything/x86_64/os",
            "up2date": False,
            "directory_id": 3,
        },
        {
            "id": 2,
            "host_category_id": 1,
            "path": "releases/42/Everything/x86_64/os",
            "up2date": True,
            "directory_id": 3,
        },
        {
            "id": 3,
            "host_category_id": 1,
            "path": "releases/42/Everything/x86_64/os/repodata",
            "up2date": True,
            "directory_id": 4,
        },
        {"id": 4, "host_category_id": 1, "path": "gone", "up2date": True, "directory_id": None},
        {"id": 5, "host_category_id": 3, "path": "", "up2date": True, "directory_id": 1},
    )
    _insert(
        db,
        "host_netblock",
        {"id": 1, "host_id": 2, "netblock": "192.0.2.0/24", "name": "corp"},
        {"id": 2, "host_id": 2, "netblock": None, "name": "empty"},
    )
    _insert(db, "host_peer_asn", {"id": 1, "host_id": 2, "asn": 64501, "name": "corp-peer"})
    _insert(db, "host_country_allowed", {"id": 1, "host_id": 2, "country": "CA"})
    _insert(db, "host_acl_ip", {"id": 1, "host_id": 1, "ip": "198.51.100.7"})
    _insert(db, "host_location", {"id": 1, "host_id": 1, "location_id": 1})
    _insert(db, "directory_exclusive_host", {"id": 1, "directory_id": 6, "host_id": 2})
    _insert(
        db,
        "mm_user",
        {
            "id": 1,
            "user_name": "alice",
            "email_address": "alice@example.edu",
            "display_name": "Alice",
            "password": "$2b$12$notcarried",
            "updated_on": CREATED,
            "created": CREATED,
        },
    )
    _insert(db, "mm_group", {"id": 1, "group_name": "sysadmin", "created": CREATED})
    _insert(db, "mm_user_group", {"user_id": 1, "group_id": 1})
    _insert(
        db,
        "site_admin",
        {"id": 1, "site_id": 1, "username": "alice"},
        {"id": 2, "site_id": 2, "username": "bob"},
        {"id": 3, "site_id": 1, "username": None},
    )
    _insert(
        db,
        "site_to_site",
        {
            "id": 1,
            "upstream_site_id": 1,
            "downstream_site_id": 2,
            "username": "corp",
            "password": "pull",
        },
    )
    db.commit()
    db.close()
    return f"sqlite:///{path}"


def execute(url: str, sql: str, *params: Any) -> None:
    """Change the MM2 database between imports."""
    db = sqlite3.connect(url.removeprefix("sqlite:///"))
    db.execute(sql, params)
    db.commit()
    db.close()
