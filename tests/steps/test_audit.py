"""The audit report names what a run left aside: hidden files and .reason notes in the landing zone are counted
per source, not skipped without a word."""

from __future__ import annotations

from core.settings import Settings
from steps.audit import write_audit_report
from steps.load import load_family


def test_ignored_files_are_counted_in_the_audit_report(home: Settings) -> None:
    folder = home.landing / "cbs_herindelingen"
    folder.mkdir(parents=True)
    (folder / ".~lock.mergers.csv#").write_text("editor lock file\n", encoding="utf-8")
    (folder / "mergers.csv.reason").write_text("a note\n", encoding="utf-8")
    load_family("cbs", home)
    report = write_audit_report(home).read_text(encoding="utf-8")
    header = next(line for line in report.splitlines() if line.startswith("| source | files loaded"))
    assert header.endswith("| ignored (hidden or .reason; see the run log) |")
    row = next(line for line in report.splitlines() if line.startswith("| cbs_herindelingen |"))
    assert row.endswith("| 2 |"), row
