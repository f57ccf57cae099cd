"""Hostile-input benchmark: every attack of issue 12 against the real servers.

Builds the demo (`mirrormanager demo --no-serve`) in a temporary folder, starts
`serve-web` (waitress), `serve-checkin` (uvicorn) and `serve-mirrorlist` (granian) as
subprocesses on loopback, then runs each attack and prints, per case: the answer, whether
it is the wanted one, the time to answer, and the growth of the attacked server's RSS
(peak during the case, sampled every 10 ms, minus the RSS before). The crawler cases
start hostile HTTP mirrors in this process (an endless body, a gzip bomb; see
`hostile_mirrors.py`) and run `mirrormanager crawl` against them, printing the crawl's
own peak RSS beside that of a crawl with nothing to do.

    python benchmarks/hostile_inputs.py [--skip-crawler] [--keep]

The servers trust X-Forwarded-For from loopback (trusted_proxies), so each case can play
its own client address and the login throttle of one case does not spill into the next.
"""

from __future__ import annotations

import argparse
import base64
import bz2
import contextlib
import os
import pickle
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from hostile_mirrors import crawler_cases  # type: ignore[import-not-found]
from sqlalchemy import func, select

from mirrormanager.checkin.passwords import hash_site_password
from mirrormanager.db.models import (
    ApiToken,
    Directory,
    Host,
    Site,
)
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.settings import load_settings
from mirrormanager.web import accounts
from mirrormanager.web.security import new_api_token

PY = sys.executable
SITE_PASSWORD = "bench check-in password"
USER_PASSWORD = "bench user password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> int:
    """RSS of a process and its children (granian workers), in kB."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


class Server:
    def __init__(self, name: str, args: list[str], port: int, work: Path) -> None:
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}"
        log = (work / f"{name}.log").open("wb")
        self.proc = subprocess.Popen(
            [PY, "-m", "mirrormanager", *args], stdout=log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/-/health", timeout=2).status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}")
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@contextlib.contextmanager
def peak_rss(pid: int) -> Iterator[list[int]]:
    """Yields [before, peak] (kB), the peak sampled every 10 ms while the block runs."""
    box = [rss_kb(pid), rss_kb(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            box[1] = max(box[1], rss_kb(pid))
            done.wait(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        done.set()
        thread.join()
        box[1] = max(box[1], rss_kb(pid))


@dataclass
class Result:
    case: str
    server: str
    wanted: str
    answer: str
    ok: bool
    seconds: float
    rss_mb: float


RESULTS: list[Result] = []


def case(server: Server, name: str, wanted: str, attack: Callable[[], tuple[str, bool]]) -> None:
    started = time.perf_counter()
    with peak_rss(server.proc.pid) as box:
        try:
            answer, ok = attack()
        except Exception as exc:  # a benchmark reports, never stops half-way
            answer, ok = f"ERROR {type(exc).__name__}: {exc}"[:120], False
    seconds = time.perf_counter() - started
    growth = (box[1] - box[0]) / 1024
    RESULTS.append(Result(name, server.name, wanted, answer, ok, seconds, growth))
    flag = "ok  " if ok else "FAIL"
    print(f"{flag} {server.name:10} {name:44} {seconds:7.2f}s {growth:+7.1f} MB  {answer}")


def xff(n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"192.0.2.{n}"}


# --- setup ---------------------------------------------------------------------------------
@dataclass
class World:
    config: Path
    work: Path
    private_host: str
    private_site: str
    public_site: str
    token: str  # an admin's
    other_token: str  # a user who administers no site
    private_host_id: int


def build_world(work: Path) -> World:
    subprocess.run(
        [PY, "-m", "mirrormanager", "demo", "--dir", str(work), "--no-serve", "--mirror-port", "0"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    config = work / "mirrormanager.toml"
    with config.open("a", encoding="utf-8") as out:
        out.write('trusted_proxies = ["127.0.0.0/8"]\nmirrorlist_reload_seconds = 0.5\n')
        out.write('secret_key = "hostile-inputs-benchmark"\n')
    engine = make_engine(f"sqlite:///{work / 'mirrormanager.sqlite'}")
    session = make_session_factory(engine)()
    host = session.scalars(select(Host).where(Host.private.is_(True))).one()
    site = session.get(Site, host.site_id)
    assert site is not None
    site.password = hash_site_password(SITE_PASSWORD)
    public_site = session.scalars(select(Site).where(Site.id != site.id)).first()
    assert public_site is not None
    user = accounts.find_user(session, "bench") or accounts.create_user(
        session, "bench", password=USER_PASSWORD, email_confirmed=True
    )
    token, token_hash = new_api_token()
    session.add(ApiToken(user_id=user.id, name="bench", token_hash=token_hash))
    accounts.grant(session, user, load_settings(config).settings.admin_group)
    other = accounts.find_user(session, "bench-other") or accounts.create_user(
        session, "bench-other", password=USER_PASSWORD, email_confirmed=True
    )
    other_token, other_hash = new_api_token()
    session.add(ApiToken(user_id=other.id, name="bench", token_hash=other_hash))
    session.commit()
    world = World(config, work, host.name, site.name, public_site.name, token, other_token, host.id)
    session.close()
    engine.dispose()
    return world


# --- web --------------------------------------------------------------------------------------
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def login(client: httpx.Client, base: str, user: str, password: str, addr: int, **extra: str):  # type: ignore[no-untyped-def]
    page = client.get(base + "/login", headers=xff(addr)).text
    match = _CSRF.search(page)
    token = next(g for g in match.groups() if g) if match else ""
    data = {"username": user, "password": password, "csrf_token": token, **extra}
    return client.post(base + "/login", data=data, headers=xff(addr))


def web_cases(web: Server, world: World) -> None:
    base = web.url

    def guessing() -> tuple[str, bool]:
        codes: list[int] = []
        with httpx.Client() as client:
            for n in range(40):
                codes.append(login(client, base, "bench", f"wrong {n}", 10 + n % 3).status_code)
        throttled = codes.count(429)
        return f"{codes.count(200)}x wrong-password page, {throttled}x 429", throttled >= 30

    case(web, "login: 40 wrong passwords for one account", "429 after 5", guessing)

    def spraying() -> tuple[str, bool]:
        codes = []
        with httpx.Client() as client:
            for n in range(20):
                codes.append(login(client, base, f"nobody{n}", "guess", 20).status_code)
        return f"{codes.count(200)}x wrong, {codes.count(429)}x 429", codes.count(429) >= 10

    case(web, "login: 20 accounts from one address", "429 after 5", spraying)

    def locked_right_password() -> tuple[str, bool]:
        # One more failure after the guessing above: the back-off is at its cap now.
        with httpx.Client() as client:
            login(client, base, "bench", "one more guess", 30)
            r = login(client, base, "bench", USER_PASSWORD, 31)
        return f"{r.status_code} Retry-After {r.headers.get('retry-after')}", r.status_code == 429

    case(web, "login: right password while locked", "429 + Retry-After", locked_right_password)

    def crlf_next() -> tuple[str, bool]:
        with httpx.Client() as client:
            r = login(client, base, "nobody-x", "guess", 40, next="/sites/\r\nSet-Cookie: a=b")
        return str(r.status_code), r.status_code == 200

    case(web, "login: next= with CR/LF", "no 500", crlf_next)

    def csrf() -> tuple[str, bool]:
        r = httpx.post(base + "/login", data={"username": "a", "password": "b"}, headers=xff(41))
        return str(r.status_code), r.status_code == 400

    case(web, "CSRF: login form without token", "400", csrf)

    def xss() -> tuple[str, bool]:
        r = httpx.get(base + "/<script>alert(1)</script>")
        return (
            f"{r.status_code}, reflected={'<script>alert' in r.text}",
            "<script>alert" not in r.text,
        )

    case(web, "XSS: script in the URL path", "escaped", xss)

    auth = {"Authorization": f"Bearer {world.token}", "Content-Type": "application/json"}

    def deep_json() -> tuple[str, bool]:
        r = httpx.post(base + "/api/v1/sites/1/hosts", content=b"[" * 100_000, headers=auth)
        return f"{r.status_code} {r.text[:60]}", r.status_code == 400

    case(web, "API: [ x 100,000", "400", deep_json)

    def oversize() -> tuple[str, bool]:
        r = httpx.post(
            base + "/api/v1/sites/1/hosts", content=b"{" + b" " * (2 << 20), headers=auth
        )
        return str(r.status_code), r.status_code == 413

    case(web, "API: 2 MiB body", "413", oversize)

    def bad_tokens() -> tuple[str, bool]:
        codes = [
            httpx.get(
                base + "/api/v1/hosts", headers={"Authorization": f"Bearer mmt_{n}", **xff(50)}
            ).status_code
            for n in range(30)
        ]
        return f"{codes.count(401)}x 401, {codes.count(429)}x 429", codes.count(429) >= 20

    case(web, "API: 30 guessed tokens", "429 after 5", bad_tokens)

    def private_listing() -> tuple[str, bool]:
        r = httpx.get(base + "/api/v1/mirrors")
        leaked = world.private_host in r.text
        return f"{r.status_code}, private host listed={leaked}", r.status_code == 200 and not leaked

    case(web, "private mirror in the public API", "absent", private_listing)

    def cross_site() -> tuple[str, bool]:
        other = {"Authorization": f"Bearer {world.other_token}"}
        r = httpx.get(base + f"/api/v1/hosts/{world.private_host_id}", headers=other)
        return str(r.status_code), r.status_code in (403, 404)

    case(web, "API: another site's host", "403/404", cross_site)


# --- check-in ---------------------------------------------------------------------------------
def document(site: str, password: str, host: str) -> dict[str, Any]:
    return {
        "version": 0,
        "global": {"enabled": "1"},
        "site": {"enabled": "1", "name": site, "password": password},
        "host": {"enabled": "1", "name": host},
        "stats": {},
        "fedora linux": {"enabled": "1", "dirtree": {"": {}, "releases": {}}},
    }


def xmlrpc_body(data: str) -> bytes:
    return xmlrpc.client.dumps((data,), "checkin").encode()


def fault(r: httpx.Response) -> str:
    try:
        xmlrpc.client.loads(r.content)
    except xmlrpc.client.Fault as exc:
        return f"fault {exc.faultCode}: {exc.faultString[:50]}"
    except Exception:
        return f"HTTP {r.status_code} {r.text[:50]}"
    return "methodResponse"


def checkin_cases(checkin: Server, world: World) -> None:
    base = checkin.url

    def good() -> tuple[str, bool]:
        doc = document(world.private_site, SITE_PASSWORD, world.private_host)
        r = httpx.post(base + "/api/checkin", json=doc, headers=xff(60), timeout=60)
        return f"{r.status_code} {r.text[:50]}", r.status_code == 200

    case(checkin, "valid check-in (private host)", "200", good)

    def guessing() -> tuple[str, bool]:
        codes = []
        for n in range(20):
            doc = document(world.private_site, f"guess {n}", world.private_host)
            codes.append(httpx.post(base + "/api/checkin", json=doc, headers=xff(61 + n % 4)))
        statuses = [r.status_code for r in codes]
        retry = codes[-1].headers.get("retry-after")
        answer = f"{statuses.count(403)}x 403, {statuses.count(429)}x 429 (Retry-After {retry})"
        return answer, statuses.count(429) >= 10

    case(checkin, "20 wrong site passwords", "429 after 5", guessing)

    def timing() -> tuple[str, bool]:
        def median(site: str, first: int) -> float:
            times = []
            for n in range(4):  # below the throttle: every attempt is checked
                doc = document(site, "wrong", "h")
                started = time.perf_counter()
                httpx.post(base + "/api/checkin", json=doc, headers=xff(first + n))
                times.append(time.perf_counter() - started)
            return statistics.median(times) * 1000

        known, unknown = median(world.public_site, 70), median("No Such Site", 80)
        answer = f"known {known:.0f} ms, unknown {unknown:.0f} ms"
        return answer, abs(known - unknown) < max(known, unknown) * 0.5

    case(checkin, "timing: known vs unknown site name", "alike", timing)

    compressed = bz2.compress(b"\0" * (1 << 30))  # before the clock starts: ~15 s of CPU
    body = xmlrpc_body(base64.urlsafe_b64encode(compressed).decode())

    def bomb() -> tuple[str, bool]:
        health: list[float] = []
        done = threading.Event()

        def probe() -> None:
            while not done.is_set():
                started = time.perf_counter()
                httpx.get(base + "/-/health", timeout=10)
                health.append(time.perf_counter() - started)
                time.sleep(0.02)

        thread = threading.Thread(target=probe)
        thread.start()
        try:
            r = httpx.post(base + "/xmlrpc", content=body, headers=xff(90), timeout=60)
        finally:
            done.set()
            thread.join()
        answer = f"{fault(r)}; /-/health max {max(health, default=0) * 1000:.0f} ms"
        return answer, "fault 413" in answer

    case(checkin, f"bz2 bomb: {len(compressed)} bytes -> 1 GiB", "413", bomb)

    def deep_json() -> tuple[str, bool]:
        r = httpx.post(base + "/api/checkin", content=b"[" * 100_000, headers=xff(91))
        return f"{r.status_code} {r.text[:60]}", r.status_code == 400

    case(checkin, "/api/checkin [ x 100,000", "400", deep_json)

    def deep_xmlrpc() -> tuple[str, bool]:
        data = base64.urlsafe_b64encode(bz2.compress(b"[" * 100_000)).decode()
        answer = fault(httpx.post(base + "/xmlrpc", content=xmlrpc_body(data), headers=xff(92)))
        return answer, "fault 400" in answer

    case(checkin, "/xmlrpc [ x 100,000", "fault 400", deep_xmlrpc)

    def pickled() -> tuple[str, bool]:
        doc = document(world.private_site, SITE_PASSWORD, world.private_host)
        data = base64.urlsafe_b64encode(bz2.compress(pickle.dumps(doc, protocol=2))).decode()
        answer = fault(httpx.post(base + "/xmlrpc", content=xmlrpc_body(data), headers=xff(93)))
        return answer, "fault 400" in answer and "pickle" in answer

    case(checkin, "pickle payload", "fault 400", pickled)

    def laughs() -> tuple[str, bool]:
        entities = "".join(
            f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" if i else "lol"}' * 10 + '">'
            for i in range(10)
        )
        body = f'<?xml version="1.0"?><!DOCTYPE x [{entities}]><methodCall>&l9;</methodCall>'
        r = httpx.post(base + "/xmlrpc", content=body.encode(), headers=xff(94))
        return f"{r.status_code} {r.text[:50]}", r.status_code == 400

    case(checkin, "billion laughs", "400", laughs)

    def oversize() -> tuple[str, bool]:
        r = httpx.post(base + "/api/checkin", content=b" " * (11 << 20), headers=xff(95))
        return str(r.status_code), r.status_code == 413

    case(checkin, "11 MiB body", "413", oversize)


# --- mirrorlist -------------------------------------------------------------------------------
def mirrorlist_cases(mirrorlist: Server, world: World) -> None:
    base = mirrorlist.url

    def queries() -> tuple[str, bool]:
        hostile = [
            "repo=fedora-41&arch=x86_64&country=%0d%0a",
            "repo=%00&arch=%ff%fe",
            "repo=" + "a" * 20_000 + "&arch=x86_64",
            "repo=fedora-41&arch=x86_64&ip=not-an-address",
            "path=../../../../etc/passwd",
            "repo=fedora-41&arch=x86_64&netblock=" + "9" * 500,
            "&&&==&%%%",
        ]
        codes = [httpx.get(f"{base}/metalink?{q}").status_code for q in hostile]
        return f"statuses {sorted(set(codes))}", all(c < 500 for c in codes)

    case(mirrorlist, "hostile query strings (7)", "no 5xx", queries)

    def private() -> tuple[str, bool]:
        r = httpx.get(
            f"{base}/metalink?repo=fedora-41&arch=x86_64", headers={"X-Forwarded-For": "8.8.8.8"}
        )
        leaked = world.private_host in r.text
        return f"{r.status_code}, private host listed={leaked}", not leaked

    case(mirrorlist, "private mirror to an outside client", "absent", private)

    def bad_reload() -> tuple[str, bool]:
        snapshot = world.work / "mirrorlist.snapshot"
        before = httpx.get(base + "/-/snapshot").json().get("serial")
        good = snapshot.read_bytes()
        corrupt = bytearray(good)
        corrupt[len(corrupt) // 2] ^= 0xFF
        tmp = snapshot.with_suffix(".tmp")
        tmp.write_bytes(bytes(corrupt))
        os.replace(tmp, snapshot)
        time.sleep(2.0)
        after = httpx.get(base + "/-/snapshot").json().get("serial")
        status = httpx.get(f"{base}/metalink?repo=fedora-41&arch=x86_64").status_code
        tmp.write_bytes(good)
        os.replace(tmp, snapshot)
        answer = f"serial {before} -> {after}, metalink {status}"
        return answer, before == after and status == 200

    case(mirrorlist, "corrupt snapshot on hot reload", "old kept", bad_reload)


# --- umdl -------------------------------------------------------------------------------------
def umdl_case(world: World, anchor: Server) -> None:
    def outage() -> tuple[str, bool]:
        engine = make_engine(f"sqlite:///{world.work / 'mirrormanager.sqlite'}")

        def count() -> int:
            with engine.connect() as connection:
                return int(connection.scalar(select(func.count()).select_from(Directory)) or 0)

        before = count()
        env = {**os.environ, "MM_MASTER_PREFIX": str(world.work / "not-mounted")}
        run = subprocess.run(
            [PY, "-m", "mirrormanager", "umdl", "--config", str(world.config)],
            env=env,
            capture_output=True,
            text=True,
        )
        after = count()
        engine.dispose()
        return f"exit {run.returncode}, directories {before} -> {after}", (
            run.returncode == 6 and before == after
        )

    case(anchor, "umdl: master tree not mounted (NFS outage)", "exit 6", outage)


# --- crawler ----------------------------------------------------------------------------------
def crawler_rows(world: World) -> None:
    for name, seconds, peak, answer in crawler_cases(
        world.config, world.work / "mirrormanager.sqlite"
    ):
        RESULTS.append(Result(name, "crawler", "bounded", answer, True, seconds, peak))
        print(f"     {'crawler':10} {name:44} {seconds:7.2f}s {peak:7.1f} MB  {answer} (peak)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-crawler", action="store_true", help="Skip the crawler cases.")
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mm-hostile-"))
    servers: list[Server] = []
    try:
        world = build_world(work)
        cfg = ["--config", str(world.config)]
        ports = {name: free_port() for name in ("web", "checkin", "mirrorlist")}
        web = Server(
            "web", ["serve-web", *cfg, "--bind", f"127.0.0.1:{ports['web']}"], ports["web"], work
        )
        checkin = Server(
            "checkin",
            ["serve-checkin", *cfg, "--bind", f"127.0.0.1:{ports['checkin']}"],
            ports["checkin"],
            work,
        )
        mirrorlist = Server(
            "mirrorlist",
            [
                "serve-mirrorlist",
                *cfg,
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{ports['mirrorlist']}",
            ],
            ports["mirrorlist"],
            work,
        )
        servers += [web, checkin, mirrorlist]
        for server in servers:
            server.wait_ready()
        print(f"{'':4} {'server':10} {'case':44} {'time':>8} {'RSS+':>9}  answer")
        web_cases(web, world)
        checkin_cases(checkin, world)
        mirrorlist_cases(mirrorlist, world)
        umdl_case(world, web)
        if not args.skip_crawler:
            crawler_rows(world)
        failed = [r for r in RESULTS if not r.ok]
        print(f"\n{len(RESULTS) - len(failed)} of {len(RESULTS)} cases answered as wanted")
        for r in failed:
            print(f"  FAILED {r.server}: {r.case}: {r.answer}")
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
