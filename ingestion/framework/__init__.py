"""The loading framework every source uses: what a source is and yields, how landed files are found and
screened, how one file is loaded all or nothing (or quarantined), and the tabular readers of reference files.

Load landed files into the raw layer: once per file, all or nothing, with lineage on every row. A *source*
(:class:`Source`) knows how to find its files (or archive folders) and how to parse one into records; the
framework does the rest, the same way for every source. Behind this surface, by concern (each imports only the
ones above it in this list):

- ``records``: what a source is and what its parser yields;
- ``errors``: a failure's reason, which never quotes the file (docs/security.md);
- ``landing``: which landed entries are load units and may be read, a unit's key, what a ZIP may unpack to;
- ``hashes``: the keys of landed files already loaded, remembered by file identity so they are not read again;
- ``quarantine``: moving a file to the quarantine, and the one place quarantined files and rows are recorded;
- ``writer``: parsed files into the raw layer, each all or nothing, in Arrow batches; the hashes already loaded
  (``KnownHashes``, fetched once for a family's sources);
- ``unit``: one unit through its parser (a big one in its own transaction), or quarantined;
- ``bulk``: groups of small files read and shaped by DuckDB, in background threads;
- ``load``: a source's load (:func:`load_source`) and taking one back out (:func:`undo_load`);
- ``tabular``: the CSV and XLSX readers of reference files.

Sources import from here only; the modules behind this surface are the framework's own business.
"""

from ingestion.framework.errors import scrub
from ingestion.framework.landing import (
    UnpackBudget,
    default_discover,
    is_hidden,
    literal_path,
    regular_files,
    unit_sha256,
)
from ingestion.framework.load import ensure_table, load_source, undo_load
from ingestion.framework.quarantine import quarantine_file
from ingestion.framework.records import (
    LINEAGE_COLUMNS,
    BulkFile,
    FileRejected,
    Parsed,
    Record,
    RowRejected,
    Source,
    SourceReport,
)
from ingestion.framework.writer import KnownHashes

__all__ = [
    "LINEAGE_COLUMNS", "BulkFile", "FileRejected", "KnownHashes", "Parsed", "Record", "RowRejected", "Source",
    "SourceReport", "UnpackBudget", "default_discover", "ensure_table", "is_hidden", "literal_path", "load_source",
    "quarantine_file", "regular_files", "scrub", "undo_load", "unit_sha256",
]
