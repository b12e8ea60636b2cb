"""The import layout of :mod:`expectations`: the data model at the bottom, no circle anywhere, GX's private
internals in one module."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT

PACKAGE = PROJECT / "expectations"


def _imports(path: Path) -> set[str]:
    """The modules a file imports, at any place in it (also inside functions and TYPE_CHECKING blocks)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_model_imports_nothing_of_the_project() -> None:
    imported = _imports(PACKAGE / "model.py")
    own = {"core", "expectations", "ingestion", "steps", "dags"}
    assert not {m for m in imported if m.split(".")[0] in own}


def test_no_import_circle_in_expectations() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import circle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for target in graph[name]:
            visit(target, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())


def test_private_gx_internals_only_in_one_module() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name == "gx_internals.py":
            continue
        private = {m for m in _imports(path) if m.startswith("great_expectations") and
                   any(part.startswith("_") or part in {"v1_validator", "registry", "validation_statistics",
                                                        "expectation_configuration"} for part in m.split("."))}
        assert not private, f"{path.name} imports GX internals {private}"
