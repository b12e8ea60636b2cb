"""The spreadsheet reader's choice of CSV dialect: from a plain header line, else from the sniffer."""

from __future__ import annotations

import csv
from pathlib import Path

from ingestion.framework.tabular import read_csv


def _rows(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    path.write_text(text, encoding="utf-8")
    return list(read_csv(path))


def test_a_plain_header_gives_the_delimiter_whatever_the_values_hold(tmp_path: Path) -> None:
    """Commas in the values of a `;` export (and a quoted `;`) do not change the delimiter the header shows."""
    rows = _rows(tmp_path / "a.csv", 'jaar;gemeente;kanalen\n2014;Bergen (NH.);"Twitter, Facebook"\n'
                                      '2014;"Nuenen; Gerwen";X,Instagram\n')
    assert rows == [(2, {"jaar": "2014", "gemeente": "Bergen (NH.)", "kanalen": "Twitter, Facebook"}),
                    (3, {"jaar": "2014", "gemeente": "Nuenen; Gerwen", "kanalen": "X,Instagram"})]


def test_a_space_after_the_delimiter_goes_to_the_sniffer(tmp_path: Path) -> None:
    """``jaar, gemeente``: Excel's dialect would read ``, "Den Haag, stad"`` as two broken values."""
    rows = _rows(tmp_path / "a.csv", 'jaar, gemeente\n2014, "Den Haag, stad"\n2015, Ede\n')
    assert [row for _, row in rows] == [{"jaar": "2014", "gemeente": "Den Haag, stad"},
                                        {"jaar": "2015", "gemeente": "Ede"}]


def test_when_the_sniffer_gives_up_the_header_decides_and_excel_stays_as_it_was(tmp_path: Path) -> None:
    """The sniffer cannot place `a;b,c`: the header's most frequent delimiter is used, in a dialect of its own
    (this reader once set the delimiter on ``csv.excel`` itself, for every CSV read after it in the process)."""
    rows = _rows(tmp_path / "a.csv", "a;b;c,d\n1;2\n3,4,5\n")
    assert rows[0] == (2, {"a": "1", "b": "2"})
    assert csv.excel.delimiter == ","
