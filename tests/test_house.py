"""The house's rules (docs/architecture.md, "House rules"), checked on the code itself: which package may import
which, no import circle anywhere, and one module that creates the warehouse's bookkeeping tables.

Imports are read with ``ast`` from every Python file of the project (tests and generated files aside), including
imports inside functions and under ``TYPE_CHECKING``: a circle that only a lazy import hides is still a circle.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import PROJECT

#: Folders that are not part of the house: environments, local state, build output, tests.
SKIPPED = {".venv", "node_modules", "var", "tests", "target", "dbt_packages", "logs", "test-output", ".git",
           "__pycache__", "dialoog.egg-info"}

#: Folders whose files are imported by their own name (Airflow puts dags/ on sys.path; dbt runs its Python models
#: and its classifier package from dbt_project/python).
IMPORT_ROOTS = ("dags", "dbt_project/python")

#: Which of the project's packages each part may import (besides itself and third-party code). Data flows one
#: way: core at the bottom; ingestion and expectations on core only; the steps use them; the DAGs call the steps;
#: what reads the published warehouse (release, factsheets, dashboards) stands apart.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "ingestion": {"core"},
    "expectations": {"core"},
    "steps": {"core", "ingestion", "expectations"},
    "dags": {"core", "steps", "release", "factsheets"},
    "scripts": {"core", "steps"},
    "release": set(),
    "factsheets": set(),
    "dashboards": set(),
    "superset": {"dashboards"},
    "demo": {"core"},
    "bench": {"core", "ingestion", "expectations", "steps", "demo", "dashboards"},
    "dbt_project": set(),
    "docker": set(),
}


def _part(path: Path) -> str:
    return path.relative_to(PROJECT).parts[0]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PROJECT)
    for root in IMPORT_ROOTS:
        if rel.is_relative_to(root):
            rel = rel.relative_to(root)
            break
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_files() -> list[Path]:
    files = []
    for path in PROJECT.rglob("*.py"):
        if not SKIPPED.intersection(path.relative_to(PROJECT).parts):
            files.append(path)
    return sorted(files)


FILES = _project_files()
MODULES: dict[str, Path] = {_module_name(path): path for path in FILES}


def _resolve(name: str) -> str | None:
    """The project module an imported name is (or is in): the longest known module that prefixes it."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in MODULES:
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """The project modules a file imports (anywhere in it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target is not None and target != me:
                found.add(target)
    return found


GRAPH: dict[str, set[str]] = {name: _imports(path) for name, path in MODULES.items()}


def test_the_house_is_read_whole() -> None:
    """The rules below are only as good as the files they see: every part of the house is read."""
    parts = {_part(path) for path in FILES}
    assert {"core", "ingestion", "expectations", "steps", "dags", "release", "factsheets", "dashboards"} <= parts
    assert parts <= set(ALLOWED), f"a new part of the house needs its rule in ALLOWED: {parts - set(ALLOWED)}"
    assert "steps.load" in GRAPH["shared.load_task"] and "steps.publish" in GRAPH["dialoog_transform"]


def test_each_part_imports_only_what_it_may() -> None:
    broken = []
    for name, targets in GRAPH.items():
        part = _part(MODULES[name])
        for target in sorted(targets):
            target_part = _part(MODULES[target])
            if target_part != part and target_part not in ALLOWED[part]:
                broken.append(f"{MODULES[name].relative_to(PROJECT)} imports {target} ({part} may not import "
                              f"{target_part})")
    assert not broken, "\n".join(broken)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_anywhere() -> None:
    assert _circles(GRAPH) == []


def test_the_circle_check_sees_a_circle() -> None:
    """The check itself: a lazy import back up is a circle, a one-way chain is not."""
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


_CREATES = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                      r"(?P<name>\"?(?:raw|dq)\"?\.\"?[\w]+)", re.IGNORECASE)


def test_one_module_creates_raw_files_and_every_dq_table() -> None:
    """``raw._files`` and the ``dq`` tables are written by loads, validations, publish and the audit report; only
    core/bookkeeping.py says what they are. (Source tables ``raw.<source>`` are made by the loading framework from
    each source's columns, which is the framework's job.)"""
    creators = defaultdict(set)
    for path in FILES:
        for match in _CREATES.finditer(path.read_text(encoding="utf-8")):
            name = match.group("name").replace('"', "")
            if name.startswith("dq.") or name == "raw._files":
                creators[name].add(str(path.relative_to(PROJECT)))
    from core.bookkeeping import TABLES

    assert all(files == {"core/bookkeeping.py"} for files in creators.values()), dict(creators)
    text = (PROJECT / "core" / "bookkeeping.py").read_text(encoding="utf-8")
    assert "CREATE TABLE IF NOT EXISTS {table}" in text and "raw._files" in TABLES and "dq.rule_results" in TABLES


@pytest.mark.parametrize("part", ["ingestion", "expectations"])
def test_ingestion_and_expectations_import_nothing_of_the_steps_or_dags(part: str) -> None:
    for name, targets in GRAPH.items():
        if _part(MODULES[name]) == part:
            assert not {t for t in targets if _part(MODULES[t]) in {"steps", "dags", "scripts"}}, name
