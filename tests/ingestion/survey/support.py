"""Helpers for the survey load tests: land fixtures, write XLSX exports, load."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb
import openpyxl

from core.settings import Settings
from ingestion.framework import SourceReport, load_source
from ingestion.survey import survey_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "survey"

#: The answers of enquete-2014-*.csv as a survey tool's Excel export holds them: numbers as numbers.
XLSX_2014: list[list[object]] = [
    ["gemeente", "jaar", "verantwoordelijke_afdeling", "rapportcijfer", "structureel", "kcc_betrokken",
     "steun_management", "kanalen"],
    ["Amsterdam", 2014, "communicatie", 7.2, "ja", "ja", 4, "Twitter, Facebook, Instagram"],
    ["Gemeente Utrecht", 2014, 1, "7,5", "ja", "nee", 3, "twitter, facebook"],
    ["'s-Hertogenbosch", 2014, "gedeeld", 6.8, "nee", "ja", 3, "Twitter"],
    ["Súdwest-Fryslân", 2014, 2, 8, "Ja", "JA", 5, "Facebook; Twitter"],
    ["Nuenen, Gerwen en Nederwetten", 2014, "Communicatie", 7.0, "ja", "nee", 4.0, "twitter"],
    ["Bergen (NH.)", 2014, 4, 6.1, "nee", "nee", 2, "geen"],
    ["Den Haag", 2014, "communicatie", 7, "ja", "ja", 4, "twitter,facebook,instagram"],
    [None, None, None, None, None, None, None, None],
    ["Hengelo", 2014, "kcc", 5.9, "nee", "ja", None, "X"],
]


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """An XLSX workbook whose first sheet holds ``rows`` (written with openpyxl, as survey tools do)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Antwoorden"
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def land(settings: Settings, *names: str) -> list[Path]:
    """Copy fixture files into the survey landing folder (in order: file names sort as given)."""
    folder = settings.landing / "survey"
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(FIXTURES / name, folder / f"{i:02d}-{name}")) for i, name in enumerate(names)]


def load(con: duckdb.DuckDBPyConnection, settings: Settings) -> SourceReport:
    return load_source(con, survey_source(), settings)
