"""The warehouse's own books: ``raw._files`` and every ``dq`` table, created here and nowhere else.

Loads (``ingestion``), validations (``expectations``), publishing and the audit report (``steps``) write rows
into these tables; only this module says what they are. Each table is a list of columns (name → type) plus, for
some, table constraints.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

#: Every bookkeeping table: its columns (name → DuckDB type and column constraints).
TABLES: dict[str, dict[str, str]] = {
    "raw._files": {
        "source_sha256": "VARCHAR PRIMARY KEY", "source": "VARCHAR NOT NULL", "source_file": "VARCHAR NOT NULL",
        "load_id": "VARCHAR NOT NULL", "loaded_at": "TIMESTAMPTZ NOT NULL", "rows_loaded": "BIGINT NOT NULL",
        "rows_quarantined": "BIGINT NOT NULL",
    },
    "dq.quarantined_files": {
        "load_id": "VARCHAR NOT NULL", "source": "VARCHAR NOT NULL", "source_file": "VARCHAR NOT NULL",
        "source_sha256": "VARCHAR NOT NULL", "quarantine_path": "VARCHAR", "position": "VARCHAR",
        "reason": "VARCHAR NOT NULL", "quarantined_at": "TIMESTAMPTZ NOT NULL",
    },
    "dq.quarantined_rows": {
        "load_id": "VARCHAR NOT NULL", "source": "VARCHAR NOT NULL", "source_file": "VARCHAR NOT NULL",
        "source_sha256": "VARCHAR NOT NULL", "position": "VARCHAR NOT NULL", "reason": "VARCHAR NOT NULL",
        "content": "VARCHAR", "quarantined_at": "TIMESTAMPTZ NOT NULL",
    },
    "dq.builds": {
        "built_at": "TIMESTAMPTZ NOT NULL", "loaded_until": "TIMESTAMPTZ", "outcome": "VARCHAR NOT NULL",
        "tables": "VARCHAR", "code_version": "VARCHAR",
    },
    "dq.loads": {
        "load_id": "VARCHAR PRIMARY KEY", "source": "VARCHAR NOT NULL", "started_at": "TIMESTAMPTZ NOT NULL",
        "finished_at": "TIMESTAMPTZ NOT NULL", "files_loaded": "INTEGER NOT NULL",
        "files_skipped": "INTEGER NOT NULL", "files_quarantined": "INTEGER NOT NULL",
        "rows_loaded": "BIGINT NOT NULL", "rows_quarantined": "BIGINT NOT NULL",
        "files_ignored": "INTEGER",  # hidden files and .reason notes left in the landing zone
    },
    "dq.validation_runs": {
        "run_id": "VARCHAR PRIMARY KEY", "suite": "VARCHAR NOT NULL", "load_id": "VARCHAR NOT NULL",
        "source_file": "VARCHAR", "source_sha256": "VARCHAR",
        "started_at": "TIMESTAMPTZ NOT NULL", "finished_at": "TIMESTAMPTZ NOT NULL",
        "rows_checked": "BIGINT NOT NULL", "rules_checked": "INTEGER NOT NULL",
        "outcome": "VARCHAR NOT NULL CHECK (outcome IN ('passed', 'failed'))",
        "fatal_failures": "INTEGER NOT NULL", "error_failures": "INTEGER NOT NULL",
        "warning_failures": "INTEGER NOT NULL", "data_docs_page": "VARCHAR",
    },
    "dq.rule_results": {
        "run_id": "VARCHAR NOT NULL", "suite": "VARCHAR NOT NULL", "rule": "VARCHAR NOT NULL",
        "description": "VARCHAR", "expectation_type": "VARCHAR NOT NULL",
        "severity": "VARCHAR NOT NULL CHECK (severity IN ('fatal', 'error', 'warning'))",
        "success": "BOOLEAN NOT NULL", "expected": "VARCHAR", "observed": "VARCHAR",
        "element_count": "BIGINT", "unexpected_count": "BIGINT", "unexpected_percent": "DOUBLE",
        "failing_keys": "VARCHAR NOT NULL", "exception": "VARCHAR",
    },
    "dq.audit_reports": {"written_at": "TIMESTAMPTZ NOT NULL", "path": "VARCHAR"},
    # One row per dbt build (steps/build.py), the newest is the current build: how it was planned (steps/plan.py)
    # and how far it got. An incremental build is only correct on top of a build that finished and was published,
    # so a row left 'running' (a killed build) or 'failed' makes the next build a full one.
    "dq.transform_runs": {
        "run_id": "VARCHAR PRIMARY KEY", "started_at": "TIMESTAMPTZ NOT NULL", "finished_at": "TIMESTAMPTZ",
        "mode": "VARCHAR NOT NULL CHECK (mode IN ('full', 'incremental'))", "reason": "VARCHAR NOT NULL",
        "increment_after": "TIMESTAMPTZ", "loaded_until": "TIMESTAMPTZ", "code_version": "VARCHAR NOT NULL",
        "new_files": "INTEGER NOT NULL",
        "outcome": "VARCHAR NOT NULL CHECK (outcome IN ('running', 'built', 'failed', 'published'))",
    },
}

#: Table constraints beyond the columns' own.
CONSTRAINTS: dict[str, str] = {"dq.rule_results": "PRIMARY KEY (run_id, rule)"}


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas ``raw`` and ``dq`` and every bookkeeping table (idempotent). When every column is
    there (every run but a home's first), one query checks it instead of a dozen statements."""
    present = {f"{schema}.{table}.{column}" for schema, table, column in con.execute(
        """SELECT schema_name, table_name, column_name FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name IN ('raw', 'dq')""").fetchall()}
    if all(f"{table}.{column}" in present for table, columns in TABLES.items() for column in columns):
        return
    for schema in ("raw", "dq"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for table, columns in TABLES.items():
        parts = [f"{name} {kind}" for name, kind in columns.items()]
        if table in CONSTRAINTS:
            parts.append(CONSTRAINTS[table])
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(parts)})")


def loaded_until(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The newest load time in the raw layer (None before the first load)."""
    return con.execute("SELECT max(loaded_at) FROM raw._files").fetchone()[0]
