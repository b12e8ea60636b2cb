"""Bulk loading: DuckDB reads a group of small landed files with its own readers and a source's bulk loader
(:data:`ingestion.framework.records.BulkLoad`) shapes their rows in SQL, with no Python per row. It takes only the
files whose every record it can shape exactly as the Python parser would; any other file (a reject, an unusual
value, a malformed file) goes through the parser (:func:`ingestion.framework.unit.load_unit`), so rejects and
their reasons do not depend on which path ran. Groups run in background threads, each in its own transaction on
its own cursor (:class:`BulkGroup`)."""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.framework.records import BulkFile, BulkPart
from ingestion.framework.unit import load_unit
from ingestion.framework.writer import ParsedFile, Writer

log = logging.getLogger(__name__)

#: A bulk group (one transaction) is made once it holds this many files (or ``Source.bulk_group_bytes``).
BULK_FILES = 8_000
#: DuckDB reads and shapes a group a part at a time: at most this many files (and ``Source.bulk_part_bytes``).
BULK_PART_FILES = 2_000
#: Bulk groups in DuckDB at once, each in its own transaction on its own cursor: a group's commit (one core)
#: overlaps the next group's queries, and hashing the files of the group after them (see :class:`BulkGroup`).
BULK_WORKERS = 2


def bulk_threads() -> int:
    """DuckDB's ``threads`` while bulk groups run: each worker's queries run on the worker's own thread, and
    DuckDB adds only what the cores have left. Its extra threads contended with the workers for two cores:
    at the default the X API load at scale 1 took 6.5 s, with one thread 5.7 s (docs/benchmarks.md, round 8)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores - BULK_WORKERS + 1)


class BulkGroup:
    """Collects new small landed files and hands them to the source's bulk loader, a group at a time.

    A group is one transaction: the rows of the files the bulk loader took, and their ``raw._files``
    entries. The files it left out, and every file of a group whose query failed, go through the parser.

    Up to :data:`BULK_WORKERS` groups run in background threads, each on its own DuckDB cursor (DuckDB's own
    threads lowered to :func:`bulk_threads` meanwhile), while this thread hashes the files of the next group.
    Groups finish in the order they were made: a second copy of a file still in a running group waits for that
    group (``later``), and only this thread parses left-out files and counts loaded ones.
    """

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.files: list[BulkFile] = []
        self.later: list[tuple[Path, str, str]] = []  # a second copy of a file in a running group: after it
        self.claimed: set[str] = set()  # hashes of the files in groups not yet finished
        self.weight = 0  # of the files collected (Source.bulk_weight)
        self.running: deque[tuple[Future[tuple[dict[str, int], list[ParsedFile]]], list[BulkFile], list]] = deque()
        self.pool: ThreadPoolExecutor | None = None
        self.threads: int | None = None  # DuckDB's own, restored when the pool closes

    def add(self, path: Path, label: str, weight: int, sha: str) -> None:
        if sha in self.writer.known:
            self.writer.report.files_skipped += 1
            return
        if sha in self.claimed:
            self.later.append((path, label, sha))
            return
        self.claimed.add(sha)
        self.files.append(BulkFile(path, label, sha, weight))
        self.weight += weight
        if len(self.files) >= BULK_FILES or self.weight >= self.writer.source.bulk_group_bytes:
            self.submit()

    def submit(self) -> None:
        """Start the collected group in the background (after finishing the oldest if all workers are busy)."""
        files, later = self.files, self.later
        self.files, self.later, self.weight = [], [], 0
        while len(self.running) >= BULK_WORKERS:
            self.finish(*self.running.popleft())
        if self.pool is None:
            con = self.writer.con
            self.threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
            con.execute(f"SET threads = {min(self.threads, bulk_threads())}")
            self.pool = ThreadPoolExecutor(BULK_WORKERS, thread_name_prefix=f"bulk-{self.writer.source.name}")
        self.running.append((self.pool.submit(self._bulk, files), files, later))

    def run(self) -> None:
        """Finish every group, the one being collected included."""
        if self.files or self.later:
            self.submit()
        while self.running:
            self.finish(*self.running.popleft())

    def close(self) -> None:
        """Wait for the groups still running (after an error: each commits or rolls back on its own cursor)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.threads is not None:
            self.writer.con.execute(f"SET threads = {self.threads}")
            self.threads = None
        self.running.clear()

    def finish(self, future: Future[tuple[dict[str, int], list[ParsedFile]]], files: list[BulkFile],
               later: list[tuple[Path, str, str]]) -> None:
        """Count a group's committed files, then parse the files it left and the second copies."""
        taken, done = future.result()
        for parsed in done:
            self.writer.known.add(parsed.sha)
            self.writer.loaded(parsed, quiet=True)
        for unit in files:
            if unit.label not in taken:
                load_unit(self.writer, unit.path, unit.label, True, unit.sha)
        for path, label, sha in later:
            load_unit(self.writer, path, label, True, sha)
        self.claimed.difference_update(unit.sha for unit in files)

    def _bulk(self, files: list[BulkFile]) -> tuple[dict[str, int], list[ParsedFile]]:
        """Bulk-load the files; a file DuckDB cannot read (named in its error, else found by halving) is left out."""
        taken: dict[str, int] = {}
        done: list[ParsedFile] = []
        todo = [files] if files else []
        with self.writer.con.cursor() as con:
            while todo:
                part = todo.pop()
                try:
                    part_taken, part_done = self._bulk_once(con, part)
                    taken.update(part_taken)
                    done += part_done
                except duckdb.Error as exc:  # a malformed file: the parser will say why; the others go on in bulk
                    # DuckDB's message can quote the offending line: only its kind is logged
                    named = [f for f in part if _names(exc, f.path)]
                    log.info("bulk read of %d file(s) failed (%s): %s", len(part), type(exc).__name__,
                             named[0].label if named else "halving the group")
                    if named:
                        todo.append([f for f in part if f not in named])
                    elif len(part) > 1:
                        todo += [part[: len(part) // 2], part[len(part) // 2:]]
                except Exception as exc:  # the bulk loader's own Python failed on a file: the parser reads them all
                    log.warning("bulk loader failed on %d file(s) (%s); the parser reads them", len(part),
                                type(exc).__name__)
                    log.debug("bulk loader failure", exc_info=True)
        return taken, done

    def _bulk_once(self, con: duckdb.DuckDBPyConnection,
                   files: list[BulkFile]) -> tuple[dict[str, int], list[ParsedFile]]:
        writer = self.writer
        if not files or writer.source.bulk is None:
            return {}, []
        shaped: list[BulkPart] = []
        try:
            for part in _parts(files, writer.source.bulk_part_bytes):  # shaped before the transaction: BulkLoad
                shaped.append(writer.source.bulk(con, part))
            loaded_at = datetime.now(UTC)
            con.begin()
            try:
                taken: dict[str, int] = {}
                for part in shaped:
                    taken.update(part.insert(con, writer.load_id, loaded_at))
                done = [ParsedFile(f.label, f.sha, loaded_at, written=taken[f.label])
                        for f in files if f.label in taken]
                if done:
                    writer.register(done, con)
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            for part in shaped:
                part.discard(con)
        log.info("bulk: %d of %d file(s) loaded by DuckDB with %d row(s); the rest go to the parser",
                 len(done), len(files), sum(taken.values()))
        return taken, done


def _parts(files: list[BulkFile], part_bytes: int) -> Iterator[list[BulkFile]]:
    """A group's files in parts of at most ``BULK_PART_FILES`` files and about ``part_bytes``."""
    part: list[BulkFile] = []
    weight = 0
    for unit in files:
        if part and (len(part) >= BULK_PART_FILES or weight + unit.weight > part_bytes):
            yield part
            part, weight = [], 0
        part.append(unit)
        weight += unit.weight
    if part:
        yield part


def _names(exc: duckdb.Error, path: Path) -> bool:
    """Whether DuckDB's error names this file: quoted (JSON readers, ``read_text``) or as a ``file = <path>``
    line (CSV)."""
    text = str(exc)
    return (f'"{path}"' in text or f"'{path}'" in text
            or re.search(rf"^\s*file = {re.escape(str(path))}$", text, re.MULTILINE) is not None)
