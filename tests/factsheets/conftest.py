"""A tiny hand-made published warehouse: the few mart and dq tables the fact sheets read, with figures small
enough to compute by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

HOSTILE = "<script>alert('x')</script> & Co"

RPT_COLUMNS = ("gm_code VARCHAR, year INTEGER, channels INTEGER, channel_messages INTEGER, questions INTEGER, "
               "answered INTEGER, answer_rate DOUBLE, avg_response_hours DOUBLE, median_response_hours DOUBLE, "
               "kcc_involved BOOLEAN, maturity_level INTEGER, inhabitants BIGINT, inhabitants_basis VARCHAR, "
               "size_class VARCHAR, questions_per_10k DOUBLE, answered_within_24h INTEGER, "
               "pct_answered_within_24h DOUBLE, answered_within_working_day INTEGER, "
               "median_business_response_hours DOUBLE")

# Year 2014. Class S: GM0001 (answer rate 0.2), GM0002 (0.5), GM0003 (0.9, hostile name): median 0.5; median
# response hours 10, 2, 5 -> 5; working day 1/10, 2/4, 9/10 -> 0.5. Class M: GM0004 (0.25) and GM0005 (no
# questions, so no rate): median 0.25; questions 8 and 0 -> 4 (mean of the two). GM0006 has no population: no class.
MUNICIPALITIES = [
    # gm, name, channels, messages, questions, answered, rate, avg h, median h, kcc, level, inhabitants, class,
    # per 10k, within 24h, pct 24h, within working day, business median
    ("GM0001", "Aadorp", 1, 10, 10, 2, 0.2, 12.0, 10.0, False, 1, 20000, "S", 5.0, 1, 0.1, 1, 3.0),
    ("GM0002", "Beekdal", 2, 80, 4, 2, 0.5, 2.0, 2.0, False, 3, 30000, "S", 4 / 3, 2, 0.5, 2, 1.0),
    ("GM0003", HOSTILE, 1, 90, 10, 9, 0.9, 6.0, 5.0, True, 4, 40000, "S", 2.5, 9, 0.9, 9, 2.0),
    ("GM0004", "Dijkstad", 1, 60, 8, 2, 0.25, 40.0, 30.0, False, 2, 60000, "M", 8 / 6, 0, 0.0, 1, 7.0),
    ("GM0005", "Eemoord", 0, 0, 0, 0, None, None, None, False, 0, 80000, "M", 0.0, 0, None, 0, None),
    ("GM0006", "Fort", 1, 52, 4, 3, 0.75, 6.0, 6.0, True, 4, None, None, None, 3, 0.75, 2, 3.0),
]


def make_warehouse(path: Path, municipalities=MUNICIPALITIES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA dq")
        con.execute(f"CREATE TABLE marts.rpt_municipality_year ({RPT_COLUMNS})")
        con.execute("CREATE TABLE marts.dim_municipality (gm_code VARCHAR, name VARCHAR, province_code VARCHAR, "
                    "province_name VARCHAR)")
        for (gm, name, channels, messages, q, a, rate, avg, med, kcc, level, inh, cls, per10k, w24, p24, wd,
             bmed) in municipalities:
            con.execute("INSERT INTO marts.rpt_municipality_year VALUES "
                        "(?, 2014, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [gm, channels, messages, q, a, rate, avg, med, kcc, level, inh,
                         "1 januari" if inh else None, cls, per10k, w24, p24, wd, bmed])
            con.execute("INSERT INTO marts.dim_municipality VALUES (?, ?, 'PV21', 'Groningen')", [gm, name])
        con.execute("""CREATE TABLE marts.rpt_national_year AS SELECT 2014 AS year, 36 AS questions,
            18 AS answered, 0.5 AS answer_rate, 11.0 AS avg_response_hours, 5.5 AS median_response_hours,
            0.4 AS pct_answered_within_24h, 0.45 AS pct_answered_within_working_day,
            2.5 AS median_business_response_hours""")
        con.execute("""CREATE TABLE marts.dim_channel AS SELECT * FROM (VALUES
            ('x:1', 'x', '1', 'gemaadorp', 'GM0001', 'algemeen', DATE '2010-01-01', NULL::DATE),
            ('facebook:2', 'facebook', '2', ?, 'GM0003', 'kcc', DATE '2012-05-01', DATE '2013-06-30'),
            ('x:3', 'x', '3', 'gemhostile', 'GM0003', 'algemeen', DATE '2011-01-01', NULL::DATE),
            ('instagram:4', 'instagram', '4', 'later', 'GM0003', 'project', DATE '2020-01-01', NULL::DATE))
            AS t(channel_id, platform, account_id, handle, gm_code, theme, active_from, active_to)""",
                    ["<img src=x onerror=alert(1)>"])
        con.execute("""CREATE TABLE marts.dim_platform AS SELECT * FROM (VALUES
            ('x', 'X (Twitter)', 1), ('facebook', 'Facebook', 2), ('instagram', 'Instagram', 3))
            AS t(platform, display_name, sort_order)""")
        con.execute("""CREATE TABLE marts.fct_channel_activity AS SELECT * FROM (VALUES
            ('x:3', 'GM0003', DATE '2014-03-01', 50, 20, 12, 6), ('x:3', 'GM0003', DATE '2014-04-01', 15, 5, 5, 4),
            ('x:3', 'GM0003', DATE '2013-04-01', 99, 0, 0, 0))
            AS t(channel_id, gm_code, activity_date, posts, replies, inbound_messages, questions)""")
        con.execute("""CREATE TABLE marts.fct_survey_responses AS SELECT * FROM (VALUES
            (2014, 'GM0003', 'kcc', 7.5, true, true, 4), (2014, 'GM0002', 'communicatie', 6.0, false, false, 2))
            AS t(survey_year, gm_code, responsible_department, self_rating, uses_structurally, kcc_involved,
                 management_support)""")
        con.execute("""CREATE TABLE marts.fct_message_sources AS SELECT * FROM (VALUES
            ('x:9', 'question', 'GM0003', 2014, 'a'), ('x:9', 'question', 'GM0003', 2014, 'b'),
            ('x:10', 'reply', 'GM0003', 2014, 'b')) AS t(message_id, message_role, gm_code, year, source_sha256)""")
        con.execute("CREATE TABLE marts.dim_source_file AS SELECT range AS n FROM range(7)")
        con.execute("""CREATE TABLE dq.builds AS SELECT * FROM (VALUES
            (TIMESTAMPTZ '2026-03-04 10:00:00+00', 'published', 'abcdef0123456789'),
            (TIMESTAMPTZ '2026-03-05 10:00:00+00', 'failed', 'zzz')) AS t(built_at, outcome, code_version)""")
        con.execute("ALTER TABLE dq.builds ADD COLUMN loaded_until TIMESTAMPTZ")
        con.execute("""CREATE TABLE dq.loads AS SELECT * FROM (VALUES (3, 100, 1), (4, 50, 0))
            AS t(files_loaded, rows_loaded, files_quarantined)""")
        con.execute("""CREATE TABLE dq.validation_runs AS SELECT * FROM (VALUES (10, 'passed'), (12, 'failed'))
            AS t(rules_checked, outcome)""")
        con.execute("CREATE TABLE dq.quarantined_rows AS SELECT range AS n FROM range(5)")
    finally:
        con.close()
    return path


@pytest.fixture
def tiny_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    make_warehouse(home / "serving" / "warehouse.duckdb")
    return home
