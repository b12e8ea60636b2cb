"""Fixtures for the Superset tests: a DIALOOG_HOME whose published warehouse has the marts and dq tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.settings import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "ingestion" / "reference"

# The shape of the published warehouse (CONTRACT.md §4 and §6) that the dashboard bundle reads.
_SCHEMA_SQL = """
CREATE SCHEMA marts;
CREATE SCHEMA dq;
CREATE TABLE marts.dim_municipality (
    gm_code VARCHAR NOT NULL PRIMARY KEY, name VARCHAR NOT NULL, province_code VARCHAR,
    province_name VARCHAR, valid_from DATE NOT NULL, valid_to DATE, successor_gm_code VARCHAR NOT NULL,
    is_current BOOLEAN NOT NULL);
CREATE TABLE dq.loads (
    load_id VARCHAR, source VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ,
    files_loaded INTEGER, files_skipped INTEGER, files_quarantined INTEGER,
    rows_loaded BIGINT, rows_quarantined BIGINT);
CREATE TABLE dq.quarantined_files (
    load_id VARCHAR, source VARCHAR, source_file VARCHAR, source_sha256 VARCHAR,
    quarantine_path VARCHAR, position VARCHAR, reason VARCHAR, quarantined_at TIMESTAMPTZ);
CREATE TABLE dq.quarantined_rows (
    load_id VARCHAR, source VARCHAR, source_file VARCHAR, source_sha256 VARCHAR,
    position VARCHAR, reason VARCHAR, content VARCHAR, quarantined_at TIMESTAMPTZ);
"""

# Every code that appears in a shipped CBS list: current if in the newest list; valid from the first
# list it appears in; a merged code ends the day before its merger and points to its successor.
_MUNICIPALITIES_SQL = """
WITH lists AS (
    SELECT GemeentecodeGM AS gm_code, Gemeentenaam AS name, ProvinciecodePV AS province_code,
           Provincienaam AS province_name,
           CAST(regexp_extract(filename, '(\\d{4})\\.csv$', 1) AS INTEGER) AS year
    FROM read_csv(?, filename = true, all_varchar = true)
), newest AS (SELECT max(year) AS year FROM lists),
per_code AS (
    SELECT gm_code, arg_max(name, year) AS name, arg_max(province_code, year) AS province_code,
           arg_max(province_name, year) AS province_name, min(year) AS first_year, max(year) AS last_year
    FROM lists GROUP BY gm_code
), mergers AS (
    SELECT oude_gm_code, max(CAST(datum_ingang AS DATE)) AS merged_on,
           arg_max(nieuwe_gm_code, datum_ingang) AS new
    FROM read_csv(?, all_varchar = true) GROUP BY oude_gm_code
)
INSERT INTO marts.dim_municipality
SELECT p.gm_code, p.name, p.province_code, p.province_name, make_date(p.first_year, 1, 1),
       CASE WHEN p.last_year < n.year THEN coalesce(m.merged_on, make_date(p.last_year + 1, 1, 1)) - 1 END,
       CASE WHEN p.last_year < n.year THEN coalesce(m.new, p.gm_code) ELSE p.gm_code END,
       p.last_year = n.year
FROM per_code p CROSS JOIN newest n LEFT JOIN mergers m ON m.oude_gm_code = p.gm_code
"""

_DQ_SQL = """
INSERT INTO dq.loads VALUES
 ('20251127T101500-cbs', 'cbs_gemeenten', '2025-11-27 10:15:00+00', '2025-11-27 10:15:02+00',
  14, 0, 1, 5268, 0),
 ('20251127T101503-sur', 'survey', '2025-11-27 10:15:03+00', '2025-11-27 10:15:04+00', 1, 0, 0, 118, 2),
 ('20251128T080000-cbs', 'cbs_gemeenten', '2025-11-28 08:00:00+00', '2025-11-28 08:00:01+00', 0, 14, 0, 0, 0);
INSERT INTO dq.quarantined_files VALUES
 ('20251127T101500-cbs', 'cbs_gemeenten', 'gemeenten-2026-concept.xlsx', repeat('ab', 32),
  'quarantine/cbs_gemeenten/gemeenten-2026-concept.xlsx', NULL, 'unreadable XLSX: file is not a zip file',
  '2025-11-27 10:15:01+00');
INSERT INTO dq.quarantined_rows VALUES
 ('20251127T101503-sur', 'survey', 'enquete-2024.csv', repeat('cd', 32), 'line 17',
  'unknown municipality: ''Gemeente Zuidhoek''', 'Gemeente Zuidhoek;2024;communicatie;7,5',
  '2025-11-27 10:15:04+00'),
 ('20251127T101503-sur', 'survey', 'enquete-2024.csv', repeat('cd', 32), 'line 42',
  'ambiguous municipality ''Bergen'': GM0373, GM0893', 'Bergen;2024;kcc;6', '2025-11-27 10:15:04+00');
"""


def build_published_warehouse(path: Path) -> int:
    """Write a published warehouse at ``path`` from the shipped CBS lists; return the current count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lists = sorted(str(p) for p in (REFERENCE / "cbs_gemeenten").glob("gemeenten-alfabetisch-*.csv"))
    mergers = str(next((REFERENCE / "cbs_herindelingen").glob("*.csv")))
    with duckdb.connect(str(path)) as con:
        con.execute(_SCHEMA_SQL)
        con.execute(_MUNICIPALITIES_SQL, [lists, mergers])
        con.execute(_DQ_SQL)
        (current,) = con.execute("SELECT count(*) FROM marts.dim_municipality WHERE is_current").fetchone()
    return current


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh DIALOOG_HOME with ``serving/warehouse.duckdb`` as the publish step leaves it."""
    home = tmp_path_factory.mktemp("dialoog_home")
    build_published_warehouse(home / "serving" / "warehouse.duckdb")
    return home
