"""The SHA-256 of landed files already loaded, remembered by their file-system identity, so that a load reads only
what is new or changed instead of every file ever landed.

Every load walks the whole landing zone and keys each file by its SHA-256 (:func:`unit_key`). Without a memory,
that read and hashed every file ever landed, every hour: at bench scale 1, 33,000 files and 790 MB, two of the
three seconds the social loaders took when nothing was new, and growing with every year of history (and from disk,
not the page cache, once the files are old).

``raw._landing_hashes`` holds, per source and landed path, the file's identity when it was hashed (``lstat``:
size, ``st_mtime_ns``, ``st_ctime_ns``, inode, device) and its SHA-256. A file whose identity is unchanged is taken
to hold the bytes it held then, and is not read again. Why that is safe:

- It decides only that a file is *already loaded*: a remembered hash is used only when ``raw._files`` still has it
  (the load was not undone). A file that is loaded is always hashed from its bytes as they are read, so the key of
  every row loaded is the hash of what was read, as before.
- The change time ``st_ctime_ns`` is in the identity. A user who can write the landing zone can give a rewritten
  file its old size and modification time (``touch -d``, ``os.utime``), but not its old change time: every write,
  ``utime`` and rename sets it to the clock's now, and only root can set it back (by moving the system clock or
  writing the disk device). A file replaced by another (a new inode, even one that reuses the old number) has a new
  change time too.
- A file is remembered only when it had settled: its change time at least :data:`SETTLED_NS` before the hash began.
  A write in the same clock tick as the one before it could leave the change time as it was (file-system times
  move in ticks of a few milliseconds); a settled file's next write cannot. A file still being written is so hashed
  again on the next run (as git treats its "racily clean" index entries).
- Folders (unzipped archives) are never remembered: a file changed inside one changes nothing of the folder's own
  identity. They are hashed every run, as before.

What it trades: a file rewritten by root with its change time forged (or on a file system whose change time does
not move) would not be loaded again until its identity changes; no row would be wrong, the old content stays
loaded with the old hash. Emptying the table (``DELETE FROM raw._landing_hashes``) makes the next load read and hash
every landed file again. The table is a cache, never a record: the raw layer's lineage is ``raw._files``.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.framework.landing import unit_sha256

log = logging.getLogger(__name__)

#: The cache table (schema ``raw``: the build warehouse's private part; it never reaches the published copy).
TABLE = "raw._landing_hashes"
#: A file is remembered only when it last changed at least this long before it was hashed (see the module).
SETTLED_NS = 2_000_000_000

_COLUMNS = {
    "source": "VARCHAR NOT NULL", "source_file": "VARCHAR NOT NULL", "size": "BIGINT NOT NULL",
    "mtime_ns": "BIGINT NOT NULL", "ctime_ns": "BIGINT NOT NULL", "inode": "UBIGINT NOT NULL",
    "device": "UBIGINT NOT NULL", "source_sha256": "VARCHAR NOT NULL",
}

Identity = tuple[int, int, int, int, int]


def identity(info: os.stat_result) -> Identity:
    """What must not change for a file's remembered hash to hold."""
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


class LandingHashes:
    """The remembered hashes of one source's landed files, for one load: looked up as the landing zone is walked,
    then written back (:meth:`save`) with what this load hashed, and without the files that are gone."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, name_is_data: bool) -> None:
        self.con, self.source, self.name_is_data = con, source, name_is_data
        con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} "
                    f"({', '.join(f'{name} {kind}' for name, kind in _COLUMNS.items())})")
        self.remembered: dict[str, tuple[Identity, str]] = {}
        self.loaded: set[str] = set()  # the remembered files whose hash ``raw._files`` has (not undone since)
        for label, size, mtime, ctime, inode, device, sha, loaded in con.execute(
                f"SELECT source_file, size, mtime_ns, ctime_ns, inode, device, source_sha256, "
                f"source_sha256 IN (SELECT source_sha256 FROM raw._files) FROM {TABLE} WHERE source = ?",
                [source]).fetchall():
            self.remembered[label] = ((size, mtime, ctime, inode, device), sha)
            if loaded:
                self.loaded.add(label)
        self.seen: set[str] = set()  # every landed file looked up in this load
        self.fresh: dict[str, tuple[Identity, str]] = {}  # hashed in this load, settled: to remember
        self.reused = 0  # files not read because their remembered hash still held

    def key(self, path: Path, label: str) -> str:
        """The unit's SHA-256: remembered, when its identity is unchanged and ``raw._files`` has it, else read from
        its bytes (and remembered when it is a settled regular file). Raises what :func:`unit_sha256` raises."""
        self.seen.add(label)
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):  # a folder's identity says nothing of the files in it
            return unit_sha256(path, self.name_is_data)
        if self._holds(label, info):
            return self.remembered[label][1]
        now = identity(info)
        started = time.time_ns()
        sha = unit_sha256(path, self.name_is_data)
        if info.st_ctime_ns <= started - SETTLED_NS and info.st_mtime_ns <= started - SETTLED_NS:
            self.fresh[label] = (now, sha)
        return sha

    def unchanged(self, path: Path | str, label: str) -> bool:
        """Whether a landed file is already loaded and unchanged since: a regular file whose remembered hash holds (as
        in :meth:`key`). The load then passes it by with one ``lstat``, without screening, weighing or reading it: at
        bench scale 10 nearly every one of the hundreds of thousands of files it walks each hour. False when it
        cannot tell (not remembered, changed, gone, not a regular file): the load's own path then decides."""
        if label not in self.loaded:
            return False
        try:
            info = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode) or not self._holds(label, info):
            return False
        self.seen.add(label)
        return True

    def _holds(self, label: str, info: os.stat_result) -> bool:
        """Whether the remembered hash of ``label`` still holds for a regular file of this ``lstat``: same identity,
        and still in ``raw._files`` when this load began (a load that was undone is loaded again)."""
        if label not in self.loaded or self.remembered[label][0] != identity(info):
            return False
        self.reused += 1
        return True

    def save(self) -> None:
        """Remember this load's settled hashes and forget the files that are no longer landed, in one transaction.
        Unchanged entries are not written again. (No primary key: one writer keeps a path once, by deleting its
        entry before inserting the new one.)"""
        log.debug("%s: %d landed file(s) unchanged since they were hashed, not read again", self.source, self.reused)
        gone = [label for label in self.remembered if label not in self.seen]
        changed = {label: entry for label, entry in self.fresh.items() if self.remembered.get(label) != entry}
        if not gone and not changed:
            return
        labels = list(changed)
        entries = pa.table({
            "source": [self.source] * len(labels),
            "source_file": labels,
            "size": pa.array([changed[label][0][0] for label in labels], pa.int64()),
            "mtime_ns": pa.array([changed[label][0][1] for label in labels], pa.int64()),
            "ctime_ns": pa.array([changed[label][0][2] for label in labels], pa.int64()),
            "inode": pa.array([changed[label][0][3] for label in labels], pa.uint64()),
            "device": pa.array([changed[label][0][4] for label in labels], pa.uint64()),
            "source_sha256": [changed[label][1] for label in labels],
        })
        stale = pa.table({"source_file": [*gone, *labels]})
        con = self.con
        con.register("_dialoog_stale", stale)
        con.register("_dialoog_hashes", entries)
        try:
            con.begin()
            try:
                con.execute(f"DELETE FROM {TABLE} WHERE source = ? "
                            "AND source_file IN (SELECT source_file FROM _dialoog_stale)", [self.source])
                if labels:
                    con.execute(f"INSERT INTO {TABLE} SELECT * FROM _dialoog_hashes")
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            con.unregister("_dialoog_stale")
            con.unregister("_dialoog_hashes")
