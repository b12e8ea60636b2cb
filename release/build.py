"""Make a release: the published warehouse's report marts and dimensions as Parquet and CSV, with a Frictionless
Data Package descriptor, a manifest and a bilingual README, in ``<root>/<version>/`` (docs/release.md).

Order, so that a failure at any step writes nothing:

1. the state is checked (a published warehouse, no failed run after it): nothing is written before this;
2. every file is written into a staging folder beside the target (``<root>/.staging-<random>``);
3. the version is computed from the content (:func:`version_of`), and the staging folder is renamed to
   ``<root>/<version>`` in one step. A target that already holds exactly these bytes is left as it is (a
   re-release of the same content is a no-op); a target with other content is an error.

Determinism: rows are sorted by the table's key and then every other column; Parquet is written by DuckDB on one
thread with zstd compression (its only metadata is the DuckDB version); CSV by Python with fixed formatting
(shortest round-trip floats, ``true``/``false``, ISO dates, empty for null, ``\\n`` line ends); JSON with a fixed
key order. No file holds a time of writing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import uuid
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from release import texts
from release.contracts import ContractError, ModelContract, read_contracts
from release.spec import (
    NEVER_RELEASED_PREFIXES,
    SOURCE_FILES_TABLE,
    SUPPRESSION_THRESHOLD,
    TABLES,
    Table,
    is_released_table,
    suppressed_columns,
)
from release.state import PublishedBuild, ReleaseError, failed_runs_after, published_build

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Bumped when the layout or meaning of a release changes (it is part of the content, so of the version).
RELEASE_FORMAT = 1
#: Written in place of the version while the version is computed (the version cannot hash itself).
VERSION_PLACEHOLDER = "{version}"
TOOLS = ("dbt-core", "dbt-duckdb", "great-expectations", "duckdb")


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def version_of(manifest: dict[str, Any]) -> str:
    """``v`` and the first 12 hex digits of the SHA-256 of the manifest without its ``version`` (canonical JSON).

    The manifest names the SHA-256 of every data file and of the README and descriptor (as written with the
    placeholder ``{version}``), so any change of any byte of the release changes the version."""
    content = {k: v for k, v in manifest.items() if k != "version"}
    return "v" + hashlib.sha256(canonical_json(content)).hexdigest()[:12]


def project_commit() -> str:
    """The project's commit (``git rev-parse HEAD``), or ``unknown`` outside a git checkout."""
    try:
        done = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else "unknown"


def tool_versions() -> dict[str, str]:
    versions = {}
    for name in TOOLS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_entry(folder: Path, relative: str) -> dict[str, Any]:
    path = folder / relative
    return {"path": relative, "sha256": _sha256(path), "bytes": path.stat().st_size}


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ReleaseError(f"cannot release a non-finite number ({value})")
        return repr(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Reader:
    """The published warehouse, attached read-only to an in-memory DuckDB on one thread."""

    def __init__(self, path: Path) -> None:
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET threads = 1")
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute("ATTACH ? AS pub (READ_ONLY)", [str(path)])

    def close(self) -> None:
        self.con.close()

    def marts(self) -> dict[str, dict[str, str]]:
        """Table → column → DuckDB type, for every table of schema ``marts``."""
        tables: dict[str, dict[str, str]] = {}
        for table, column, data_type in self.con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = 'pub' "
                "AND schema_name = 'marts' ORDER BY table_name, column_index").fetchall():
            tables.setdefault(table, {})[column] = data_type
        return tables

    def has_table(self, schema: str, table: str) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'pub' "
                                     "AND schema_name = ? AND table_name = ?", [schema, table]).fetchone()[0])

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()


def _select(table: Table) -> str:
    """The released columns of a table with the suppression applied (spec.py's rule)."""
    threshold = SUPPRESSION_THRESHOLD
    parts = []
    for column in table.columns:
        name = _quote(column.name)
        if table.municipality_level and column.kind == "count":
            parts.append(f"CASE WHEN {name} BETWEEN 1 AND {threshold - 1} THEN NULL ELSE {name} END AS {name}")
        elif table.municipality_level and column.kind == "share" and column.based_on:
            low = " OR ".join(f"coalesce({_quote(c)}, 0) < {threshold}" for c in column.based_on)
            parts.append(f"CASE WHEN {low} THEN NULL ELSE {name} END AS {name}")
        else:
            parts.append(name)
    order = [*table.key, *(c for c in table.column_names if c not in table.key)]
    return (f"SELECT {', '.join(parts)} FROM pub.marts.{_quote(table.name)} "
            f"ORDER BY {', '.join(_quote(c) + ' ASC NULLS LAST' for c in order)}")


def _secondary_suppression(reader: _Reader, table: Table) -> None:
    """Suppress more cells of ``released`` where a year's suppressed cells add up to 1–4 (spec.py's docstring),
    and empty the shares computed from a count so suppressed."""
    if not table.municipality_level:
        return
    threshold, source = SUPPRESSION_THRESHOLD, f"pub.marts.{_quote(table.name)}"
    key = " AND ".join(f"r.{_quote(k)} = o.{_quote(k)}" for k in table.key)
    for name in table.totals_per_year:
        column = _quote(name)
        for (year,) in reader.rows(
                f"SELECT r.year FROM released r JOIN {source} o ON {key} GROUP BY r.year "
                f"HAVING sum(o.{column}) - coalesce(sum(r.{column}), 0) BETWEEN 1 AND {threshold - 1} ORDER BY 1"):
            hidden = reader.rows(f"SELECT sum(o.{column}) - coalesce(sum(r.{column}), 0) FROM released r "
                                 f"JOIN {source} o ON {key} WHERE r.year = ?", [year])[0][0]
            candidates = reader.rows(
                f"SELECT {', '.join(_quote(k) for k in table.key)}, {column} FROM released WHERE year = ? AND "
                f"{column} > 0 ORDER BY {column}, {', '.join(_quote(k) for k in table.key)}", [year])
            for *values, count in candidates:
                if hidden >= threshold:
                    break
                match = " AND ".join(f"{_quote(k)} = ?" for k in table.key)
                reader.con.execute(f"UPDATE released SET {column} = NULL WHERE {match}", values)
                hidden += count
        for share in table.columns:
            if share.kind == "share" and name in share.based_on:
                reader.con.execute(f"UPDATE released SET {_quote(share.name)} = NULL WHERE {column} IS NULL")


def _check_columns(table: Table, published: dict[str, str]) -> list[str]:
    """The published columns that are not released; a missing or retyped allow-listed column is an error."""
    for column in table.columns:
        if column.name not in published:
            raise ReleaseError(f"marts.{table.name} has no column {column.name!r}, which release/spec.py releases: "
                               "update the allow-list with the mart")
        if published[column.name] != column.duckdb_type:
            raise ReleaseError(f"marts.{table.name}.{column.name} is {published[column.name]}, but release/spec.py "
                               f"releases it as {column.duckdb_type}: check what it holds and update the allow-list")
    return [name for name in published if name not in table.column_names]


def _write_table(reader: _Reader, table: Table, folder: Path) -> dict[str, Any]:
    """Write one table as Parquet and CSV; returns its manifest entry."""
    select = _select(table)
    reader.con.execute(f"CREATE OR REPLACE TEMP TABLE released AS {select}")
    _secondary_suppression(reader, table)
    parquet, csv_name = f"data/{table.name}.parquet", f"data/{table.name}.csv"
    reader.con.execute(f"COPY (SELECT * FROM released ORDER BY rowid) TO '{folder / parquet}' "
                       "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
    rows = reader.rows("SELECT * FROM released ORDER BY rowid")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.column_names)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    (folder / csv_name).write_bytes(buffer.getvalue().encode("utf-8"))
    suppressed = {}
    for name in suppressed_columns(table):
        original, released = reader.rows(
            f"SELECT count({_quote(name)}) FROM pub.marts.{_quote(table.name)}")[0][0], sum(
            1 for row in rows if row[table.column_names.index(name)] is not None)
        suppressed[name] = original - released
    reader.con.execute("DROP TABLE released")
    return {"name": table.name, "rows": len(rows), "columns": list(table.column_names),
            "files": {"csv": _file_entry(folder, csv_name), "parquet": _file_entry(folder, parquet)},
            "suppressed_cells": suppressed}


def _input_files(reader: _Reader, marts: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Every input file that contributed (marts.dim_source_file): source, SHA-256, rows. No file names: a name
    is free text chosen by whoever dropped the file (it can hold an account's handle)."""
    wanted = ("source", "source_sha256", "rows_loaded", "rows_quarantined")
    columns = marts.get(SOURCE_FILES_TABLE, {})
    if not set(wanted) <= set(columns):
        return {"available": False,
                "note": f"marts.{SOURCE_FILES_TABLE} (one row per loaded file) is not in the published warehouse, "
                        "so the input files are not listed; data_quality still counts the quarantines"}
    rows = reader.rows("SELECT source, source_sha256, rows_loaded, rows_quarantined "
                       f"FROM pub.marts.{SOURCE_FILES_TABLE} ORDER BY source, source_sha256")
    return {"available": True, "table": f"marts.{SOURCE_FILES_TABLE}", "count": len(rows),
            "rows_loaded": sum(int(r[2] or 0) for r in rows),
            "files": [{"source": s, "sha256": h, "rows_loaded": int(n or 0), "rows_quarantined": int(q or 0)}
                      for s, h, n, q in rows]}


def _dq_summary(reader: _Reader) -> dict[str, Any]:
    """The data-quality summary of the published build: the latest check of every suite and its failed rules,
    quarantined files and rows per source. Counts and rule names only (failing keys can name a message)."""
    summary: dict[str, Any] = {}
    if reader.has_table("dq", "validation_runs"):
        latest = reader.rows(
            "SELECT suite, run_id, rows_checked, rules_checked, outcome, fatal_failures, error_failures, "
            "warning_failures FROM pub.dq.validation_runs "
            "QUALIFY row_number() OVER (PARTITION BY suite ORDER BY started_at DESC, run_id DESC) = 1 ORDER BY suite")
        failed: dict[str, list[dict[str, Any]]] = {}
        if reader.has_table("dq", "rule_results"):
            for run_id, rule, severity, unexpected in reader.rows(
                    "SELECT run_id, rule, severity, unexpected_count FROM pub.dq.rule_results WHERE NOT success "
                    "ORDER BY run_id, rule"):
                failed.setdefault(run_id, []).append({"rule": rule, "severity": severity,
                                                      "failing_rows": unexpected})
        summary["latest_check_per_suite"] = [
            {"suite": suite, "rows_checked": rows, "rules_checked": rules, "outcome": outcome,
             "fatal_failures": fatal, "error_failures": error, "warning_failures": warning,
             "failed_rules": failed.get(run_id, [])}
            for suite, run_id, rows, rules, outcome, fatal, error, warning in latest]
    for table, key in (("quarantined_files", "quarantined_files_per_source"),
                       ("quarantined_rows", "quarantined_rows_per_source")):
        if reader.has_table("dq", table):
            summary[key] = {s: n for s, n in reader.rows(
                f"SELECT source, count(*) FROM pub.dq.{table} GROUP BY source ORDER BY source")}
    return summary


def _withheld(marts: dict[str, dict[str, str]], released: dict[str, list[str]]) -> dict[str, Any]:
    tables = {}
    for name in sorted(marts):
        if name in released:
            continue
        if name.startswith(NEVER_RELEASED_PREFIXES):
            tables[name] = "question-, reply- or message-level table: never released"
        elif name == SOURCE_FILES_TABLE:
            tables[name] = "read for the manifest's input files only (file names are free text)"
        else:
            tables[name] = "not on the release allow-list (release/spec.py)"
    return {"tables": tables, "columns": {t: cols for t, cols in sorted(released.items()) if cols}}


def _contracts_for(tables: list[Table]) -> dict[str, ModelContract]:
    contracts = read_contracts()
    for table in tables:
        contract = contracts.get(table.name)
        if contract is None:
            raise ReleaseError(f"marts.{table.name} has no dbt model YAML under dbt_project/models")
        for column in table.columns:
            try:
                contract.frictionless_type(column.name)
            except ContractError as error:
                raise ReleaseError(str(error)) from error
    return contracts


def _same_tree(a: Path, b: Path) -> bool:
    def files(root: Path) -> dict[str, Path]:
        return {str(p.relative_to(root)): p for p in root.rglob("*") if p.is_file() or p.is_symlink()}

    left, right = files(a), files(b)
    return left.keys() == right.keys() and all(left[k].read_bytes() == right[k].read_bytes() for k in left)


def _write_texts(folder: Path, manifest: dict[str, Any], contracts: dict[str, ModelContract], version: str) -> None:
    descriptor = texts.descriptor(manifest, contracts, version)
    (folder / "datapackage.json").write_bytes(
        (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    (folder / "README.md").write_bytes(texts.readme(manifest, contracts, version).encode("utf-8"))


def make_release(home: Path, root: Path | None = None, *, allow_stale: bool = False,
                 commit: str | None = None) -> Path:
    """Release the published warehouse of ``home`` into ``root`` (default ``home/releases``); returns the
    release folder. Raises :class:`ReleaseError`, having written nothing, when the state is bad."""
    home = Path(home).resolve()
    root = Path(root).resolve() if root else home / "releases"
    build: PublishedBuild = published_build(home / "serving" / "warehouse.duckdb")
    stale = failed_runs_after(home, build.built_at)
    if stale and not allow_stale:
        raise ReleaseError("a pipeline run failed after the warehouse was published, so the published warehouse "
                           "misses newer input: " + "; ".join(stale) + ". Fix and rerun `make pipeline`, or pass "
                           "--allow-stale to release the last good publish anyway")
    root_existed = root.exists()
    if root_existed and not root.is_dir():
        raise ReleaseError(f"{root} exists and is not a folder")
    reader = _Reader(build.path)
    staging = root / f".staging-{uuid.uuid4().hex}"
    try:
        republished = reader.rows("SELECT max(built_at) FROM pub.dq.builds WHERE outcome = 'published'")[0][0]
        if republished != build.built_at:
            raise ReleaseError("the warehouse was republished while the release started: run it again")
        marts = reader.marts()
        tables = [t for t in TABLES if is_released_table(t.name)]
        missing = [t.name for t in tables if t.name not in marts]
        if missing:
            raise ReleaseError(f"the published warehouse lacks marts {', '.join(missing)}, which a release holds")
        withheld_columns = {t.name: _check_columns(t, marts[t.name]) for t in tables}
        contracts = _contracts_for(tables)
        (staging / "data").mkdir(parents=True)
        entries = [_write_table(reader, table, staging) for table in tables]
        years = sorted({y for (y,) in reader.rows("SELECT DISTINCT year FROM pub.marts.rpt_national_year")})
        manifest: dict[str, Any] = {
            "name": texts.PACKAGE_NAME,
            "version": VERSION_PLACEHOLDER,
            "release_format": RELEASE_FORMAT,
            "title": texts.TITLE_EN,
            "years": years,
            "commit": commit if commit is not None else project_commit(),
            "tools": tool_versions(),
            "build": {"code_version": build.code_version,
                      "note": "code_version: SHA-256 of the dbt project and classifier the marts were built with"},
            "released_despite_failed_run": stale,
            "inputs": _input_files(reader, marts),
            "data_quality": _dq_summary(reader),
            "suppression": {"threshold": SUPPRESSION_THRESHOLD,
                            "columns": {t.name: suppressed_columns(t) for t in tables if suppressed_columns(t)}},
            "tables": entries,
            "withheld": _withheld(marts, withheld_columns),
        }
        _write_texts(staging, manifest, contracts, VERSION_PLACEHOLDER)
        manifest["texts"] = {name: _sha256(staging / name) for name in ("README.md", "datapackage.json")}
        version = version_of(manifest)
        manifest["version"] = version
        _write_texts(staging, manifest, contracts, version)
        (staging / "manifest.json").write_bytes(
            (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        for path in staging.rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.chmod(staging, 0o755)
        target = root / version
        if target.exists():
            if _same_tree(staging, target):
                log.info("release %s already exists with the same content: nothing to do", target)
                return target
            raise ReleaseError(f"{target} exists with other content; not touching it (move it away to re-release)")
        os.rename(staging, target)
        log.info("released %s", target)
        return target
    finally:
        reader.close()
        shutil.rmtree(staging, ignore_errors=True)
        if not root_existed and root.exists() and not any(root.iterdir()):
            root.rmdir()


def verify_release(folder: Path) -> str:
    """Check every file named in a release's manifest (SHA-256 and size), the README and descriptor, and that
    the version is the one its content gives; returns the version. Raises :class:`ReleaseError` on a mismatch."""
    folder = Path(folder).resolve()
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReleaseError(f"{folder} has no readable manifest.json: {error}") from error
    problems = []
    for entry in manifest.get("tables", []):
        for file in entry["files"].values():
            path = folder / file["path"]
            if not path.is_file() or _sha256(path) != file["sha256"] or path.stat().st_size != file["bytes"]:
                problems.append(f"{file['path']} does not match the manifest")
    version = version_of(manifest)
    if manifest.get("version") != version or folder.name != version:
        problems.append(f"the content gives version {version}, the manifest says {manifest.get('version')} and the "
                        f"folder is {folder.name}")
    for name in ("README.md", "datapackage.json"):
        text = (folder / name).read_text(encoding="utf-8") if (folder / name).is_file() else ""
        rendered = text.replace(manifest.get("version", VERSION_PLACEHOLDER), VERSION_PLACEHOLDER)
        if hashlib.sha256(rendered.encode("utf-8")).hexdigest() != manifest.get("texts", {}).get(name):
            problems.append(f"{name} does not match the manifest")
    if problems:
        raise ReleaseError(f"{folder} does not verify: " + "; ".join(problems))
    return version
