"""What a source is and what its parser yields: the framework's vocabulary, below every other module of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb

#: Lineage columns added to every raw table, after the source's own columns.
LINEAGE_COLUMNS: dict[str, str] = {
    "source_file": "VARCHAR NOT NULL",
    "source_sha256": "VARCHAR NOT NULL",
    "source_position": "VARCHAR NOT NULL",
    "load_id": "VARCHAR NOT NULL",
    "loaded_at": "TIMESTAMPTZ NOT NULL",
}


class FileRejected(Exception):
    """The whole file is unusable (malformed, wrong structure, wrong encoding); nothing of it loads."""

    def __init__(self, reason: str, position: str | None = None) -> None:
        super().__init__(reason if position is None else f"{reason} (at {position})")
        self.reason = reason
        self.position = position


@dataclass(frozen=True)
class RowRejected:
    """One record that cannot be used; the rest of its file still loads."""

    position: str
    reason: str
    content: str = ""


@dataclass(frozen=True)
class Record:
    """One parsed row: its values (keyed by raw column) and where it sits in the file."""

    position: str
    values: dict[str, Any]


Parsed = Record | RowRejected


@dataclass(frozen=True)
class BulkFile:
    """One new small file offered to a bulk loader, with its lineage."""

    path: Path
    label: str
    sha: str
    weight: int = 0  # Source.bulk_weight


class BulkPart(Protocol):
    """A part of a bulk group, shaped and waiting for the group's transaction."""

    def insert(self, con: duckdb.DuckDBPyConnection, load_id: str, loaded_at: datetime) -> dict[str, int]:
        """Insert the rows of the files taken into the source's raw table (inside the caller's transaction,
        lineage columns included); ``{label: rows}`` of those files."""

    def discard(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the part's tables (after the group's commit or rollback, or when another part failed)."""


#: ``bulk(con, files)`` shapes the rows of the files it can load, outside any transaction (a table dropped
#: inside one keeps its memory until the commit), and returns them as a :class:`BulkPart`; the files it leaves
#: out are parsed in Python. It must take a file whole or not at all.
BulkLoad = Callable[[duckdb.DuckDBPyConnection, list[BulkFile]], BulkPart]


@dataclass(frozen=True)
class Source:
    """A landing source: its raw table, how to find its load units and how to parse one."""

    name: str
    table: str
    columns: dict[str, str]
    parse: Callable[[Path], Iterable[Parsed]]
    #: Finds load units under the landing folder; default: every regular file, recursively.
    discover: Callable[[Path], Iterable[Path]] | None = None
    #: Reference files shipped with the project, loaded before landed ones.
    shipped: tuple[Path, ...] = ()
    #: True when the file name carries data (a CBS list's year): then the name is part of the file's key.
    name_is_data: bool = False
    #: Loads groups of small landed files in DuckDB itself (see :data:`BulkLoad`); None: Python only.
    bulk: BulkLoad | None = None
    #: Files up to this size go to ``bulk``; bigger ones stream through ``parse`` (bounded memory).
    bulk_max_bytes: int = 8 << 20
    #: A bulk group (one transaction) is made once its files weigh this much together, and DuckDB reads and
    #: shapes it a part of at most ``bulk_part_bytes`` at a time (so memory is bounded by the part). A group
    #: that inserts at least a row group (122,880 rows) is written compressed as it is inserted and appended
    #: whole at commit; a smaller one is appended into the table's last row group, which the commit then
    #: rewrites (X API rows: 0.51 s per 100 k in 105 k-row commits, 0.37 s in one row group, 0.20 s in two;
    #: docs/benchmarks.md, round 5).
    bulk_group_bytes: int = 48 << 20
    bulk_part_bytes: int = 48 << 20
    #: What a landed file weighs against ``bulk_max_bytes`` and ``bulk_group_bytes``; default: its size on
    #: disk (an archive weighs what DuckDB will read of it unpacked).
    bulk_weight: Callable[[Path], int] | None = None
    #: Views over the raw table that the source owns (``CREATE OR REPLACE VIEW raw.… AS …`` statements that read
    #: only this table), made again with it whenever the table is ensured, so they always follow the code: a rule
    #: about the source's rows written once, for the loaders that need it before dbt builds and for dbt.
    views: tuple[str, ...] = ()


@dataclass
class SourceReport:
    """What one load of one source did; logged by the task and stored in ``dq.loads``."""

    source: str
    load_id: str
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: int = 0
    files_quarantined: list[tuple[str, str]] = field(default_factory=list)
    rows_loaded: int = 0
    rows_quarantined: int = 0
    #: Hidden files and folders and ``.reason`` notes in the landing zone: reported, never loaded.
    files_ignored: list[str] = field(default_factory=list)

    def summary(self) -> str:
        ignored = f", {len(self.files_ignored)} hidden or .reason file(s) ignored" if self.files_ignored else ""
        return (
            f"{self.source}: {len(self.files_loaded)} file(s) loaded with {self.rows_loaded} row(s), "
            f"{self.rows_quarantined} row(s) quarantined, {len(self.files_quarantined)} file(s) quarantined, "
            f"{self.files_skipped} already loaded{ignored}"
        )
