"""Each JSON format's two readers agree: its bulk reader (DuckDB shapes a group of files in SQL, ``bulk.py``) loads
exactly what its Python parser (``parser.py``) loads. The agreement tests per format are
``test_parser_and_bulk_reader_agree_on_edge_files[<format>-…]`` and ``…_on_demo_files[<format>]``; webcare's are
in ``test_bulk_webcare.py``.

Each test lands the same files twice, loads them once with the source's bulk loader and once with the
parser alone, and compares everything the load wrote: rows (but their load id and time), rejected rows,
quarantined files and ``raw._files``. The edge cases are the ones where SQL and Python could disagree:
JSON types the SQL would coerce, texts whose mentions the RE2 pattern could read differently, rejects.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.settings import Settings, get_settings
from demo.bad_day import is_bad_day
from demo.generate import Generator
from ingestion.framework import BulkFile, Source, bulk, load_source
from ingestion.social.facebook_graph import FACEBOOK_GRAPH
from ingestion.social.x_api import X_API
from ingestion.social.x_archive import X_ARCHIVE, unpacked_tweets
from tests.ingestion.social.support import FIXTURES, TEST_KEY

#: The demo's smallest scale that still reaches every research figure it is planned for.
DEMO_SCALE_SMALL = 0.02


def _tweet(tid: str, **extra: Any) -> dict[str, Any]:
    return {"id": tid, "text": f"bericht {tid}", "created_at": "2024-03-05T09:12:44.000Z", "author_id": "11",
            "conversation_id": tid, **extra}


def _page(data: Any, users: Any = None, tweets: Any = None, **extra: Any) -> dict[str, Any]:
    includes = {"users": users if users is not None else [{"id": "11", "username": "Burger_Jan"}]}
    if tweets is not None:
        includes["tweets"] = tweets
    return {"data": data, "includes": includes, "meta": {"result_count": 1}, **extra}


#: Pages where SQL and Python could disagree; every one must load (or be rejected) the same either way.
X_API_EDGES: dict[str, Any] = {
    "plain.json": _page([_tweet("101"), _tweet("102", author_id="12")],
                        users=[{"id": "12", "username": "@Gemeente_X"}, {"id": "11", "username": "a"},
                               {"id": "11", "username": "Jan"}]),
    "expansions.json": _page([_tweet("201", referenced_tweets=[{"type": "replied_to", "id": "200"}])],
                             tweets=[_tweet("200"), _tweet("201"), _tweet("200"), _tweet("199")]),
    "refs.json": _page([_tweet("301", referenced_tweets=[{"type": "quoted", "id": "1"}, {"type": "quoted", "id": "2"},
                                                          {"type": "retweeted", "id": ""}]),
                        _tweet("302", text="RT @Jan: hallo"), _tweet("303", referenced_tweets=None)]),
    "mentions.json": _page([
        _tweet("401", text="Hoi @Jan_1 en @jan_1, zie @gemeente.utrecht."),
        _tweet("402", text="mail info@gemeente.nl of é@x of @a.@b"),
        _tweet("403", text="x", entities={"mentions": [{"username": "Piet"}, {"username": "@piet"},
                                                       {"username": None}]}),
        _tweet("404", text="@Jan", entities={"mentions": []}),
        _tweet("405", text="ab_@c\n@d _@e"),
        _tweet("406", text="x", entities={"mentions": [{"username": "Kees Jan"}]}),
    ]),
    "notes.json": _page([_tweet("501", note_tweet={"text": "lang @Lang"}), _tweet("502", note_tweet={"text": ""}),
                         _tweet("503", text=None), _tweet("504", text="")]),
    "times.json": _page([_tweet("601", created_at="2024-03-31T01:30:00+02:00"),
                         _tweet("602", created_at="2024-03-31T03:30:00.123456Z")]),
    "rejects.json": _page([_tweet("701", created_at="2024-03-05T09:12:44"), _tweet("702", created_at=None),
                           "geen object", _tweet(""), _tweet("705")]),
    "numeric_ids.json": _page([_tweet(464700600106388706), _tweet("802", author_id=11)]),
    "float_id.json": _page([_tweet(4.6e17)]),
    "text_id.json": _page([_tweet("abc")]),
    "odd_users.json": _page([_tweet("901")], users=[{"id": "11", "username": "Jan Jansen"}]),
    "true_user.json": _page([_tweet("902")], users=[{"id": "11", "username": True}]),
    "no_users.json": {"data": [_tweet("1001")], "includes": None},
    "empty_data.json": _page([], tweets=[_tweet("1101")]),
    "null_data.json": {"data": None},
    "empty_page.json": {"meta": {"result_count": 0}},
    "array.json": [_tweet("1201")],
    # a second copy is dropped, but a bad one still sends the file to the parser, which rejects that row
    "bad_copy.json": _page([_tweet("1401")], tweets=[_tweet("1401", created_at=None)]),
    "odd_authors.json": _page([_tweet("1301", author_id="Ab 12"), _tweet("1302", author_id="Éléonore")]),
    "copy_of_plain.json": None,  # the same bytes as plain.json: loaded once
}


def _land_edges(landing: Path) -> None:
    folder = landing / "x_api" / "edges"
    folder.mkdir(parents=True)
    for name, page in X_API_EDGES.items():
        if page is not None:
            (folder / name).write_text(json.dumps(page), encoding="utf-8")
    (folder / "copy_of_plain.json").write_bytes((folder / "plain.json").read_bytes())
    (folder / "truncated.json").write_text(json.dumps(X_API_EDGES["plain.json"])[:-40], encoding="utf-8")
    (folder / "latin1.json").write_bytes(json.dumps(_page([_tweet("191", text="Café")]), ensure_ascii=False)
                                         .encode("latin-1"))
    comma = json.dumps(_page([_tweet("192")])).replace('}], "includes"', '},], "includes"')
    assert ",]" in comma
    (folder / "trailing_comma.json").write_text(comma, encoding="utf-8")
    (folder / "nan.json").write_text(json.dumps(_page([_tweet("193", public_metrics={"like_count": float("nan")})])),
                                     encoding="utf-8")
    _copy_fixtures(folder, "x_api")


def _copy_fixtures(folder: Path, source: str) -> None:
    """The source's own test fixtures (files and archive folders, not their README) into ``folder``."""
    for fixture in (FIXTURES / source).iterdir():
        if fixture.is_dir():
            shutil.copytree(fixture, folder / fixture.name)
        elif fixture.name != "README.md":
            (folder / fixture.name).write_bytes(fixture.read_bytes())


def _load_both(root: Path, monkeypatch: pytest.MonkeyPatch, source: Source, land: Any) -> dict[str, Any]:
    """Load the same landing zone with and without the bulk loader; what each wrote, keyed by mode."""
    written: dict[str, Any] = {}
    for mode, src in (("bulk", source), ("parser", replace(source, bulk=None))):
        monkeypatch.setenv("DIALOOG_HOME", str(root / mode))
        monkeypatch.setenv("DIALOOG_CITIZEN_KEY", TEST_KEY)
        settings: Settings = get_settings()
        land(settings.landing)
        con = duckdb.connect(str(root / mode / "warehouse.duckdb"))
        report = load_source(con, src, settings)
        written[mode] = {"report": (sorted(report.files_loaded), report.rows_loaded, report.rows_quarantined,
                                    sorted(report.files_quarantined), report.files_skipped),
                         **_snapshot(con, source.table)}
        con.close()
    return written


def _snapshot(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Any]:
    columns = [r[0] for r in con.execute(f"DESCRIBE raw.{table}").fetchall() if r[0] not in ("load_id", "loaded_at")]
    select = ", ".join(f'"{c}"' for c in columns)
    return {
        "rows": con.execute(f"SELECT {select} FROM raw.{table} ORDER BY ALL").fetchall(),
        "files": con.execute("SELECT source_sha256, source, source_file, rows_loaded, rows_quarantined "
                             "FROM raw._files ORDER BY ALL").fetchall(),
        "rejected_rows": con.execute("SELECT source_file, position, reason, content FROM dq.quarantined_rows "
                                     "ORDER BY ALL").fetchall(),
        "quarantined_files": con.execute("SELECT source_file, position, reason FROM dq.quarantined_files "
                                         "ORDER BY ALL").fetchall(),
    }


def _bulk_taken(caplog: pytest.LogCaptureFixture) -> int:
    return sum(int(r.getMessage().split()[1]) for r in caplog.records if r.getMessage().startswith("bulk: "))


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo landing zone (every format), generated once for this module."""
    home = tmp_path_factory.mktemp("bulk_demo")
    Generator(home, DEMO_SCALE_SMALL, 7).run()
    return home / "landing"


def _land_demo(demo_landing: Path, source: str) -> tuple[list[Path], Any]:
    """The demo's files of one source, without its bad day (demo/bad_day.py: a truncated page and a
    row with an impossible date, which the edge cases above cover)."""
    files = sorted(p for p in (demo_landing / source).rglob("*")
                   if p.is_file() and not is_bad_day(demo_landing, p))

    def land(landing: Path) -> None:
        for file in files:
            target = landing / file.relative_to(demo_landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(file, target)

    return files, land


def _post(pid: str, comments: Any = None, **extra: Any) -> dict[str, Any]:
    post = {"id": pid, "created_time": "2014-05-12T08:15:30+0000", "message": f"post {pid}",
            "from": {"id": "329", "name": "Gemeente"}, **extra}
    if comments is not None:
        post["comments"] = {"data": comments}
    return post


def _comment(cid: str, replies: Any = None, **extra: Any) -> dict[str, Any]:
    comment = {"id": cid, "created_time": "2014-05-12T09:00:00+0000", "message": f"vraag {cid}",
               "from": {"id": "77", "name": "Burger"}, **extra}
    if replies is not None:
        comment["comments"] = {"data": replies}
    return comment


#: Feed pages where SQL and Python could disagree; every one must load (or be rejected) the same either way.
FACEBOOK_EDGES: dict[str, Any] = {
    "feed.json": {"data": [
        _post("329_1", [_comment("1_10", [_comment("1_11"), _comment("1_12", parent={"id": "1_10x"})]),
                        _comment("1_13", parent={"id": ""}), _comment("1_14", **{"from": None})]),
        _post("2", **{"from": {"id": "330"}}), _post("_3"), _post("329_4", message=None),
        _post("329_5", comments=[]), _post("329_6", created_time="2014-05-12T08:15:30+02:00"),
    ], "paging": {}},
    "rejects.json": {"data": [_post("329_7", created_time="2014-05-12 08:15"), "geen post",
                              _post("329_8", [_comment(""), "geen reactie"])]},
    "deep.json": {"data": [_post("329_9", [_comment("9_1", [_comment("9_2", [_comment("9_3")])])])]},
    "numeric.json": {"data": [_post(12345)]},
    "error.json": {"error": {"code": 190, "type": "OAuthException", "message": "token verlopen"}},
    "no_data.json": {"paging": {}},
    "empty.json": {"data": []},
}


def _land_facebook_edges(landing: Path) -> None:
    folder = landing / "facebook_graph" / "edges"
    folder.mkdir(parents=True)
    for name, page in FACEBOOK_EDGES.items():
        (folder / name).write_text(json.dumps(page), encoding="utf-8")
    (folder / "latin1.json").write_bytes(json.dumps({"data": [_post("329_9", [], message="Café")]},
                                                    ensure_ascii=False).encode("latin-1"))
    (folder / "trailing_comma.json").write_text(json.dumps({"data": [_post("329_8", [])]})[:-2] + ",]}",
                                                encoding="utf-8")
    _copy_fixtures(folder, "facebook_graph")


def _archive_tweet(tid: str, **extra: Any) -> dict[str, Any]:
    return {"tweet": {"id_str": tid, "id": tid, "created_at": "Sun Mar 30 01:05:00 +0000 2014",
                      "full_text": f"antwoord {tid}", **extra}}


def _zip(path: Path, members: dict[str, str]) -> None:
    """The same bytes every time (a member's time is fixed): both loads of `_load_both` must see equal files."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 11, 5, 10, 12, 0)), text)


def _js(name: str, items: Any, tail: str = "") -> str:
    return f"window.YTD.{name}.part0 = {json.dumps(items, indent=1)}{tail}"


ACCOUNT = _js("account", [{"account": {"accountId": "112233445", "username": "Vraagbaak_Gemeente"}}])

#: Archives where SQL and Python could disagree; every one must load (or be rejected) the same either way.
X_ARCHIVE_EDGES: dict[str, dict[str, str]] = {
    "plain.zip": {"data/account.js": ACCOUNT, "data/tweets.js": _js("tweets", [
        _archive_tweet("1", full_text="Fijn &amp; snel &lt;3 &quot;ok&quot; &#39;ja&#39; &amp;lt;"),
        _archive_tweet("2", full_text="", text="RT @Jan: hallo", in_reply_to_status_id_str="",
                       in_reply_to_status_id="9", in_reply_to_user_id_str="77"),
        _archive_tweet("3", full_text="@Piet @piet zie ook @Kees.", quoted_status_id_str="5",
                       entities={"user_mentions": [{"screen_name": "Piet"}, {"screen_name": "piet"}]}),
        _archive_tweet("4", full_text="hoi @Kees en @a.@b", entities={"user_mentions": []}),
        _archive_tweet("", id="5"),
    ], ";\n"), "data/tweets-part1.js": "\ufeff" + _js("tweets", [_archive_tweet("6")], " ;  ")},
    "entities.zip": {"data/account.js": ACCOUNT, "data/tweets.js": _js("tweets", [
        _archive_tweet("11", full_text="caf&eacute; &#x27;")])},
    "retweet.zip": {"data/account.js": ACCOUNT, "data/tweets.js": _js("tweets", [
        _archive_tweet("21", retweeted_status={"id_str": "20"})])},
    "bare.zip": {"data/account.js": ACCOUNT, "data/tweets.js": _js("tweets", [_archive_tweet("31")["tweet"]])},
    "rejects.zip": {"data/account.js": ACCOUNT, "data/tweets.js": _js("tweets", [
        _archive_tweet("41", created_at="2014-03-30 01:05"), "geen tweet", _archive_tweet("")])},
    "numeric.zip": {"data/account.js": ACCOUNT, "data/tweets.js": _js("tweets", [_archive_tweet(51)])},
    "no_account.zip": {"data/tweets.js": _js("tweets", [_archive_tweet("61")])},
    "bad_prefix.zip": {"data/account.js": ACCOUNT, "data/tweets.js": "var x = " + json.dumps([_archive_tweet("71")])},
    "garbage.zip": {"data/account.js": ACCOUNT, "data/tweets.js": _js("tweets", [_archive_tweet("81")], "; x")},
    # JSON DuckDB reads and ijson rejects: the bulk loader must leave these to the parser
    "trailing_comma.zip": {"data/account.js": ACCOUNT,
                           "data/tweets.js": _js("tweets", [_archive_tweet("91")])[:-2] + ",\n]"},
    "nan.zip": {"data/account.js": ACCOUNT,
                "data/tweets.js": _js("tweets", [_archive_tweet("92", score=float("nan"))])},
    "inner_comma.zip": {"data/account.js": ACCOUNT,
                        "data/tweets.js": _js("tweets", [_archive_tweet("93", tags=[1])]).replace("1\n", "1,\n")},
}


def _land_archive_edges(landing: Path) -> None:
    folder = landing / "x_archive" / "edges"
    folder.mkdir(parents=True)
    for name, members in X_ARCHIVE_EDGES.items():
        _zip(folder / name, members)
    _copy_fixtures(folder, "x_archive")


#: Per source: its edge files, how many rows they load at least, how many files bulk takes at least and at most.
EDGE_CASES: dict[str, tuple[Source, Any, int, int, int]] = {
    "x_api": (X_API, _land_edges, 25, 8, len(X_API_EDGES) - 1),
    "facebook_graph": (FACEBOOK_GRAPH, _land_facebook_edges, 12, 3, len(FACEBOOK_EDGES) - 1),
    "x_archive": (X_ARCHIVE, _land_archive_edges, 10, 1, len(X_ARCHIVE_EDGES) - 1),
}


@pytest.mark.parametrize(("group_files", "part_files"), [(bulk.BULK_FILES, bulk.BULK_PART_FILES), (2, 2),
                                                       (bulk.BULK_FILES, 2)],
                         ids=["one group", "groups of 2", "one group in parts of 2"])
@pytest.mark.parametrize("name", EDGE_CASES)
def test_parser_and_bulk_reader_agree_on_edge_files(name: str, group_files: int, part_files: int, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """In groups of 2, several groups run at once on their own cursors; a second copy of a file, a failing
    group and the files the parser takes over then fall in different groups, and still load the same. In
    parts of 2, one transaction reads its files in many queries, and a malformed file in one part still
    leaves only that file to the parser."""
    source, land, min_rows, min_taken, max_taken = EDGE_CASES[name]
    monkeypatch.setattr(bulk, "BULK_FILES", group_files)
    monkeypatch.setattr(bulk, "BULK_PART_FILES", part_files)
    caplog.set_level(logging.INFO, logger="ingestion.framework.bulk")
    written = _load_both(tmp_path, monkeypatch, source, land)
    assert written["bulk"] == written["parser"]
    assert len(written["bulk"]["rows"]) > min_rows
    assert written["bulk"]["rejected_rows"] and written["bulk"]["quarantined_files"]
    # The plain files really went through DuckDB, the odd ones through the parser.
    assert min_taken <= _bulk_taken(caplog) <= max_taken
    groups = [r for r in caplog.records if r.getMessage().startswith("bulk: ")]
    assert len(groups) > 2 if group_files == 2 else len(groups) <= 2
    # DuckDB's error names the file it cannot read (a page not in UTF-8; for an archive, the malformed ZIP, not
    # its unpacked tweets): no halving.
    failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("bulk read of ")]
    assert failed and not [message for message in failed if message.endswith("halving the group")]


@pytest.mark.parametrize("source", [X_API, FACEBOOK_GRAPH, X_ARCHIVE], ids=lambda s: s.name)
def test_parser_and_bulk_reader_agree_on_demo_files(source: Source, demo_landing: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ingestion.framework.bulk")
    files, land = _land_demo(demo_landing, source.name)
    written = _load_both(tmp_path, monkeypatch, source, land)
    assert written["bulk"] == written["parser"]
    assert _bulk_taken(caplog) == len(files) > 0  # every demo file is one SQL shapes exactly


def test_archives_are_grouped_by_their_unpacked_tweets(demo_landing: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """An archive weighs its tweet files unpacked (what DuckDB reads), not its ZIP: with a group cap below one
    archive, each archive is a group of its own, and every one still loads as the parser loads it."""
    caplog.set_level(logging.INFO, logger="ingestion.framework.bulk")
    files, land = _land_demo(demo_landing, "x_archive")
    for path in files:
        with zipfile.ZipFile(path) as archive:
            tweets = [m.file_size for m in archive.infolist() if m.filename.rsplit("/", 1)[-1].startswith("tweets")]
        assert unpacked_tweets(path) == sum(tweets) > path.stat().st_size
    assert unpacked_tweets(Path(__file__)) == Path(__file__).stat().st_size  # not a ZIP: its size
    one_each = replace(X_ARCHIVE, bulk_group_bytes=1)
    written = _load_both(tmp_path, monkeypatch, one_each, land)
    assert written["bulk"] == written["parser"]
    groups = [r.getMessage() for r in caplog.records if r.getMessage().startswith("bulk: ")]
    assert len(groups) == len(files) > 1 and _bulk_taken(caplog) == len(files)


def test_bulk_groups_run_on_fewer_duckdb_threads_and_restore_them(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """While the workers run, DuckDB gets only the cores they leave (``bulk_threads``); after, its own setting."""
    monkeypatch.setenv("DIALOOG_HOME", str(tmp_path))
    monkeypatch.setenv("DIALOOG_CITIZEN_KEY", TEST_KEY)
    monkeypatch.setattr(bulk, "bulk_threads", lambda: 1)
    settings = get_settings()
    _land_edges(settings.landing)
    seen: list[int] = []

    def spy(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> Any:
        seen.append(con.execute("SELECT current_setting('threads')").fetchone()[0])
        return X_API.bulk(con, files)

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("SET threads = 3")
    report = load_source(con, replace(X_API, bulk=spy), settings)
    assert report.rows_loaded and seen and set(seen) == {1}
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 3
