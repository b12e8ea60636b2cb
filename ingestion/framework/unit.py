"""Load one unit (a file, or an unzipped archive folder) through its source's parser, all or nothing.

A unit is keyed by its SHA-256; a hash already in ``raw._files`` is skipped, so re-runs load nothing new. A small
unit is parsed to the end before it is written (complete units are then committed together, see
:class:`ingestion.framework.writer.Writer`), a big one has its own transaction; so a unit that turns out malformed
half-way leaves no row behind and is quarantined. A record the parser cannot use (:class:`RowRejected`) goes to
``dq.quarantined_rows`` while the rest of the unit loads.

Whatever a landed file holds, it can only get itself quarantined (docs/security.md): any error while parsing it
(a parser's, a library's, RecursionError, MemoryError, a limit of :class:`core.settings.Limits`) or writing its
values quarantines it with a reason that names the kind of failure and never quotes its content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.settings import get_limits
from ingestion.framework.errors import WRITE_ERRORS
from ingestion.framework.landing import unit_sha256
from ingestion.framework.records import FileRejected, Parsed, RowRejected
from ingestion.framework.writer import ParsedFile, Writer

log = logging.getLogger(__name__)

#: A unit with this many records is written in its own transaction, a batch of this many records at a time.
BATCH_ROWS = 50_000


def unit_key(writer: Writer, path: Path, label: str, landed: bool) -> str | None:
    """The unit's key (:func:`unit_sha256`); None when it cannot be read (then quarantined) or is gone. A landed
    file already loaded and unchanged since is not read again (:mod:`ingestion.framework.hashes`)."""
    try:
        if landed and writer.hashes is not None:
            return writer.hashes.key(path, label)
        return unit_sha256(path, writer.source.name_is_data)
    except FileNotFoundError:
        if not landed:
            raise
        log.warning("%s: gone before it was read", label)
    except OSError as exc:
        if not landed:
            raise
        writer.quarantine(label, "", exc, path)
    return None


class _ParseFailed(Exception):
    """A file's parser raised ``error``: the file, not the loader, is the problem."""

    def __init__(self, error: Exception) -> None:
        super().__init__(type(error).__name__)
        self.error = error


def _parsed(parse: Callable[[Path], Iterable[Parsed]], path: Path, max_rows: int) -> Iterator[Parsed]:
    """The records of one file, at most ``max_rows``; whatever the parse raises comes out as :class:`_ParseFailed`
    (RecursionError and MemoryError included: a file nested or sized to break a parser is just a bad file)."""
    try:
        for count, item in enumerate(parse(path), start=1):
            if count > max_rows:
                raise FileRejected(f"more than {max_rows} records (DIALOOG_MAX_ROWS_PER_FILE)", item.position)
            yield item
    except Exception as exc:  # any parser error, of any library, is the file's
        raise _ParseFailed(exc) from exc


def load_unit(writer: Writer, path: Path, label: str, landed: bool, sha: str | None = None) -> None:
    """Load one unit (``sha``: its key, when the caller has it), or skip it when its key is known, or quarantine it
    (and count it in the report)."""
    source, con, report = writer.source, writer.con, writer.report
    sha = sha or unit_key(writer, path, label, landed)
    if sha is None:
        return
    if sha in writer.known:
        report.files_skipped += 1
        return
    done = ParsedFile(label, sha, datetime.now(UTC), path=path, landed=landed)
    own_transaction = False
    try:
        for item in _parsed(source.parse, path, get_limits().max_rows_per_file):
            if isinstance(item, RowRejected):
                done.rejects.append(item)
                continue
            done.records.append(item)
            if len(done.records) >= BATCH_ROWS:
                if not own_transaction:  # a big file: commit the queue, then stream this one alone
                    writer.flush()
                    con.begin()
                    own_transaction = True
                writer.write_part(done)
        if own_transaction:
            writer.write_part(done)
            writer.register([done])
            con.commit()
    except _ParseFailed as failed:
        if own_transaction:
            con.rollback()
        log.debug("parsing %s failed", label, exc_info=failed.error)
        writer.quarantine(label, sha, failed.error, path if landed else None)
        return
    except WRITE_ERRORS as exc:
        if not own_transaction:  # not this file's: the writer's queue handles its own files' values
            raise
        con.rollback()
        log.debug("writing %s failed", label, exc_info=True)
        writer.quarantine(label, sha, exc, path if landed else None)
        return
    except BaseException:
        if own_transaction:
            con.rollback()
        raise
    writer.known.add(sha)
    if own_transaction:
        writer.loaded(done)
    else:
        writer.add(done)
