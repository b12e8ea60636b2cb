"""The import layout of :mod:`expectations`: the data model at the bottom, GX's private internals in one module
(no circle anywhere: ``tests/test_house.py``)."""

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


def test_the_model_imports_nothing_of_the_project() -> None:
    imported = _imports(PACKAGE / "model.py")
    own = {"core", "expectations", "ingestion", "steps", "dags"}
    assert not {m for m in imported if m.split(".")[0] in own}


def test_private_gx_internals_only_in_one_module() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name == "gx_internals.py":
            continue
        private = {m for m in _imports(path) if m.startswith("great_expectations") and
                   any(part.startswith("_") or part in {"v1_validator", "registry", "validation_statistics",
                                                        "expectation_configuration"} for part in m.split("."))}
        assert not private, f"{path.name} imports GX internals {private}"
