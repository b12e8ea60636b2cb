"""Read the spreadsheets people export: CSV in Dutch Excel dialects and XLSX, streamed row by row.

CSV: `,` or `;` (sniffed), UTF-8 with or without BOM, or Windows-1252 when the bytes are not UTF-8.
XLSX: the first sheet, read-only (streaming). Every row comes back as ``(line_number, {header: text})``
with headers and values stripped; a file without a header row or with missing columns is rejected whole.
Column names are matched case-insensitively: rows are keyed by the lower-cased header.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from core.settings import get_limits
from ingestion.framework.errors import error_name
from ingestion.framework.landing import UnpackBudget
from ingestion.framework.records import FileRejected

Row = tuple[int, dict[str, str]]

#: What ``csv.Sniffer`` looks at, when the header line does not tell the delimiter: its regular expressions take
#: quadratic time on some lines (a 64 kB sample of ``,"`` took 17 s), a few kB take a fraction of a second.
SNIFF_CHARS = 8 << 10


def detect_encoding(path: Path) -> str:
    """``utf-16`` with a UTF-16 BOM; ``utf-8-sig`` when every byte decodes as UTF-8; else ``cp1252``
    (Dutch Excel). Streams the file in small chunks: the decoded text is thrown away at once."""
    with path.open("rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def read_csv(path: Path, required: Iterable[str] = (), delimiters: str = ",;") -> Iterator[Row]:
    """Rows of a CSV file as dicts keyed by the stripped header, with their 1-based line numbers. A field longer
    than ``DIALOOG_MAX_VALUE_BYTES`` characters fails the file (csv.Error)."""
    csv.field_size_limit(get_limits().max_value_bytes)
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        if not sample.strip():
            raise FileRejected("empty file")
        reader = csv.reader(handle, _dialect(sample, delimiters))
        header = [h.strip().lower() for h in next(reader, [])]
        require_columns(header, required, path)
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(header):
                raise FileRejected(f"{len(values)} fields where the header has {len(header)}",
                                   f"line {reader.line_num}")
            yield reader.line_num, {h: v.strip() for h, v in zip(header, values, strict=False)}


def _dialect(sample: str, delimiters: str) -> type[csv.Dialect]:
    """Excel's dialect with the one delimiter a header line holds (``jaar;gemeente;…``); else what ``csv.Sniffer``
    makes of the sample (both delimiters or none, or a space after the delimiter, which Excel's dialect would keep
    before a quoted value; it reads every line of the sample, several milliseconds a file), or the header line's
    most frequent delimiter."""
    header = sample.split("\n", 1)[0]
    found = [d for d in delimiters if d in header]
    if len(found) == 1 and f"{found[0]} " not in header:
        return _excel_with(found[0])
    try:
        return csv.Sniffer().sniff(sample[:SNIFF_CHARS], delimiters=delimiters)
    except csv.Error:
        return _excel_with(max(delimiters, key=header.count))


def _excel_with(delimiter: str) -> type[csv.Dialect]:
    return type("ExcelExport", (csv.excel,), {"delimiter": delimiter})


def read_xlsx(path: Path, required: Iterable[str] = ()) -> Iterator[Row]:
    """Rows of the first sheet of an XLSX workbook, streamed; numbers come back as text.

    The workbook (a ZIP) is checked against the unpack limits first (:class:`ingestion.framework.landing.UnpackBudget`);
    a cell longer than ``DIALOOG_MAX_VALUE_BYTES`` characters, or XML the parser refuses while the rows are read,
    fails the file. Reasons name the error's type only: openpyxl's and the XML parser's messages can quote it."""
    import openpyxl  # imported here: only XLSX loads need it

    try:
        with zipfile.ZipFile(path) as archive:
            UnpackBudget(path, archive.infolist())
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileRejected:
        raise
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise FileRejected(f"unreadable XLSX ({error_name(exc)})") from exc
    max_value = get_limits().max_value_bytes
    number = 1
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [_cell_text(c, max_value).lower() for c in next(rows, ())]
        require_columns(header, required, path)
        for number, values in enumerate(rows, start=2):
            if any(v is not None and str(v).strip() for v in values):
                yield number, {h: _cell_text(v, max_value) for h, v in zip(header, values, strict=False) if h}
    except FileRejected:
        raise
    except Exception as exc:  # a worksheet's XML that does not parse (xml ParseError), a bad shared string, …
        raise FileRejected(f"unreadable XLSX: its sheet fails to read ({error_name(exc)})",
                           f"after row {number}") from exc
    finally:
        workbook.close()


def _cell_text(value: object, max_value: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if len(text) > max_value:
        raise FileRejected(f"a cell longer than {max_value} characters (DIALOOG_MAX_VALUE_BYTES)")
    return text


def read_table(path: Path, required: Iterable[str] = ()) -> Iterator[Row]:
    """CSV or XLSX by file suffix; a missing required column rejects the file before any row is read."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return read_xlsx(path, required)
    return read_csv(path, required)


def require_columns(header: Iterable[str], required: Iterable[str], path: Path) -> None:
    """Reject the file when a required column is missing (names compared case-insensitively)."""
    present = set(header)
    missing = [c for c in required if c.lower() not in present]
    if missing:
        raise FileRejected(f"missing column(s) {', '.join(missing)} in {path.name}", "header")
