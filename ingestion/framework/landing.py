"""The landing zone as the loader sees it: which entries are load units, which may be read (links and special
files are quarantined unread; hidden files and ``.reason`` notes are reported, not loaded), a unit's key, and
what a ZIP may unpack to. A path with glob characters never reaches DuckDB's readers (they would read it as a
pattern)."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from core.settings import get_limits
from ingestion.framework.records import FileRejected

#: Characters DuckDB's file readers expand as a glob pattern (``*``, ``?``, ``[...]``; braces for good measure).
GLOB_CHARS = frozenset("*?[]{}")


def literal_path(path: Path | str) -> bool:
    """Whether DuckDB's readers would read this path as itself: it has no glob character (``page[1].json`` would
    read ``page1.json``, ``*.json`` every page). Others go to the Python parser."""
    return GLOB_CHARS.isdisjoint(str(path))


def unit_sha256(path: Path, include_name: bool = False) -> str:
    """SHA-256 of a file, or of a folder's relative paths and contents (for unzipped archives). Links are never
    followed: a folder's linked files and folders are not part of it (see :func:`regular_files`)."""
    digest = hashlib.sha256()
    if include_name:
        digest.update(path.name.encode() + b"\0")
    folder = stat.S_ISDIR(os.lstat(path).st_mode)
    for relative in regular_files(path) if folder else [""]:
        if folder:
            digest.update(relative.encode() + b"\0")
        fd = os.open(path / relative if relative else path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def regular_files(folder: Path) -> list[str]:
    """The regular files under a folder as relative POSIX paths in path order (as ``sorted(rglob)``: by their parts,
    so a folder's key stays what it was), walking its real sub-folders only: a linked file or folder is not
    followed (it could point anywhere, or at the folder itself)."""
    found: list[str] = []

    def walk(current: Path, prefix: str) -> None:
        with os.scandir(current) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    walk(Path(entry.path), f"{prefix}{entry.name}/")
                elif entry.is_file(follow_symlinks=False):
                    found.append(prefix + entry.name)

    walk(folder, "")
    return sorted(found, key=lambda relative: relative.split("/"))


def is_hidden(name: str) -> bool:
    """A hidden file (``.name``: editor and transfer tools' temporary files) or a quarantine ``.reason`` note: the
    loader reports these and loads nothing of them (a hidden folder's files load, except in ``x_archive``)."""
    return name.startswith(".") or name.endswith(".reason")


class UnpackBudget:
    """What one archive (a ZIP: an X archive, an XLSX workbook; a .tar.gz: a Mastodon archive) may unpack to
    (:class:`core.settings.Limits`): a ZIP's members' declared sizes are checked when it is opened, and the bytes
    actually read are counted as they are read, since headers can lie. The ratio applies once it unpacks to more
    than :attr:`RATIO_FLOOR`. ``kind`` names the archive in the reasons it gives."""

    RATIO_FLOOR = 1 << 20

    def __init__(self, path: Path, members: Iterable[zipfile.ZipInfo], kind: str = "ZIP") -> None:
        self.kind = kind
        limits = get_limits()
        self.max_bytes, self.max_ratio = limits.max_unpacked_bytes, limits.max_unpack_ratio
        self.packed = max(os.stat(path).st_size, 1)
        self.unpacked = 0
        self.check(sum(member.file_size for member in members), "declared in its directory")

    def check(self, size: int, how: str) -> None:
        if size > self.max_bytes:
            raise FileRejected(f"{self.kind} unpacks to more than {self.max_bytes} bytes "
                               f"({how}; DIALOOG_MAX_UNPACKED_BYTES)")
        if size > self.RATIO_FLOOR and size > self.max_ratio * self.packed:
            raise FileRejected(f"{self.kind} unpacks to more than {self.max_ratio:g} times its size of {self.packed} "
                               f"bytes ({how}; DIALOOG_MAX_UNPACK_RATIO): a decompression bomb?")

    def reader(self, handle: IO[bytes]) -> IO[bytes]:
        """A member's stream whose bytes count against the budget as they are read."""
        return _CountedReader(handle, self)


class _CountedReader(io.RawIOBase):
    def __init__(self, handle: IO[bytes], budget: UnpackBudget) -> None:
        self._handle, self._budget = handle, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._handle.read(len(buffer))
        self._budget.unpacked += len(data)
        self._budget.check(self._budget.unpacked, "as read")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()


def default_discover(folder: Path) -> Iterator[Path]:
    """Every entry under the folder that is not a real folder, in sorted path order: regular files, and also
    links, special files, hidden files and ``.reason`` notes, which :func:`load_source` reports (see
    :func:`screen`) instead of loading. Linked folders are not walked (a link to its own parent would never end;
    one to another source's folder would take its files)."""
    return map(Path, landed_paths(folder))


def landed_paths(folder: Path | str) -> Iterator[str]:
    """:func:`default_discover`'s entries as path strings, as the loader walks them: a directory walk that reads
    each folder's entries once (their types come with them; a ``stat`` per page per question cost more than hashing
    the first group), and no ``Path`` per entry (building them was 28 % of a profiled load that found nothing new at
    bench scale 1: most landed files were loaded before, and the loader passes them by on their path alone)."""
    if not os.path.isdir(folder):  # the source's own folder may be a link the operator made; nothing under it is
        return
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from landed_paths(entry.path)
        else:
            yield entry.path


#: What :func:`screen` says of an entry that is not loaded.
IGNORED, REFUSED = "ignored", "refused"


def screen(path: Path) -> tuple[str, str] | None:
    """Whether a landed entry may be read, from its ``lstat`` alone (never its target): None when it may, else
    ``(IGNORED, why)`` for a hidden file (or X archive folder) or a ``.reason`` note (reported, left in place) or
    ``(REFUSED, reason)`` for a symbolic link or a special file (quarantined unread)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return REFUSED, "symbolic link: not followed"
    if is_hidden(path.name):
        kind = "a .reason note" if path.name.endswith(".reason") else "a hidden file or folder"
        return IGNORED, f"{kind}: not loaded"
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return REFUSED, "not a regular file (a pipe, socket or device): not read"
    return None
