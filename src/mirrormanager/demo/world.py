"""The demo world, built step by step: the one entry point for the demo, benchmarks and tests.

`mirrormanager demo` runs every step and prints between them; a test takes the steps it
needs (tree, scan, network) on its own database fixture; a benchmark the tree alone, or an
empty database filled to Fedora's size. Steps that write files need only the folder; the
others need :meth:`DemoWorld.connect` first. The crawl step takes its options from the
caller, so the demo package never imports the command line that imports it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mirrormanager.core.hostport import HostPort
from mirrormanager.crawler.model import CrawlOptions
from mirrormanager.crawler.plan import HostSelection
from mirrormanager.crawler.service import CrawlSummary, crawl
from mirrormanager.db import migrate
from mirrormanager.db.locks import job_lock
from mirrormanager.db.models import Arch, Category, CategoryDirectory, Product, Repository, Version
from mirrormanager.db.session import make_session_factory
from mirrormanager.demo.accounts import DemoLogin, demo_logins
from mirrormanager.demo.geoip import DEMO_GEOIP, write_country_mmdb
from mirrormanager.demo.mirrors import DemoMirrorServer
from mirrormanager.demo.network import populate_demo_network
from mirrormanager.demo.network_fedora import Progress as FedoraProgress
from mirrormanager.demo.network_fedora import populate_fedora_scale
from mirrormanager.demo.tree import DemoTreeSummary, build_demo_tree
from mirrormanager.demo.writer import ProgressCallback
from mirrormanager.scanner.service import Progress, ScanResult, scan
from mirrormanager.settings import Settings
from mirrormanager.snapshot.service import PublishResult, build_and_publish


@dataclass(frozen=True)
class Inventory:
    """What the scan found, for the demo's summary."""

    categories: list[tuple[str, str, int]]  # category, product, directories
    versions: dict[str, list[str]]  # product -> version names in release order
    repositories: list[tuple[str | None, str, str]]  # prefix, arch, directory


class DemoWorld:
    """A demo folder (master tree, settings, SQLite database) and the steps that fill it."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory).resolve()
        self.master = self.directory / "master"
        self.config_path = self.directory / "mirrormanager.toml"
        self.mirrors: DemoMirrorServer | None = None
        self._db: tuple[Settings, Engine, Session] | None = None

    # --- files: no database yet --------------------------------------------------------------

    def reset(self) -> None:
        """Delete the whole folder (`--fresh`)."""
        if self.directory.exists():
            shutil.rmtree(self.directory)

    @property
    def has_tree(self) -> bool:
        return self.master.exists()

    def build_tree(
        self,
        *,
        scale: Literal["small", "fedora"] = "small",
        progress: ProgressCallback | None = None,
    ) -> DemoTreeSummary:
        """Write the master tree beside its final name, then rename it into place.

        An interrupted build thus never passes for a finished one on the next run.
        """
        if self.has_tree:
            raise FileExistsError(f"{self.master} already exists; reset the demo folder first")
        tmp = self.directory / "master.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        summary = build_demo_tree(tmp, scale=scale, progress=progress)
        tmp.rename(self.master)
        return summary

    def write_config(self, *, bind: str | HostPort = "127.0.0.1:8080") -> Path:
        """A settings file that points every path into the demo folder."""
        directory = self.directory
        directory.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(
            "# Written by `mirrormanager demo`: everything lives in this folder.\n"
            f'data_dir = "{directory}"\n'
            f'log_dir = "{directory / "log"}"\n'
            f'master_prefix = "{self.master}"\n'
            f'geoip_database = "{directory / "GeoLite2-Country-demo.mmdb"}"\n'
            f'mirrorlist_bind = "{bind}"\n'
            "mirrorlist_workers = 1\n"
            'log_level = "WARNING"  # the demo prints its own summary lines\n',
            encoding="utf-8",
        )
        return self.config_path

    # --- the database --------------------------------------------------------------------------

    def connect(
        self, settings: Settings, engine: Engine, session: Session | None = None
    ) -> DemoWorld:
        """Work on this database from now on (tests pass their fixtures' session)."""
        self._db = (settings, engine, session or make_session_factory(engine)())
        return self

    @property
    def settings(self) -> Settings:
        return self._connected()[0]

    @property
    def engine(self) -> Engine:
        return self._connected()[1]

    @property
    def session(self) -> Session:
        return self._connected()[2]

    def _connected(self) -> tuple[Settings, Engine, Session]:
        if self._db is None:
            raise RuntimeError("connect the demo world to a database first (DemoWorld.connect)")
        return self._db

    def write_geoip(self) -> Path:
        """The demo's country database at the `geoip_database` setting."""
        return write_country_mmdb(self.settings.geoip_database, DEMO_GEOIP)

    def migrate(self) -> str | None:
        """Bring the schema to the newest revision; returns it."""
        migrate.upgrade(self.engine)
        return migrate.current_revision(self.engine)

    def scan(self, progress: Progress | None = None) -> ScanResult:
        """Scan the master tree (umdl), holding the same lock as `mirrormanager umdl`."""
        with job_lock(self.engine, "umdl", what="master tree scan (umdl)"):
            return scan(self.session, self.settings, progress=progress)

    def inventory(self) -> Inventory:
        """Categories, versions and repositories the scan found."""
        session = self.session
        categories = [
            (name, product, count)
            for name, product, count in session.execute(
                select(Category.name, Product.name, func.count(CategoryDirectory.directory_id))
                .join(Product, Product.id == Category.product_id)
                .join(CategoryDirectory, CategoryDirectory.category_id == Category.id)
                .group_by(Category.name, Product.name)
                .order_by(Category.name)
            )
        ]
        versions: dict[str, list[str]] = {}
        for product, version in session.execute(
            select(Product.name, Version.name)
            .join(Version.product)
            .order_by(Product.name, Version.name)
        ):
            versions.setdefault(product, []).append(version)
        repositories = [
            (prefix, arch, name)
            for prefix, arch, name in session.execute(
                select(Repository.prefix, Arch.name, Repository.name)
                .join(Arch, Arch.id == Repository.arch_id)
                .order_by(Repository.prefix, Arch.name)
            )
        ]
        return Inventory(
            categories,
            {product: sorted(names, key=version_key) for product, names in versions.items()},
            repositories,
        )

    def start_mirrors(
        self, *, port: int = 0, first_mirror: Path | None = None, host: str = "127.0.0.1"
    ) -> DemoMirrorServer:
        """One local HTTP server that plays every demo mirror (OSError if the port is taken)."""
        self.mirrors = DemoMirrorServer(
            self.master, port=port, first_mirror=first_mirror, host=host
        ).start()
        return self.mirrors

    def stop_mirrors(self) -> None:
        if self.mirrors is not None:
            self.mirrors.stop()
            self.mirrors = None

    def add_network(
        self, *, mirror_base_url: str | None = None, mark_up2date: bool = False, rng_seed: int = 0
    ) -> int:
        """The demo mirror network; its URLs point at the running mirror server by default.

        Without `mark_up2date` a crawl decides which directories each mirror is current in.
        """
        if mirror_base_url is None:
            if self.mirrors is None:
                raise RuntimeError("start the demo mirrors first, or pass mirror_base_url")
            mirror_base_url = self.mirrors.base_url
        return populate_demo_network(
            self.session,
            self.settings,
            mirror_base_url=mirror_base_url,
            rng_seed=rng_seed,
            mark_up2date=mark_up2date,
        )

    def fill_fedora_scale(
        self, *, progress: FedoraProgress | None = None, **sizes: int
    ) -> dict[str, int]:
        """Instead of tree, scan and network: an empty database filled to Fedora's size.

        For benchmarks; ``sizes`` shrink or grow it (see `populate_fedora_scale`).
        """
        return populate_fedora_scale(self.session, progress=progress, **sizes)

    def crawl(self, options: CrawlOptions) -> CrawlSummary:
        """Crawl every demo host, the private one too, as `mirrormanager crawl` would."""
        return crawl(self.session, HostSelection(include_private=True), options)

    def publish(self) -> PublishResult:
        """Build and publish the mirrorlist snapshot."""
        return build_and_publish(self.session, self.settings, self.engine)

    def add_accounts(self) -> list[DemoLogin]:
        """The demo's admin and mirror-admin logins, with fresh passwords."""
        return demo_logins(self.session, self.settings.admin_group)


def version_key(name: str) -> tuple[int, list[int], str]:
    """Numeric versions in numeric order (9 before 10.1), named ones (rawhide) after them."""
    numbers = [int(part) for part in re.findall(r"\d+", name)]
    return (0 if numbers else 1, numbers, name)
