"""A Fedora-sized demo database for benchmarks, written directly with bulk inserts.

:func:`populate_fedora_scale` fills an empty database (COPY on PostgreSQL) to the size of
Fedora's: about 1,000 hosts, 60,000 directories and tens of millions of host-directory
rows. Kept apart from :mod:`mirrormanager.demo.network` because only benchmarks need it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from mirrormanager.db.models import (
    Arch,
    Category,
    CategoryDirectory,
    CountryContinentRedirect,
    Directory,
    FileDetail,
    Host,
    HostCategory,
    HostCategoryDir,
    HostCategoryUrl,
    HostCountryAllowed,
    HostNetblock,
    HostPeerAsn,
    NetblockAsn,
    NetblockCountry,
    Product,
    Repository,
    RepositoryRedirect,
    Site,
    Version,
)

Progress = Callable[[str, int, int | None], None]


_SCALE_CATEGORIES = (
    # name, product, topdir, share of directories, chance a host carries it
    ("Fedora Linux", "Fedora", "pub/fedora/linux", 0.45, 0.9),
    ("Fedora EPEL", "EPEL", "pub/epel", 0.25, 0.6),
    ("Fedora Secondary Arches", "Fedora", "pub/fedora-secondary", 0.15, 0.15),
    ("Fedora Archive", "Fedora", "pub/archive", 0.10, 0.05),
    ("Fedora Other", "Fedora", "pub/alt", 0.05, 0.3),
)
_ARCHES = ("x86_64", "aarch64", "ppc64le", "s390x", "source")
_BATCH = 50_000
# created_at of generated rows; this text form suits both databases.
_CREATED = "2026-10-01 00:00:00.000000"


def populate_fedora_scale(
    session: Session,
    *,
    hosts: int = 1000,
    countries: int = 60,
    repositories: int = 5000,
    directories: int = 60000,
    host_netblocks: int = 50000,
    asn_rows: int = 500000,
    file_details_per_repo: int = 10,
    progress: Progress | None = None,
    active_share: float = 0.45,
    rng_seed: int = 0,
) -> dict[str, int]:
    """Fill an *empty* database to Fedora's size, fast (bulk inserts, explicit ids).

    About ``active_share`` of the hosts are active (Fedora: ~400 of ~1,000); a host carries
    each category with its own probability, either whole or a contiguous part of it (some
    mirrors skip old releases), 2% of its rows are not up to date, and 5% of its categories
    are ``always_up2date`` (no rows). Returns the row count per table.
    """
    if session.scalar(select(func.count()).select_from(Host)) or session.scalar(
        select(func.count()).select_from(Directory)
    ):
        raise ValueError("populate_fedora_scale needs an empty database")
    rng = random.Random(rng_seed)
    counts: dict[str, int] = {}

    def bulk(model: Any, columns: str, rows: Iterable[Sequence[Any]]) -> None:
        table: Table = model.__table__
        names = columns.split()
        if "created_at" in table.c:  # raw inserts skip the models' Python-side defaults
            names.append("created_at")
            rows = ((*row, _CREATED) for row in rows)
        n = _bulk_insert(session, table, names, rows, progress)
        counts[table.name] = counts.get(table.name, 0) + n

    codes = _country_codes(countries)
    bulk(Product, "id name publiclist", [(1, "Fedora", True), (2, "EPEL", True)])
    bulk(
        Arch,
        "id name publiclist primary_arch",
        [(i + 1, a, True, True) for i, a in enumerate(_ARCHES)],
    )
    bulk(
        Version,
        "id product_id name is_test display ordered_mirrorlist sortorder",
        [
            (i + 1, 1 if i < 40 else 2, str(i + 1 if i < 40 else i - 39), False, True, True, i)
            for i in range(50)
        ],
    )
    # Directories: the category top directories first, then the others split by share.
    dir_rows: list[tuple[int, str]] = []
    cat_dirs: list[list[int]] = []
    next_id = len(_SCALE_CATEGORIES) + 1
    for index, (_name, _product, top, share, _p) in enumerate(_SCALE_CATEGORIES):
        dir_rows.append((index + 1, top))
        ids = [index + 1]
        for n in range(int(directories * share)):
            dir_rows.append((next_id, f"{top}/{n % 97}/{n // 97}/d{n}"))
            ids.append(next_id)
            next_id += 1
        cat_dirs.append(ids)
    bulk(
        Directory,
        "id name ctime readable files",
        ((i, name, 1_790_000_000, True, "[]") for i, name in dir_rows),
    )
    bulk(
        Category,
        "id name product_id topdir_id publiclist admin_only",
        [
            (i + 1, c[0], 1 if c[1] == "Fedora" else 2, i + 1, True, False)
            for i, c in enumerate(_SCALE_CATEGORIES)
        ],
    )
    bulk(
        CategoryDirectory,
        "category_id directory_id",
        ((c + 1, d) for c, ids in enumerate(cat_dirs) for d in ids),
    )
    names = dict(dir_rows)
    # Repositories on the first directories of each category, FileDetails on each.
    repo_dirs = [ids[1 + k] for k in range(repositories) for ids in cat_dirs[:2]][:repositories]
    bulk(
        Repository,
        "id name prefix category_id version_id arch_id directory_id disabled",
        (
            (
                r + 1,
                names[d],
                f"repo-{r // len(_ARCHES)}",
                1 + (r % 2),
                1 + (r % 50),
                1 + (r % len(_ARCHES)),
                d,
                r % 500 == 0,
            )
            for r, d in enumerate(repo_dirs)
        ),
    )
    bulk(
        FileDetail,
        "directory_id filename timestamp size md5 sha1 sha256 sha512",
        (
            (
                d,
                "repomd.xml",
                1_790_000_000 - g * 3600,
                4096 + g,
                f"{r:032x}",
                f"{r:040x}",
                f"{r * 100 + g:064x}",
                f"{g:0128x}",
            )
            for r, d in enumerate(repo_dirs)
            for g in range(file_details_per_repo)
        ),
    )
    # Sites and hosts.
    host_country = [
        codes[min(int(rng.paretovariate(1.2)) - 1, len(codes) - 1)] for _ in range(hosts)
    ]
    bulk(
        Site,
        "id name private admin_active user_active all_sites_can_pull_from_me email_on_drop "
        "email_on_add",
        (
            (h + 1, f"site{h + 1}", h % 50 == 7, True, True, False, False, False)
            for h in range(hosts)
        ),
    )
    active = [rng.random() < active_share for _ in range(hosts)]
    bulk(
        Host,
        "id site_id name country bandwidth_int max_connections private internet2 "
        "internet2_clients asn asn_clients admin_active user_active disabled_by_crawler "
        "crawl_failures",
        (
            (
                h + 1,
                h + 1,
                f"mirror{h + 1}.example.net",
                host_country[h],
                int(min(100_000, 10 * rng.paretovariate(0.8))),
                1,
                h % 25 == 3,
                h % 10 == 0,
                False,
                64512 + h if h % 4 == 0 else None,
                True,
                active[h] or h % 3 != 0,
                active[h],
                False,
                0,
            )
            for h in range(hosts)
        ),
    )
    hc_rows: list[tuple[int, int, int, bool]] = []
    for h in range(hosts):
        for c, spec in enumerate(_SCALE_CATEGORIES):
            if rng.random() < spec[4]:
                hc_rows.append((len(hc_rows) + 1, h + 1, c + 1, rng.random() < 0.05))
    bulk(HostCategory, "id host_id category_id always_up2date", hc_rows)
    bulk(
        HostCategoryUrl,
        "host_category_id url private",
        (
            (
                hc,
                f"{scheme}://mirror{h}.example.net/{_SCALE_CATEGORIES[c - 1][2]}",
                scheme == "rsync",
            )
            for hc, h, c, _a in hc_rows
            for scheme in ("https", "http", "rsync")
        ),
    )
    # Tens of millions of rows: maintaining the directory index row by row costs more than
    # building it once at the end (the unique index is filled in order, so it stays cheap).
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB for this connection
    deferred = [i for i in cast(Table, HostCategoryDir.__table__).indexes if not i.unique]
    for hcd_index in deferred:
        hcd_index.drop(connection)
    bulk(
        HostCategoryDir,
        "host_category_id directory_id path up2date",
        _host_category_dirs(rng, hc_rows, cat_dirs, names),
    )
    for hcd_index in deferred:
        if progress is not None:
            progress(f"index {hcd_index.name}", 0, None)
        hcd_index.create(connection)
    bulk(
        HostNetblock,
        "host_id netblock",
        ((1 + n % hosts, _cidr(n, 1)) for n in range(host_netblocks)),
    )
    bulk(HostPeerAsn, "host_id asn", ((h + 1, 65000 + h) for h in range(0, hosts, 7)))
    bulk(
        HostCountryAllowed,
        "host_id country",
        ((h + 1, host_country[h]) for h in range(0, hosts, 40)),
    )
    bulk(NetblockAsn, "netblock asn", ((_cidr(n, 2), 1 + n % 60_000) for n in range(asn_rows)))
    bulk(
        NetblockCountry,
        "netblock country",
        ((_cidr(n, 3), codes[n % len(codes)]) for n in range(1000)),
    )
    bulk(CountryContinentRedirect, "country continent", [("IL", "EU"), ("TR", "EU")])
    bulk(RepositoryRedirect, "from_repo to_repo", [("fedora-rawhide", "rawhide")])
    _fix_sequences(session)
    session.commit()
    return counts


def _host_category_dirs(
    rng: random.Random,
    hc_rows: list[tuple[int, int, int, bool]],
    cat_dirs: list[list[int]],
    names: dict[int, str],
) -> Iterator[tuple[int, int, str, bool]]:
    tops = [ids[0] for ids in cat_dirs]
    for hc, _h, c, always in hc_rows:
        if always:
            continue
        ids = cat_dirs[c - 1]
        top_len = len(names[tops[c - 1]]) + 1
        if rng.random() < 0.5:
            part = ids
        else:  # a part of the category: these mirrors skip some releases
            size = int(len(ids) * rng.uniform(0.2, 0.8))
            start = rng.randrange(0, len(ids) - size + 1)
            part = ids[start : start + size]
        for d in part:
            yield hc, d, names[d][top_len:], rng.random() >= 0.02


def _cidr(n: int, space: int) -> str:
    """Distinct networks per ``space``: IPv4 /24s, every eighth an IPv6 /48."""
    if n % 8 == 7:
        return f"2001:db8:{space:x}{(n >> 16) & 0xFFF:03x}:{n & 0xFFFF:x}::/64"
    return f"{space * 20 + (n >> 16)}.{(n >> 8) & 0xFF}.{n & 0xFF}.0/24"


def _country_codes(count: int) -> list[str]:
    common = [
        "US",
        "DE",
        "CN",
        "FR",
        "GB",
        "JP",
        "NL",
        "CZ",
        "RU",
        "BR",
        "CA",
        "AU",
        "SE",
        "CH",
        "IT",
        "ES",
        "PL",
        "KR",
        "IN",
        "TW",
        "AT",
        "FI",
        "NO",
        "DK",
        "BE",
        "SG",
        "HK",
        "ZA",
        "NZ",
        "IE",
        "PT",
        "GR",
        "HU",
        "RO",
        "BG",
        "UA",
        "TR",
        "IL",
        "MX",
        "AR",
        "CL",
        "CO",
        "ID",
        "TH",
        "VN",
        "MY",
        "PH",
        "KZ",
        "EE",
        "LV",
        "LT",
        "SK",
        "SI",
        "HR",
        "RS",
        "IS",
        "LU",
        "BY",
        "EC",
        "PE",
    ]
    extra = [f"{a}{b}" for a in "QX" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    return (common + extra)[:count]


def _bulk_insert(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    progress: Progress | None,
) -> int:
    connection = session.connection()
    iterator = iter(rows)
    total = 0
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in iterator:
                copy.write_row(row)
                total += 1
                if progress is not None and total % _BATCH == 0:
                    progress(table.name, total, None)
    else:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        while batch := list(islice(iterator, _BATCH)):
            connection.exec_driver_sql(sql, batch)
            total += len(batch)
            if progress is not None:
                progress(table.name, total, None)
    if progress is not None:
        progress(table.name, total, total)
    return total


def _fix_sequences(session: Session) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the data."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in (
        Product,
        Arch,
        Version,
        Directory,
        Category,
        Repository,
        FileDetail,
        Site,
        Host,
        HostCategory,
        HostCategoryUrl,
        HostCategoryDir,
        HostNetblock,
        HostPeerAsn,
        HostCountryAllowed,
        NetblockAsn,
        NetblockCountry,
        CountryContinentRedirect,
        RepositoryRedirect,
    ):
        name = table.__tablename__
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )
