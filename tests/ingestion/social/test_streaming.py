"""Memory stays flat whatever the export size: parsers stream, so the heap peak does not grow with the file.

Each test writes the same export twice in the real format, small and four times as large, reads both in
full under tracemalloc and checks that the larger one raises the Python heap peak by almost nothing (a
parser that held the file, or its records, would add at least the difference in size). tracemalloc sees
Python objects only, which is what such a parser would fill.
A small size keeps the test quick on a shared machine; the bound is about growth, so it holds for 1 GB.
"""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import duckdb
import pytest

from core.settings import Settings
from ingestion.framework import Parsed, Record, load_source, unit
from ingestion.social import facebook_graph, webcare, x_api, x_archive

SMALL_BYTES = 256 * 1024
LARGE_BYTES = 4 * SMALL_BYTES
LOAD_SMALL_BYTES = 1_200 * 1024
GROWTH_FRACTION = 0.05  # of the extra bytes; a parser holding even a twentieth of the file fails


def _json_array(out: IO[str], items: Iterable[Any]) -> None:
    out.write("[")
    for index, item in enumerate(items):
        out.write(("," if index else "") + json.dumps(item, ensure_ascii=False))
    out.write("]")


def _count(item_bytes: int, size: int) -> int:
    return size // item_bytes


def write_x_api(path: Path, size: int = LARGE_BYTES) -> None:
    tweet = {"text": "@vraagbaak_gemeente Wanneer wordt het oud papier opgehaald? 🗑️ " * 2,
             "created_at": "2024-03-05T13:16:20.000Z", "author_id": "1234567890123456789",
             "conversation_id": "1765003412398765432", "lang": "nl"}
    with path.open("w", encoding="utf-8") as out:
        out.write('{"data": ')
        _json_array(out, ({**tweet, "id": str(1765003412398765432 + i)} for i in range(_count(330, size))))
        out.write(', "includes": {"users": [{"id": "1234567890123456789", "username": "burger_anna"}]}, '
                  '"meta": {"result_count": 100}}')


def write_x_archive(path: Path, size: int = LARGE_BYTES) -> None:
    tweet = {"created_at": "Thu Apr 17 19:09:39 +0000 2014", "entities": {"user_mentions": []},
             "full_text": "@jan_vd_berg Goedenavond Jan, de milieustraat is morgen open tot 16.00 uur &amp; zaterdag."}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/account.js", 'window.YTD.account.part0 = [{"account": '
                                            '{"accountId": "112233445", "username": "vraagbaak_gemeente"}}]')
        with archive.open("data/tweets.js", "w") as raw, _text(raw) as out:
            out.write("window.YTD.tweets.part0 = ")
            _json_array(out, ({"tweet": {**tweet, "id_str": str(456872134598765568 + i)}}
                              for i in range(_count(220, size))))


def write_facebook(path: Path, size: int = LARGE_BYTES) -> None:
    comment = {"created_time": "2014-05-12T09:02:11+0000", "message": "Hoe lang gaat dat duren? 🚧",
               "from": {"id": "555666777888999", "name": "Pieter Jansen"}}
    with path.open("w", encoding="utf-8") as out:
        out.write('{"data": ')
        _json_array(out, ({"id": f"104523456789012_{i}", "created_time": "2014-05-12T08:15:30+0000",
                           "message": "De Dorpsstraat is afgesloten.", "from": {"id": "104523456789012"},
                           "comments": {"data": [{**comment, "id": f"{i}_{j}"} for j in range(3)]}}
                          for i in range(_count(560, size))))
        out.write(', "paging": {}}')


def write_webcare(path: Path, size: int = LARGE_BYTES) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write("bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst\r\n")
        row = ';30-03-2014 01:50;twitter;vraagbaak_gemeente;fietser_henk;inkomend;;"@vraagbaak_gemeente ' \
              'Er staat water in de tunnel; kan iemand kijken? 🚲"\r\n'
        for i in range(_count(len(row) + 18, size)):
            out.write(str(450008012345678901 + i) + row)


def _text(raw: IO[bytes]) -> Any:
    import io

    return io.TextIOWrapper(raw, encoding="utf-8")


FORMATS: dict[str, tuple[Callable[[Path], None], Callable[[Path], Iterable[Parsed]], str]] = {
    "x_api": (write_x_api, x_api.parse, "page.json"),
    "x_archive": (write_x_archive, x_archive.parse, "archive.zip"),
    "facebook_graph": (write_facebook, facebook_graph.parse, "feed.json"),
    "webcare_csv": (write_webcare, webcare.parse, "export.csv"),
}


def _uncompressed_size(path: Path) -> int:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    return path.stat().st_size


def _parse_peak(parse: Callable[[Path], Iterable[Parsed]], path: Path) -> tuple[int, int]:
    """Records read from the file and the Python heap peak while reading them all."""
    tracemalloc.start()
    try:
        records = sum(1 for item in parse(path) if isinstance(item, Record))
        return records, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_parsing_a_larger_export_does_not_take_more_memory(name: str, tmp_path: Path, settings: Settings) -> None:
    write, parse, filename = FORMATS[name]
    small, large = tmp_path / f"small-{filename}", tmp_path / f"large-{filename}"
    write(small, SMALL_BYTES)
    write(large, LARGE_BYTES)
    small_records, small_peak = _parse_peak(parse, small)  # also warms caches, imports and regexes
    large_records, large_peak = _parse_peak(parse, large)
    extra = _uncompressed_size(large) - _uncompressed_size(small)
    assert large_records > 3 * small_records > 1_500
    assert large_peak - small_peak < extra * GROWTH_FRACTION, f"{name}: {small_peak:,} B -> {large_peak:,} B"


def _load_peak(con: duckdb.DuckDBPyConnection, settings: Settings, path: Path, size: int) -> tuple[int, int]:
    """Land a webcare export of about ``size`` bytes, load it; rows loaded and the Python heap peak."""
    write_webcare(path, size)
    tracemalloc.start()
    try:
        report = load_source(con, webcare.WEBCARE_CSV, settings)
        return report.rows_loaded, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_loading_a_larger_export_does_not_take_more_memory(
    settings: Settings, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loader holds one batch of records: with a small batch, more rows must not mean more memory.
    monkeypatch.setattr(unit, "BATCH_ROWS", 500)
    landing = settings.landing / "webcare_csv"
    landing.mkdir(parents=True)
    _load_peak(con, settings, landing / "warm-up.csv", 16 * 1024)  # DuckDB imports pandas & co. once
    # Both above the 1 MiB the loader hashes a file by, so that fixed buffer is the same in both runs.
    small_rows, small_peak = _load_peak(con, settings, landing / "small.csv", LOAD_SMALL_BYTES)
    large_rows, large_peak = _load_peak(con, settings, landing / "large.csv", 2 * LOAD_SMALL_BYTES)
    assert large_rows > 1.9 * small_rows > 5_000
    extra = (landing / "large.csv").stat().st_size - (landing / "small.csv").stat().st_size
    # Looser than for parsers: which of the many batches peaks varies by some KB. Holding the rows as Python
    # records would add several times the extra bytes.
    assert large_peak - small_peak < extra * 0.2, f"{small_peak:,} B -> {large_peak:,} B"
