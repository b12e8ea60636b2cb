"""What a file's failure is called: a reason that names the kind of failure and never quotes the file's content
(docs/security.md), and which errors writing a file's values are the file's fault."""

from __future__ import annotations

import csv
import errno
import json
import re
import zipfile

import duckdb
import pyarrow as pa

from ingestion.framework.records import FileRejected

#: Errors writing a parsed file's values that its values caused (text that is not UTF-8, a number out of range,
#: a value of the wrong type): the file is quarantined. Any other error writing (disk full, a bug) fails the load.
WRITE_ERRORS: tuple[type[BaseException], ...] = (
    pa.ArrowException, UnicodeError, OverflowError, duckdb.ConversionException, duckdb.InvalidInputException,
    duckdb.ConstraintException, duckdb.OutOfRangeException, duckdb.TypeMismatchException,
)


def describe(exc: BaseException) -> str:
    """Why a file failed, for its quarantine reason and the log: the kind of failure, the error's type and where,
    never the file's content. Only the loaders' own :class:`FileRejected` texts (written not to quote content) and
    the fixed messages of a few libraries are used; other messages (DuckDB's, a value's ``repr``) can quote the
    offending line, so they are left out."""
    if isinstance(exc, FileRejected):
        return str(exc)
    name = error_name(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"encoding: bytes at offset {exc.start} do not decode as {exc.encoding}"
    if isinstance(exc, RecursionError):
        return f"nested too deeply to read ({name})"
    if isinstance(exc, MemoryError):
        return f"too large to read in memory ({name})"
    if isinstance(exc, json.JSONDecodeError):  # msg is fixed text ("Expecting value"); doc is the file: left out
        return f"invalid JSON: {exc.msg} (at line {exc.lineno} column {exc.colno})"
    if isinstance(exc, csv.Error):
        return f"malformed CSV: {scrub(str(exc))} ({name})"
    if isinstance(exc, zipfile.BadZipFile | zipfile.LargeZipFile):
        return f"unreadable ZIP: {scrub(str(exc))} ({name})"
    if isinstance(exc, SyntaxError):  # xml.etree's and expat's ParseError
        where = getattr(exc, "position", None)
        return f"malformed XML ({name}{f', at line {where[0]} column {where[1]}' if where else ''})"
    if isinstance(exc, EOFError):
        return f"truncated ({name})"
    if isinstance(exc, duckdb.Error):
        return f"DuckDB refused it ({name})"
    if isinstance(exc, OSError):
        return f"unreadable: {errno.errorcode.get(exc.errno or 0, 'error')} ({name})"
    if isinstance(exc, pa.ArrowException | UnicodeError):
        return f"a value cannot be stored ({name})"
    return f"the parser failed on it ({name})"


def error_name(exc: BaseException) -> str:
    """An error's type, with its module unless built in (``xml.etree.ElementTree.ParseError``, ``RecursionError``)."""
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


_QUOTED = re.compile(r"""'[^']*'|"[^"]*"|'.*|".*""")


def scrub(message: str) -> str:
    """The first line of a library's fixed-format message with anything quoted in it left out, printable, at most
    120 characters (zipfile quotes member names; csv quotes only its dialect's characters)."""
    line = (message.strip().splitlines() or [""])[0]
    line = _QUOTED.sub("'…'", line)
    return "".join(c if c.isprintable() else "?" for c in line)[:120]
