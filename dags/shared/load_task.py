"""The load step every loader DAG uses: load a source family, skip when nothing is new."""

from __future__ import annotations


def load_and_report(family: str) -> dict[str, dict[str, int]]:
    """Load a family's new files (the loader logs each file and a summary per source); raise a skip
    (no Asset event, so no rebuild) when nothing was new."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from steps.load import FatalRuleFailed, anything_new, load_family

    try:
        reports = load_family(family)
    except FatalRuleFailed as exc:  # not transient: a retry must not publish what the rule stopped
        raise AirflowFailException(str(exc)) from exc
    if not anything_new(reports):
        raise AirflowSkipException(f"no new files for {family}")
    return {r.source: {"rows": r.rows_loaded, "files": len(r.files_loaded),
                       "quarantined_files": len(r.files_quarantined),
                       "quarantined_rows": r.rows_quarantined} for r in reports}
