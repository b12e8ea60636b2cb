"""What a release holds: a valid Frictionless Data Package whose tables read back into DuckDB and pandas as the
marts (after the documented suppression), and nothing that can name a citizen."""

from __future__ import annotations

import csv
import json
import math
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import pandas as pd
import pyarrow.parquet as pq
import pytest

from release.build import make_release
from release.contracts import FRICTIONLESS_TYPES, read_contracts
from release.spec import DENIED_NAME, SUPPRESSION_THRESHOLD, TABLES, TABLES_BY_NAME
from tests.release.conftest import SERVING, copy_home, execute

RELEASED = {t.name for t in TABLES}
COUNTS = [c.name for c in TABLES_BY_NAME["rpt_municipality_year"].columns if c.kind == "count"]
SHARES = {c.name: c.based_on for c in TABLES_BY_NAME["rpt_municipality_year"].columns if c.based_on}


@pytest.fixture(scope="module")
def release(published_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_release(published_home, tmp_path_factory.mktemp("releases"))


def norm(value: Any) -> Any:
    """One Python value for what DuckDB, pandas, pyarrow and csv give for the same cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return norm(value.item())
    return value


def mart(home: Path, table: str) -> pd.DataFrame:
    con = duckdb.connect(str(home / SERVING), read_only=True)
    try:
        columns = ", ".join(TABLES_BY_NAME[table].column_names)
        key = ", ".join(TABLES_BY_NAME[table].key)
        return con.execute(f"SELECT {columns} FROM marts.{table} ORDER BY {key}").df()
    finally:
        con.close()


def rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(norm(v) for v in row) for row in frame.itertuples(index=False, name=None)]


def read_back(release: Path, table: str) -> dict[str, list[tuple]]:
    """The table as DuckDB and pandas read its Parquet and CSV files."""
    spec = TABLES_BY_NAME[table]
    parquet, csv_path = release / "data" / f"{table}.parquet", release / "data" / f"{table}.csv"
    types = {c.name: c.duckdb_type for c in spec.columns}
    con = duckdb.connect()
    try:
        by_duckdb_parquet = con.execute("SELECT * FROM read_parquet(?)", [str(parquet)]).fetchall()
        by_duckdb_csv = con.execute("SELECT * FROM read_csv(?, header = true, columns = ?)",
                                    [str(csv_path), types]).fetchall()
    finally:
        con.close()
    pandas_types = {"VARCHAR": "string", "INTEGER": "Int64", "DOUBLE": "float64", "BOOLEAN": "boolean"}
    by_pandas_csv = pd.read_csv(csv_path, encoding="utf-8", keep_default_na=False, na_values=[""],
                                dtype={c: pandas_types[t] for c, t in types.items() if t != "DATE"},
                                parse_dates=[c for c, t in types.items() if t == "DATE"])
    return {
        "duckdb parquet": [tuple(norm(v) for v in r) for r in by_duckdb_parquet],
        "duckdb csv": [tuple(norm(v) for v in r) for r in by_duckdb_csv],
        "pandas parquet": rows(pd.read_parquet(parquet)),
        "pandas csv": rows(by_pandas_csv),
    }


def test_the_data_package_is_valid_and_described_by_the_dbt_contracts(release: Path) -> None:
    report = frictionless.validate(release / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    descriptor = json.loads((release / "datapackage.json").read_text("utf-8"))
    assert descriptor["version"] == release.name
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert {r["name"] for r in descriptor["resources"]} == RELEASED
    contracts = read_contracts()
    for resource in descriptor["resources"]:
        contract = contracts[resource["name"]]
        assert resource["description"].startswith(contract.description)
        assert resource["schema"]["primaryKey"] == list(TABLES_BY_NAME[resource["name"]].key)
        for field in resource["schema"]["fields"]:
            assert field["type"] == FRICTIONLESS_TYPES[contract.data_types[field["name"]]]
            assert field["description"].startswith(contract.column_descriptions[field["name"]])
    questions = next(f for r in descriptor["resources"] if r["name"] == "rpt_municipality_year"
                     for f in r["schema"]["fields"] if f["name"] == "questions")
    assert "Suppressed: empty when 1–4" in questions["description"] and "constraints" not in questions


def test_the_validator_catches_a_broken_release(release: Path, tmp_path: Path) -> None:
    broken = Path(shutil.copytree(release, tmp_path / "broken"))
    path = broken / "data" / "rpt_national_year.csv"
    path.write_text(path.read_text("utf-8").replace(",true,", ",maybe,").replace("\n2013,", "\nnot-a-year,"),
                    encoding="utf-8")
    assert not frictionless.validate(broken / "datapackage.json").valid


@pytest.mark.parametrize("table", sorted(RELEASED))
def test_every_table_reads_back_as_the_mart(release: Path, published_home: Path, table: str) -> None:
    spec = TABLES_BY_NAME[table]
    readings = read_back(release, table)
    released = readings["duckdb parquet"]
    for how, got in readings.items():
        assert got == released, f"{table}: {how} reads other rows than the Parquet file"
    expected = rows(mart(published_home, table))
    assert len(released) == len(expected) > 0
    key = [spec.column_names.index(k) for k in spec.key]
    assert [tuple(r[i] for i in key) for r in released] == [tuple(r[i] for i in key) for r in expected]
    suppressible = {c.name for c in spec.columns if spec.municipality_level and (c.kind == "count" or c.based_on)}
    for got, want in zip(released, expected, strict=True):
        for name, value, original in zip(spec.column_names, got, want, strict=True):
            if value is None and name in suppressible:
                continue  # checked by the suppression tests
            assert value == original, f"{table}.{name}: released {value!r}, mart {original!r}"


def test_small_counts_are_suppressed_at_municipality_level(release: Path, published_home: Path) -> None:
    columns = TABLES_BY_NAME["rpt_municipality_year"].column_names
    original = mart(published_home, "rpt_municipality_year").to_dict("records")
    released = [dict(zip(columns, r, strict=True)) for r in read_back(release, "rpt_municipality_year")["duckdb csv"]]
    suppressed = 0
    for want, got in zip(original, released, strict=True):
        for name in COUNTS:
            assert got[name] is None or not 1 <= got[name] < SUPPRESSION_THRESHOLD, (got["gm_code"], name)
            if 1 <= want[name] < SUPPRESSION_THRESHOLD:
                assert got[name] is None
                suppressed += 1
            elif want[name] == 0:
                assert got[name] == 0, "a count of 0 stays 0"
            elif got[name] is None:
                assert name in ("questions", "answered"), f"{name} {want[name]} suppressed without a reason"
        for name, based_on in SHARES.items():
            if any(want[c] < SUPPRESSION_THRESHOLD or got[c] is None for c in based_on):
                assert got[name] is None, (got["gm_code"], got["year"], name)
    assert suppressed > 100, "the demo has many small municipalities: the rule must have applied"
    national = {r[0]: r for r in read_back(release, "rpt_national_year")["duckdb csv"]}
    national_columns = TABLES_BY_NAME["rpt_national_year"].column_names
    for name in ("questions", "answered"):
        for year in national:
            total = national[year][national_columns.index(name)]
            hidden = total - sum(r[name] or 0 for r in released if r["year"] == year)
            assert hidden == 0 or hidden >= SUPPRESSION_THRESHOLD, (name, year, hidden)


def test_a_single_small_count_in_a_year_is_hidden_by_a_second_one(published_home: Path, tmp_path: Path) -> None:
    """Otherwise the national total minus the released cells would give it back."""
    home = copy_home(published_home, tmp_path / "home")
    year = "(SELECT max(year) FROM marts.rpt_municipality_year)"
    execute(home,
            f"UPDATE marts.rpt_municipality_year SET questions = 0, answered = 0 WHERE year = {year} AND questions "
            f"BETWEEN 1 AND 4 AND gm_code <> (SELECT min(gm_code) FROM marts.rpt_municipality_year WHERE year = "
            f"{year} AND questions = 3)",
            "UPDATE marts.rpt_national_year n SET questions = t.q, answered = t.a FROM (SELECT year, sum(questions) "
            "q, sum(answered) a FROM marts.rpt_municipality_year GROUP BY year) t WHERE n.year = t.year")
    release = make_release(home, tmp_path / "r")
    columns = TABLES_BY_NAME["rpt_municipality_year"].column_names
    latest = max(r[1] for r in read_back(release, "rpt_municipality_year")["duckdb csv"])
    original = {r["gm_code"]: r for r in mart(home, "rpt_municipality_year").to_dict("records")
                if r["year"] == latest}
    released = [dict(zip(columns, r, strict=True)) for r in read_back(release, "rpt_municipality_year")["duckdb csv"]
                if r[1] == latest]
    hidden = [r["gm_code"] for r in released if r["questions"] is None]
    small = [g for g, r in original.items() if 1 <= r["questions"] < SUPPRESSION_THRESHOLD]
    assert len(small) == 1 and small[0] in hidden
    assert len(hidden) >= 2, "a second cell must be suppressed too"
    assert sum(original[g]["questions"] for g in hidden) >= SUPPRESSION_THRESHOLD
    smallest_other = min(r["questions"] for g, r in original.items() if g not in small and r["questions"] > 0)
    assert min(original[g]["questions"] for g in hidden if g not in small) == smallest_other
    for row in released:
        if row["gm_code"] in hidden:
            assert row["answer_rate"] is None


def test_only_allow_listed_columns_leave(release: Path, published_home: Path, tmp_path: Path) -> None:
    descriptor = json.loads((release / "datapackage.json").read_text("utf-8"))
    for resource in descriptor["resources"]:
        spec = TABLES_BY_NAME[resource["name"]]
        fields = [f["name"] for f in resource["schema"]["fields"]]
        header = next(csv.reader((release / resource["path"]).open(encoding="utf-8")))
        parquet = pq.ParquetFile(release / "data" / f"{resource['name']}.parquet").schema_arrow.names
        assert fields == header == parquet == list(spec.column_names)
        assert not [c for c in fields if DENIED_NAME.search(c)], resource["name"]
    assert not list(release.glob("data/fct_*")) and "handle" not in TABLES_BY_NAME["dim_channel"].column_names
    # A column a mart gains is not released until it is put on the allow-list.
    home = copy_home(published_home, tmp_path / "home")
    execute(home, "ALTER TABLE marts.rpt_national_year ADD COLUMN remark VARCHAR DEFAULT 'geheime-notitie-qqzzxx'",
            "ALTER TABLE marts.dim_channel ADD COLUMN author_handle VARCHAR DEFAULT 'burger_jansen_qqzzxx'")
    other = make_release(home, tmp_path / "r")
    manifest = json.loads((other / "manifest.json").read_text("utf-8"))
    before = json.loads((release / "manifest.json").read_text("utf-8"))["withheld"]["columns"]
    assert "handle" in before["dim_channel"]
    added = {"dim_channel": ["author_handle"], "rpt_national_year": ["remark"]}  # appended: the last columns
    assert manifest["withheld"]["columns"] == {
        name: before.get(name, []) + added.get(name, []) for name in sorted({*before, *added})}
    for path in other.rglob("*.*"):
        assert b"qqzzxx" not in path.read_bytes(), path


def citizen_values(home: Path) -> dict[str, set[str]]:
    """Everything that names a citizen or a message, from the build warehouse (which a release never reads)."""
    con = duckdb.connect(str(home / "warehouse" / "warehouse.duckdb"), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' AND "
                                            "table_name LIKE '%_messages'").fetchall()]
        channels = "SELECT account_id FROM marts.dim_channel"
        handles = "SELECT lower(handle) FROM marts.dim_channel WHERE handle IS NOT NULL"
        # A Mastodon account's id is its address name@server, the same text as its handle (CONTRACT §7): released
        # as the account id it is, so it is no leaked handle.
        own_handles = ("SELECT lower(handle) FROM marts.dim_channel WHERE handle IS NOT NULL "
                       "AND lower(handle) <> lower(account_id)")

        def values(sql: str) -> set[str]:
            return {str(v) for (v,) in con.execute(sql).fetchall() if v is not None and str(v) != ""}

        union = " UNION ".join
        return {
            "pseudonyms": values(union([f"SELECT author_key FROM raw.{t}" for t in tables])
                                 + " UNION SELECT citizen_key FROM marts.fct_questions"),
            "citizen ids": values(union([f"SELECT author_id FROM raw.{t} WHERE author_id NOT IN ({channels})"
                                         for t in tables])),
            "citizen handles": values(union([f"SELECT author_handle FROM raw.{t} WHERE lower(author_handle) NOT IN "
                                             f"({handles})" for t in tables])),
            "channel handles": values(own_handles),
            "message ids": values("SELECT question_id FROM marts.fct_questions UNION SELECT reply_id FROM "
                                  "marts.fct_replies"),
            "texts": values(union([f"SELECT text FROM raw.{t}" for t in tables])),
        }
    finally:
        con.close()


def test_no_citizen_value_appears_in_any_released_file(release: Path, published_home: Path) -> None:
    secrets = citizen_values(published_home)
    assert all(len(found) > 10 for found in secrets.values()), {k: len(v) for k, v in secrets.items()}
    cells: set[str] = set()
    text = ""
    for path in sorted(release.rglob("*")):
        if path.suffix == ".parquet":
            for column in pq.read_table(path).to_pylist():
                cells.update(str(v) for v in column.values() if v is not None)
        elif path.suffix == ".csv":
            cells.update(v for row in csv.reader(path.open(encoding="utf-8")) for v in row)
        if path.is_file() and path.suffix != ".parquet":
            text += path.read_text("utf-8").lower() + "\n"
    text += "\n".join(cells).lower()
    for kind, values in secrets.items():
        assert not cells & values, f"{kind} released: {sorted(cells & values)[:5]}"
    for kind in ("pseudonyms", "citizen handles"):
        # As a substring too, wherever it could hide (handles of at least 6 letters: shorter ones are words). Not a
        # channel's handle: many are the municipality's name, which is released.
        long = {v.lower() for v in secrets[kind] if len(v) >= 6 and not v.isdigit()}
        leaked = sorted(v for v in long if v in text)
        assert not leaked, f"{kind} in a released file: {leaked[:5]}"


def test_the_manifest_names_the_inputs_and_the_data_quality(release: Path, published_home: Path,
                                                            tmp_path: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    con = duckdb.connect(str(published_home / SERVING), read_only=True)
    try:
        has_files = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' "
                                "AND table_name = 'dim_source_file'").fetchone()[0]
        files = con.execute("SELECT source, source_sha256, rows_loaded FROM marts.dim_source_file "
                            "ORDER BY 1, 2").fetchall() if has_files else []
    finally:
        con.close()
    if has_files:
        assert manifest["inputs"]["available"] is True
        assert [(f["source"], f["sha256"], f["rows_loaded"]) for f in manifest["inputs"]["files"]] == files
        assert "source_file" not in json.dumps(manifest["inputs"]["files"])  # file names are free text
    checks = {c["suite"]: c for c in manifest["data_quality"]["latest_check_per_suite"]}
    assert {"x_api", "survey", "rpt_municipality_year"} <= set(checks)
    # The demo's bad day: a re-sent survey answer (a warning), a truncated X API page, a webcare row.
    assert {"rule": "one_answer_per_municipality_year", "severity": "warning", "failing_rows": 2} in \
        checks["survey"]["failed_rules"]
    assert manifest["data_quality"]["quarantined_files_per_source"] == {"x_api": 1}
    assert manifest["data_quality"]["quarantined_rows_per_source"] == {"survey": 1, "webcare_csv": 1}
    # Without marts.dim_source_file the manifest says so.
    home = copy_home(published_home, tmp_path / "home")
    execute(home, "DROP TABLE IF EXISTS marts.dim_source_file")
    inputs = json.loads((make_release(home, tmp_path / "r") / "manifest.json").read_text("utf-8"))["inputs"]
    assert inputs["available"] is False and "dim_source_file" in inputs["note"]


def test_the_readme_says_how_to_cite_and_what_each_table_means(release: Path) -> None:
    readme = (release / "README.md").read_text("utf-8")
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assert "## Nederlands" in readme and "## English" in readme
    assert f"**Citeren:** Dialoog. *Dialoog: gemeentelijke dialoog op sociale media*, jaren 2013, 2014, 2024, 2025, " \
           f"release {release.name} [dataset]" in readme
    assert "**How to cite:** Dialoog." in readme and f"release {release.name} [dataset]. Licence CC BY 4.0" in readme
    contracts = read_contracts()
    for table in RELEASED:
        assert f"### `{table}`" in readme and contracts[table].description in readme
    cells = sum(next(t for t in manifest["tables"] if t["name"] == "rpt_municipality_year")
                ["suppressed_cells"].values())
    assert f"In this release: {cells} cells suppressed." in readme and cells > 0
    assert manifest["commit"] in readme
