"""The import rules of STYLE.md, read from the source (every import, also inside functions
and under TYPE_CHECKING: a circle that only type checkers see is still a circle).

* no cycle between modules, and none between the rooms (``core``, ``formats``, ``db``, …);
* ``mirrorlist/`` never imports ``db/``, ``snapshot/`` or ``web/`` (it starts fast and runs
  without a database; the snapshot codec lives in ``formats/``);
* ``core/`` and ``formats/`` import no database, web or network library (``socket`` only for
  its address conversions) and nothing of the rooms above them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import mirrormanager

SRC = Path(mirrormanager.__file__).parent
PACKAGE = "mirrormanager"

KNOWN: set[tuple[str, str]] = set()  # issue 10 items 1 and 2 removed the last known edges

FORBIDDEN_FOR_MIRRORLIST = ("db", "snapshot", "web")
# Third-party and standard-library modules that core/ and formats/ must not import.
IMPURE = (
    *("sqlalchemy", "alembic", "psycopg"),  # database
    *("flask", "werkzeug", "wtforms", "flask_wtf", "flask_login", "authlib", "jinja2"),  # web
    *("httpx", "requests", "urllib.request", "http", "smtplib", "ssl", "asyncio"),  # network
    *("granian", "uvicorn", "waitress", "starlette", "subprocess"),  # servers, processes
)
SOCKET_PURE_NAMES = {"inet_pton", "inet_ntop", "AF_INET", "AF_INET6"}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module (the most specific one that exists), or a library
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}


def _resolve(name: str) -> str:
    """The longest prefix of a dotted name that is one of our modules (or the name itself)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in MODULES:
            return candidate
    return name


def _imports(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, _resolve(alias.name), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield Import(module, _resolve(f"{base}.{alias.name}"), node.lineno)


ALL_IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def _room(module: str) -> str | None:
    """`core` for mirrormanager.core.geo; None for the package root's own modules."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != PACKAGE:
        return None
    return parts[1] if f"{PACKAGE}.{parts[1]}" in MODULES and ((SRC / parts[1]).is_dir()) else None


def _internal_edges() -> set[tuple[str, str]]:
    return {
        (imp.source, imp.target)
        for imp in ALL_IMPORTS
        if imp.target.startswith(f"{PACKAGE}.") and imp.target != imp.source
    }


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_graph_is_read() -> None:
    # Guards the reader itself: a known edge inside a function body and one at the top.
    edges = _internal_edges()
    assert ("mirrormanager.cli.main", "mirrormanager.cli.netdata") in edges
    assert ("mirrormanager.cli.serve_mirrorlist", "mirrormanager.mirrorlist.server") in edges
    assert len(MODULES) > 100


def test_no_module_cycle() -> None:
    cycles = _cycles(_internal_edges() - KNOWN)
    assert cycles == [], f"import cycles between modules: {cycles}"


def test_no_cycle_between_rooms() -> None:
    rooms = set()
    for a, b in _internal_edges() - KNOWN:
        room_a, room_b = _room(a), _room(b)
        if room_a and room_b and room_a != room_b:
            rooms.add((room_a, room_b))
    cycles = _cycles(rooms)
    assert cycles == [], f"import cycles between packages: {cycles}"


def test_mirrorlist_imports_no_database_snapshot_or_web_code() -> None:
    bad = [
        f"{imp.source}:{imp.line} imports {imp.target}"
        for imp in ALL_IMPORTS
        if _room(imp.source) == "mirrorlist"
        and _room(imp.target) in FORBIDDEN_FOR_MIRRORLIST
        and (imp.source, imp.target) not in KNOWN
    ]
    assert bad == []


@pytest.mark.parametrize("room", ["core", "formats"])
def test_core_and_formats_stay_pure(room: str) -> None:
    allowed_rooms = {"core"} if room == "core" else {"core", "formats"}
    bad = []
    for imp in ALL_IMPORTS:
        if _room(imp.source) != room or (imp.source, imp.target) in KNOWN:
            continue
        target_room = _room(imp.target)
        if imp.target.startswith(f"{PACKAGE}."):
            if target_room is not None and target_room not in allowed_rooms:
                bad.append(f"{imp.source}:{imp.line} imports {imp.target}")
        elif any(imp.target == lib or imp.target.startswith(f"{lib}.") for lib in IMPURE):
            bad.append(f"{imp.source}:{imp.line} imports {imp.target}")
    bad.extend(_impure_socket_uses(room))
    assert bad == []


def _impure_socket_uses(room: str) -> list[str]:
    uses = []
    for module, path in MODULES.items():
        if _room(module) != room:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "socket"
                and node.attr not in SOCKET_PURE_NAMES
            ):
                uses.append(f"{module}:{node.lineno} uses socket.{node.attr}")
    return uses


def test_the_known_edges_still_exist() -> None:
    """When a known edge is gone, it must leave the allowlist too (so none comes back)."""
    assert _internal_edges() >= KNOWN, sorted(KNOWN - _internal_edges())
