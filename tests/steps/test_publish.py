"""Publishing: record first, then swap; a retry never overwrites the last good copy; nothing of a citizen's
quarantined row is published; paths with quotes work; rollback only to a valid copy."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core import warehouse
from core.bookkeeping import ensure_bookkeeping
from core.settings import Settings
from steps import publish as publishing
from steps.publish import NothingToRollBack, publish, rollback, served_build

T1, T2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)


def _build(home: Settings, answer_rate: float) -> None:
    """A build warehouse with one mart row and one quarantined row that holds a citizen's words."""
    con = warehouse.connect(home)
    try:
        ensure_bookkeeping(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE OR REPLACE TABLE marts.rpt_national_year AS SELECT 2014 AS year, ? AS answer_rate",
                    [answer_rate])
        con.execute("DELETE FROM dq.quarantined_rows")
        con.execute("INSERT INTO dq.quarantined_rows VALUES ('l', 'x_api', 'f.json', 'abc', 'data[3]', "
                    "'no author', '{\"text\": \"@jan_citizen waar is mijn paspoort?\"}', now())")
    finally:
        con.close()


def _served_rate(path: Path) -> float:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT answer_rate FROM marts.rpt_national_year").fetchone()[0]
    finally:
        con.close()


def _outcomes(home: Settings) -> list[str]:
    con = warehouse.connect(home)
    try:
        return [row[0] for row in con.execute("SELECT outcome FROM dq.builds ORDER BY built_at").fetchall()]
    finally:
        con.close()


def test_publish_records_then_swaps_and_drops_quarantined_content(home: Settings) -> None:
    _build(home, 0.2)
    counts = publish(home, T1, "v1")
    assert counts["marts.rpt_national_year"] == 1
    assert _outcomes(home) == ["published"]
    assert served_build(home.serving_path) == (T1, "v1")  # the served file knows which build it is
    con = duckdb.connect(str(home.serving_path), read_only=True)
    try:
        columns = [row[0] for row in con.execute("DESCRIBE dq.quarantined_rows").fetchall()]
        assert "content" not in columns and "reason" in columns
        assert con.execute("SELECT count(*) FROM dq.quarantined_rows").fetchone()[0] == 1
    finally:
        con.close()
    assert b"jan_citizen" not in home.serving_path.read_bytes()
    assert stat.S_IMODE(home.serving_path.stat().st_mode) == 0o644


def test_a_retried_publish_keeps_the_last_good_copy(home: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(home, 0.13)
    publish(home, T1, "v1")  # the last good copy
    _build(home, 0.2)

    real_connect = warehouse.connect
    calls = {"n": 0}

    def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        calls["n"] += 1
        con = real_connect(settings, read_only)
        if calls["n"] == 2:  # the confirmation, after the swap
            con.close()
            raise OSError("disk full")
        return con

    monkeypatch.setattr(publishing.warehouse, "connect", connect)
    with pytest.raises(OSError):
        publish(home, T2, "v1")
    monkeypatch.setattr(publishing.warehouse, "connect", real_connect)
    assert _served_rate(home.serving_path) == 0.2 and _outcomes(home) == ["published", "publishing"]
    assert _served_rate(home.previous_serving_path) == 0.13

    publish(home, T2, "v1")  # the retry: the served file is this build already, so previous/ stays
    assert _served_rate(home.previous_serving_path) == 0.13
    assert _outcomes(home) == ["published", "publishing", "published"]
    rollback(home)
    assert _served_rate(home.serving_path) == 0.13


def test_a_failed_copy_changes_nothing_served(home: Settings) -> None:
    _build(home, 0.13)
    publish(home, T1, "v1")
    before = home.serving_path.stat().st_ino
    home.warehouse_path.write_bytes(b"not a duckdb file")
    with pytest.raises(duckdb.Error):
        publish(home, T2, "v1")
    assert home.serving_path.stat().st_ino == before
    assert not home.previous_serving_path.exists()
    assert not list((home.serving_dir / ".staging").iterdir())


def test_rollback_only_to_a_valid_copy(home: Settings) -> None:
    _build(home, 0.13)
    publish(home, T1, "v1")
    with pytest.raises(NothingToRollBack):
        rollback(home)  # nothing published before
    home.previous_serving_path.parent.mkdir(parents=True)
    home.previous_serving_path.write_bytes(b"garbage")
    before = home.serving_path.stat().st_ino
    with pytest.raises(NothingToRollBack):
        rollback(home)
    assert home.serving_path.stat().st_ino == before


def test_a_quote_in_the_home_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd = Settings(home=tmp_path / "it's home")
    monkeypatch.setenv("DIALOOG_HOME", str(odd.home))
    _build(odd, 0.2)
    publish(odd, T1, "v1")
    assert _served_rate(odd.serving_path) == 0.2
    assert os.access(odd.serving_path, os.R_OK)
