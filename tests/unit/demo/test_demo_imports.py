"""The demo package sits on top: its modules import each other without a circle, and of
the package's own code only the command line imports it."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import mirrormanager

SRC = Path(mirrormanager.__file__).parent


def _imports(path: Path) -> set[str]:
    """Absolute `mirrormanager.*` modules a file imports, lazy imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("mirrormanager.")}


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_demo_modules_import_each_other_without_a_circle() -> None:
    modules = {_module(p): _imports(p) for p in (SRC / "demo").glob("*.py")}
    graph = {name: {dep for dep in deps if dep in modules} for name, deps in modules.items()}
    assert "mirrormanager.demo.tree" not in graph["mirrormanager.demo.tree_fedora"]
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        raise AssertionError(f"import circle in the demo package: {exc.args[1]}") from None
    assert order.index("mirrormanager.demo.writer") < order.index("mirrormanager.demo.tree")


def test_only_the_command_line_imports_the_demo() -> None:
    importers = {
        _module(path)
        for path in SRC.rglob("*.py")
        if "demo" not in path.relative_to(SRC).parts[:1]
        and any(name.startswith("mirrormanager.demo") for name in _imports(path))
    }
    assert importers == {"mirrormanager.cli.demo"}
