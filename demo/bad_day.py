"""A bad day in the demo's landing zone: a few realistic bad files and rows, so the Datakwaliteit dashboard, the
audit report and the Data Docs have something to show. None of them changes a research figure: the truncated
page is quarantined whole, the impossible date and the unknown municipality are quarantined row by row, and
the re-sent survey answer is the same answer again (a ``warning``: one answer per municipality and year)."""

from __future__ import annotations

import csv
from pathlib import Path

#: An X API page cut off mid-transfer: not JSON, so the whole file is quarantined.
TRUNCATED_PAGE = "x_api/2014/AalsmeerGemeent/mentions-9999.json"
#: A webcare export with one row whose date does not exist: the row is quarantined, the file loads.
IMPOSSIBLE_DATE = "webcare_csv/2024/berichten-aalsmeergemeent-extra-2024.csv"
#: Survey answers that came in late: one municipality's answer sent again, and a municipality that does not exist.
LATE_SURVEY = "survey/enquete-sociale-media-2014-nagekomen.csv"
UNKNOWN_MUNICIPALITY = "Gemeente Atlantis"
BAD_FILES = (TRUNCATED_PAGE, IMPOSSIBLE_DATE, LATE_SURVEY)


def is_bad_day(landing: Path, path: Path) -> bool:
    """Whether a landed file is one of the bad day's (the demo's measurements of its intended data skip them)."""
    return path.relative_to(landing).as_posix() in BAD_FILES


def write_bad_day(landing: Path) -> list[Path]:
    """Write the bad files into ``landing`` (after the good ones: the late survey copies a 2014 answer)."""
    page = landing / TRUNCATED_PAGE
    # Written once: a second `make demo` would land it again and the loader would quarantine it again, so the
    # warehouse would change (and be rebuilt) on every run. The other bad files load, so they are skipped as
    # already loaded.
    if not (landing.parent / "quarantine" / "x_api" / page.name).exists():
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text('{"data": [{"id": "1", "text": "afgebroken', encoding="utf-8")
    rows = landing / IMPOSSIBLE_DATE
    rows.parent.mkdir(parents=True, exist_ok=True)
    rows.write_bytes(
        "\ufeffbericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst\r\n"
        "9000000000000000001;31-02-2024 25:61;x;AalsmeerGemeent;piet_test;inkomend;;"
        "@AalsmeerGemeent Wanneer is het gemeentehuis open?\r\n".encode()
    )
    survey = landing / "survey" / "enquete-sociale-media-2014.csv"
    with survey.open(encoding="utf-8-sig", newline="") as handle:
        header, first = list(csv.reader(handle, delimiter=";"))[:2]
    unknown = [UNKNOWN_MUNICIPALITY if name == "gemeente" else value for name, value in zip(header, first, strict=True)]
    late = landing / LATE_SURVEY
    with late.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerows([header, first, unknown])
    return [page, rows, late]
