"""The loading framework every source uses: what a source is and yields, how landed files are found and
screened, how one file is loaded all or nothing (or quarantined), and the tabular readers of reference files.

Sources import from here only; the modules behind this surface are the framework's own business.
"""

from ingestion.framework.loading import (
    LINEAGE_COLUMNS,
    BulkFile,
    FileRejected,
    Parsed,
    Record,
    RowRejected,
    Source,
    SourceReport,
    UnpackBudget,
    default_discover,
    ensure_table,
    error_name,
    is_hidden,
    literal_path,
    load_source,
    quarantine_file,
    regular_files,
    scrub,
    undo_load,
    unit_sha256,
)

__all__ = [
    "LINEAGE_COLUMNS", "BulkFile", "FileRejected", "Parsed", "Record", "RowRejected", "Source", "SourceReport",
    "UnpackBudget", "default_discover", "ensure_table", "error_name", "is_hidden", "literal_path", "load_source",
    "quarantine_file", "regular_files", "scrub", "undo_load", "unit_sha256",
]
