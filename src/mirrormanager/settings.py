"""The one settings table of MirrorManager.

`Settings` is both the table and the typed result: every field declares its type (by
annotation), default, help text and whether it is secret. Loading, `mirrormanager config
show` and `docs/configuration.md` all come from it, and a test fails when the docs miss a
setting. Values come from, in rising priority: the defaults here, one TOML file
(`--config`, else `$MM_CONFIG`, else `/etc/mirrormanager/mirrormanager.toml` if it exists),
and `MM_<NAME>` environment variables.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tomllib
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from mirrormanager.core.categories import CategorySpec, parse_categories
from mirrormanager.core.hostport import HostPort
from mirrormanager.core.repo_rules import RepoRule, parse_rules
from mirrormanager.core.setting_types import convert, from_env_text, type_name
from mirrormanager.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("/etc/mirrormanager/mirrormanager.toml")
ENV_PREFIX = "MM_"


def _packaged_toml(name: str) -> dict[str, Any]:
    text = (resources.files("mirrormanager") / "defaults" / name).read_text("utf-8")
    return tomllib.loads(text)


def _default_categories() -> tuple[CategorySpec, ...]:
    return parse_categories(_packaged_toml("categories.toml")["categories"], "<shipped defaults>")


def _default_repo_rules() -> tuple[RepoRule, ...]:
    return parse_rules(_packaged_toml("repo_rules.toml")["repo_rules"], "<shipped defaults>")


def setting(default: Any = None, *, help: str, secret: bool = False, factory: Any = None) -> Any:
    """Declare one row of the settings table."""
    meta = {"help": help, "secret": secret}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting MirrorManager reads; `mirrormanager config show` prints them."""

    database_url: str = setting(
        "",
        help="SQLAlchemy URL of the database; empty means a SQLite file in data_dir. "
        "Production: postgresql+psycopg://user:password@host/dbname",
        secret=True,
    )
    data_dir: Path = setting(
        Path("/var/lib/mirrormanager"),
        help="Where MirrorManager keeps its state: SQLite database, snapshots, locks",
    )
    log_dir: Path = setting(
        Path("/var/log/mirrormanager"), help="Where per-host crawler logs and access logs go"
    )
    log_format: str = setting(
        "auto", help="auto (console on a terminal, JSON lines otherwise), console or json"
    )
    log_level: str = setting("INFO", help="DEBUG, INFO, WARNING or ERROR")
    master_prefix: Path = setting(
        Path("/srv"), help="Directory on the backend where the master tree is mounted"
    )
    categories: tuple[CategorySpec, ...] = setting(
        factory=_default_categories,
        help="Categories to scan ([[categories]] tables: name, product, topdir relative to "
        "master_prefix, excludes, publiclist, admin_only)",
    )
    repo_rules: tuple[RepoRule, ...] = setting(
        factory=_default_repo_rules,
        help="Ordered rules that turn a repository path into version, arch and repo prefix "
        "([[repo_rules]] tables: path, prefix, categories, version, arch, is_test)",
    )
    scan_excludes: tuple[str, ...] = setting(
        (r"(.*/)?\.snapshot", r"(.*/)?\.~tmp~.*"),
        help="Regular expressions (full match on the path relative to the category top "
        "directory) of directories the scanner never enters",
    )
    scan_fullfiletimelist: bool = setting(
        True,
        help="Read a category from its fullfiletimelist-* file (in its top directory or "
        "the parent) instead of walking the disk, when there is one",
    )
    short_filelist_threshold: int = setting(
        10,
        help="A directory with more files than this of one package kind (.rpm, .drpm, .html, "
        ".hdr) keeps only its newest files in the database",
    )
    short_filelist_keep: int = setting(
        3, help="How many newest files such a directory keeps for the crawler to check"
    )
    file_detail_keep_days: int = setting(
        4,
        help="Older repomd.xml FileDetails stay this many days as metalink alternates "
        "(MirrorManager2's MAX_STALE_DAYS)",
    )
    file_detail_keep_count: int = setting(
        8, help="At most this many FileDetails per file are kept as metalink alternates"
    )
    embargoed_countries: tuple[str, ...] = setting(
        ("CU", "IR", "KP", "SD", "SY"),
        help="ISO country codes that get no mirrors and whose mirrors are not crawled",
    )
    # --- snapshot and mirrorlist server -------------------------------------------------
    snapshot_file: str = setting(
        "",
        help="Snapshot the builder writes and the mirrorlist servers load; empty means "
        "data_dir/mirrorlist.snapshot (the previous generation is kept in old/ beside it)",
    )
    snapshot_publish_targets: tuple[str, ...] = setting(
        (),
        help="rsync destinations `mirrormanager snapshot publish` pushes the snapshot to, "
        "e.g. proxy01:/var/lib/mirrormanager/ (over ssh) or a local folder",
    )
    snapshot_publish_timeout: float = setting(
        60.0,
        help="Seconds: rsync I/O and ssh connect timeout of `snapshot publish`, HTTP timeout "
        "of `snapshot fetch`",
    )
    snapshot_fetch_max_bytes: int = setting(
        512 << 20, help="`snapshot fetch` refuses a download larger than this"
    )
    mirrorlist_bind: HostPort = setting(
        HostPort("127.0.0.1", 8080), help="host:port the mirrorlist server listens on"
    )
    mirrorlist_workers: int = setting(2, help="Worker processes of the mirrorlist server")
    mirrorlist_minimum: int = setting(
        5, help="Add hosts of the whole world when fewer than this were found so far"
    )
    mirrorlist_reload_seconds: float = setting(
        2.0, help="How often a mirrorlist worker checks whether the snapshot file changed"
    )
    mirrorlist_strict_family: bool = setting(
        False,
        help="Leave out hosts the crawler found unreachable over the client's IP family "
        "(IPv4/IPv6) instead of listing them last in each step",
    )
    mirrorlist_distance_order: bool = setting(
        True,
        help="Order the continent and global steps by distance from the client (1,000 km "
        "bands, bandwidth-weighted inside a band) instead of one bandwidth-weighted shuffle",
    )
    mirrorlist_pool_size: int = setting(
        16,
        help="Answers drawn in advance per client class (host set, country, position cell, "
        "IP family, options) and served at random, redrawn in the background (a full "
        "answer's server CPU falls by a third); 0 draws every answer per request",
    )
    mirrorlist_pool_bytes: int = setting(
        64 << 20,
        help="Memory bound of those pools per worker (least recently used classes dropped)",
    )
    mirrorlist_access_log: str = setting(
        "",
        help="Access log of repo/arch requests (input of the statistics); empty means "
        "log_dir/mirrorlist-access.log, '-' disables it",
    )
    geoip_database: str = setting(
        "/usr/share/GeoIP/GeoLite2-Country.mmdb",
        help="MaxMind-format country or city database (GeoLite2-Country/-City, DB-IP lite, "
        "…); a city database also gives clients' positions for distance ordering (else "
        "their country's centroid); empty disables GeoIP",
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        help="CIDRs of front ends whose X-Forwarded-For and `ip=` parameter the mirrorlist "
        "server believes; empty: never believed (`ip=` from anyone else is ignored and the "
        "answer says so)",
    )
    # --- crawler and check-in -----------------------------------------------------------
    crawler_concurrency: int = setting(32, help="Hosts crawled at the same time")
    crawler_auto_disable: int = setting(
        4, help="Consecutive failed crawls after which a host is disabled"
    )
    crawler_connect_timeout: float = setting(10.0, help="Seconds to connect to a mirror")
    crawler_read_timeout: float = setting(30.0, help="Seconds to wait for a mirror's answer")
    crawler_host_timeout_minutes: float = setting(
        120.0, help="Total time limit for crawling one host"
    )
    crawler_max_response_bytes: int = setting(
        64 << 20,
        help="Ceiling of every body read from a mirror (decoded bytes); the three caps "
        "below are clipped to it",
    )
    crawler_max_repomd_bytes: int = setting(
        1 << 20,
        help="Largest repomd.xml read from a mirror; held in memory, one per connection",
    )
    crawler_max_timelist_bytes: int = setting(
        64 << 20,
        help="Largest fullfiletimelist read from a mirror (streamed, not held in memory); "
        "a larger one falls back to per-file checks",
    )
    crawler_max_listing_bytes: int = setting(
        64 << 20, help="Largest rsync listing read from a mirror (streamed line by line)"
    )
    crawler_host_max_connections: int = setting(
        8,
        help="Ceiling of a host's own max_connections: requests to one mirror at once "
        "(the crawl's memory bound is crawler_concurrency x this x crawler_max_repomd_bytes)",
    )
    crawler_protocol: str = setting(
        "auto", help="auto (rsync, else https, else http), rsync, https or http"
    )
    crawler_cross_host_redirects: bool = setting(
        False, help="Follow redirects from a mirror to another host"
    )
    crawler_rsync_args: tuple[str, ...] = setting(
        ("--no-motd", "--timeout=600"), help="Extra arguments of every rsync listing"
    )
    crawler_max_differing_files: int = setting(
        64, help="A stale directory lacking at most this many files still serves the others"
    )
    crawler_hosts_ahead: int = setting(
        512,
        help="Hosts that may send their first request (the HEAD of the base URL) before "
        "they get a crawler_concurrency slot, so a hung mirror is found at the start of the "
        "crawl; each waits for its slot with one idle connection (0: none)",
    )
    smtp_server: str = setting(
        "", help="SMTP server for notifications, host or host:port (port 25); empty: log only"
    )
    smtp_username: str = setting("", help="SMTP user name")
    smtp_password: str = setting("", help="SMTP password", secret=True)
    email_from: str = setting("mirrormanager@localhost", help="Sender of notifications")
    admin_email: str = setting("", help="Where crawler notifications for admins go")
    crawler_log_keep: int = setting(5, help="Older crawl logs kept per host")
    crawler_probe_reachability: bool = setting(
        True, help="Record whether each host answers over IPv4 and over IPv6"
    )
    checkin_bind: HostPort = setting(
        HostPort("127.0.0.1", 8090), help="host:port `serve-checkin` listens on"
    )
    checkin_min_interval: float = setting(
        60.0, help="Seconds a host must wait between two check-ins"
    )
    checkin_max_directories: int = setting(500_000, help="Most directories one check-in may report")
    checkin_max_bytes: int = setting(
        10 << 20, help="Largest check-in (report_mirror) request accepted"
    )
    checkin_max_document_bytes: int = setting(
        64 << 20, help="Largest check-in document after decompression; a bigger one is refused"
    )
    auth_throttle_failures: int = setting(
        5,
        help="Failed logins, check-in passwords or API tokens allowed per account, site or "
        "client address before each further attempt waits (exponential back-off)",
    )
    auth_throttle_base_seconds: float = setting(
        1.0, help="First wait after the allowed failures; it doubles with each further failure"
    )
    auth_throttle_max_seconds: float = setting(900.0, help="Longest wait of the back-off")
    auth_throttle_forget_hours: float = setting(
        24.0, help="Failure counts without a new failure for this long start again from 0"
    )
    # --- web UI --------------------------------------------------------------------------
    web_bind: HostPort = setting(
        HostPort("127.0.0.1", 8000), help="host:port `serve-web` listens on"
    )
    web_threads: int = setting(8, help="Worker threads of `serve-web` (waitress)")
    web_base_url: str = setting(
        "",
        help="Public URL of the UI, for e-mailed links and the OIDC redirect; empty: taken "
        "from each request",
    )
    web_signup: bool = setting(
        False, help="Let anyone create a local account (confirmed by e-mail)"
    )
    web_session_cookie_secure: bool = setting(
        False, help="Send the session cookie over HTTPS only; set it in production"
    )
    web_session_hours: int = setting(12, help="A login lasts this many hours")
    web_token_max_age_hours: int = setting(
        24, help="E-mailed confirmation and password-reset links expire after this"
    )
    web_netblock_max_prefix_v4: int = setting(
        16, help="Site admins may add public IPv4 netblocks of this prefix length or longer"
    )
    web_netblock_max_prefix_v6: int = setting(32, help="The same limit for IPv6 netblocks")
    web_page_size: int = setting(50, help="Rows per page on long lists")
    web_check_min_interval: float = setting(
        300.0,
        help="Seconds between two 'Check now' crawls of one host (the host page's button and "
        "POST /api/v1/hosts/{id}/check); 0 allows back-to-back checks",
    )
    oidc_issuer: str = setting("", help="OpenID Connect provider URL; empty disables OIDC login")
    oidc_client_id: str = setting("", help="OIDC client id registered at the provider")
    oidc_client_secret: str = setting("", help="OIDC client secret", secret=True)
    oidc_scopes: str = setting("openid email profile", help="Scopes asked from the provider")
    oidc_groups_claim: str = setting(
        "groups", help="Claim of the ID token or userinfo that lists the user's groups"
    )
    oidc_provider_name: str = setting(
        "single sign-on", help="How the login page names the OIDC provider"
    )
    # --- public pages and statistics ------------------------------------------------------
    stats_keep_days: int = setting(
        400, help="Days of daily statistics and propagation history kept by `stats expire`"
    )
    public_cache_seconds: int = setting(
        43200, help="How long public pages are cached (server cache and Cache-Control max-age)"
    )
    public_cache_check_seconds: float = setting(
        10.0, help="How often the public page cache checks the database for a data change"
    )
    admin_group: str = setting(
        "sysadmin-web", help="Members of this group see and change every site and host"
    )
    secret_key: str = setting(
        "", help="Key that signs web sessions and CSRF tokens; set it in production", secret=True
    )

    @property
    def effective_snapshot_file(self) -> Path:
        return (
            Path(self.snapshot_file)
            if self.snapshot_file
            else self.data_dir / "mirrorlist.snapshot"
        )

    @property
    def effective_access_log(self) -> Path | None:
        if self.mirrorlist_access_log == "-":
            return None
        if self.mirrorlist_access_log:
            return Path(self.mirrorlist_access_log)
        return self.log_dir / "mirrorlist-access.log"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'mirrormanager.sqlite'}"

    def category(self, name: str) -> CategorySpec:
        for spec in self.categories:
            if spec.name == name:
                return spec
        known = ", ".join(spec.name for spec in self.categories)
        raise ConfigError(
            f"unknown category {name!r}",
            hint=f"configured categories: {known}",
            setting="categories",
        )


@dataclass(frozen=True, slots=True)
class SettingInfo:
    """One row of the settings table, as documentation and `config show` need it."""

    name: str
    type_name: str
    default: Any
    help: str
    secret: bool

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name.upper()


def _type_hints() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def settings_table() -> list[SettingInfo]:
    """The declared settings, in declaration order."""
    hints = _type_hints()
    rows = []
    for f in dataclasses.fields(Settings):
        factory = f.default_factory
        default = f.default if factory is dataclasses.MISSING else factory()
        rows.append(
            SettingInfo(
                name=f.name,
                type_name=type_name(hints[f.name]),
                default=default,
                help=f.metadata["help"],
                secret=f.metadata["secret"],
            )
        )
    return rows


# --- checking and loading ----------------------------------------------------------------


_CHOICES: dict[str, tuple[str, ...]] = {
    "log_format": ("auto", "console", "json"),
    "log_level": ("DEBUG", "INFO", "WARNING", "ERROR"),
    "crawler_protocol": ("auto", "rsync", "https", "http"),
}
_POSITIVE = (
    "short_filelist_threshold",
    "short_filelist_keep",
    "file_detail_keep_count",
    "mirrorlist_workers",
    "mirrorlist_minimum",
    "crawler_concurrency",
    "crawler_auto_disable",
    "crawler_max_response_bytes",
    "crawler_max_repomd_bytes",
    "crawler_max_timelist_bytes",
    "crawler_max_listing_bytes",
    "crawler_host_max_connections",
    "checkin_max_bytes",
    "checkin_max_directories",
    "checkin_max_document_bytes",
    "auth_throttle_failures",
    "mirrorlist_pool_bytes",
)
_NON_NEGATIVE: tuple[str, ...] = ("file_detail_keep_days", "checkin_min_interval")
_NON_NEGATIVE += ("crawler_log_keep", "crawler_max_differing_files")
_NON_NEGATIVE += ("auth_throttle_base_seconds", "auth_throttle_max_seconds")
_NON_NEGATIVE += ("auth_throttle_forget_hours", "mirrorlist_pool_size")
_NON_NEGATIVE += ("web_check_min_interval", "crawler_hosts_ahead")


def _validate(values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    for name, choices in _CHOICES.items():
        if values[name] not in choices:
            with _blame(name, sources.get(name)):
                raise ConfigError(
                    f"setting '{name}' in {sources.get(name, 'defaults')} must be one of "
                    f"{', '.join(choices)}, got {values[name]!r}"
                )
    for name in (*_POSITIVE, *_NON_NEGATIVE):
        if values[name] < (1 if name in _POSITIVE else 0):
            with _blame(name, sources.get(name)):
                raise ConfigError(
                    f"setting '{name}' in {sources.get(name, 'defaults')} is out of range: "
                    f"{values[name]}"
                )


@contextlib.contextmanager
def _blame(name: str, source: str | Path | None) -> Iterator[None]:
    """Attach the setting (and the file, not an environment variable) to a ConfigError."""
    try:
        yield
    except ConfigError as exc:
        exc.setting = exc.setting or name
        if exc.path is None and source is not None and not str(source).startswith("$"):
            exc.path = str(source)
        raise


def resolve_config_path(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    """`--config`, else `$MM_CONFIG`, else the default path when it exists."""
    if explicit is not None:
        return explicit
    if env.get("MM_CONFIG"):
        return Path(env["MM_CONFIG"])
    if DEFAULT_CONFIG_PATH.exists():
        return DEFAULT_CONFIG_PATH
    return None


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """The settings plus where each value came from, for `config show`."""

    settings: Settings
    sources: dict[str, str]
    config_path: Path | None


def load_settings(
    config: Path | None = None, env: Mapping[str, str] | None = None
) -> LoadedSettings:
    """Build the effective settings; any problem is a ConfigError naming the key and file."""
    env = os.environ if env is None else env
    path = resolve_config_path(config, env)
    hints = _type_hints()
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if path is not None:
        for name, value in _read_toml(path).items():
            if name not in hints:
                raise ConfigError(
                    f"unknown setting '{name}' in {path}",
                    hint="`mirrormanager config show` lists the known settings",
                    setting=name,
                    path=path,
                )
            with _blame(name, path):
                values[name] = convert(name, hints[name], value, str(path))
            sources[name] = str(path)
    for name, tp in hints.items():
        var = ENV_PREFIX + name.upper()
        if var in env:
            source = f"${var}"
            with _blame(name, None):
                values[name] = convert(name, tp, from_env_text(name, tp, env[var], source), source)
            sources[name] = source
    settings = Settings(**values)
    _validate({f.name: getattr(settings, f.name) for f in dataclasses.fields(Settings)}, sources)
    return LoadedSettings(settings=settings, sources=sources, config_path=path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"settings file {path} does not exist", path=path) from None
    except PermissionError:
        raise ConfigError(f"settings file {path} is not readable by this user", path=path) from None
    except IsADirectoryError:
        raise ConfigError(f"settings file {path} is a directory", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError(f"settings file {path} is not UTF-8 text", path=path) from None
