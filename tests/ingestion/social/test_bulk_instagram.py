"""Instagram Graph's two readers agree: its bulk reader (``instagram_graph/bulk.py``) loads exactly what its parser
loads, on edge pages where SQL and Python could part and on the demo's pages (as ``test_bulk.py`` does for X and
Facebook: the same landing loaded with and without the bulk loader, everything the load wrote compared)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from ingestion.framework import bulk
from ingestion.social.instagram_graph import INSTAGRAM_GRAPH
from tests.ingestion.social.test_bulk import _bulk_taken, _copy_fixtures, _land_demo, _load_both, demo_landing

__all__ = ["demo_landing"]  # the module's demo landing zone, generated once


def _media(mid: Any, comments: Any = None, **extra: Any) -> dict[str, Any]:
    media = {"id": mid, "caption": f"Bericht {mid}", "timestamp": "2024-06-14T09:00:00+0000",
             "username": "gemeente.voorbeeld", "owner": {"id": "17841400000000999"}, "media_type": "IMAGE", **extra}
    if comments is not None:
        media["comments"] = {"data": comments}
    return media


def _comment(cid: Any, replies: Any = None, **extra: Any) -> dict[str, Any]:
    comment = {"id": cid, "text": f"Vraag {cid}?", "timestamp": "2024-06-14T10:00:00+0000", "username": "Kees.K",
               "from": {"id": "17841400000000006", "username": "kees.k"}, **extra}
    if replies is not None:
        comment["replies"] = {"data": replies}
    return comment


#: Pages where SQL and Python could disagree; every one must load (or be rejected) the same either way.
EDGES: dict[str, Any] = {
    "media.json": {"data": [
        _media("1", [_comment("11", [_comment("12"), _comment("13", parent_id="11x"), _comment("14", parent_id="")]),
                     _comment("15", parent_id="1"), _comment("16", **{"from": None}),
                     _comment("17", username="", **{"from": {"id": "8", "username": "@Piet_P"}}),
                     _comment("18", username=None, **{"from": {"id": "9"}}),
                     _comment("19", username="", **{"from": {"id": "10", "username": ""}})]),
        _media("2", caption=None, username=None), _media("3", comments=[]), _media("4", comments=None),
        _media("5", timestamp="2024-03-31T03:30:00+0200"), _media("6", timestamp="2024-10-27T01:30:00-0530"),
        _media("7", caption="Zie @Gemeente.Voorbeeld, @gemeente.voorbeeld en @a_b. mail info@x.nl @"),
    ], "paging": {}},
    "comments.json": {"data": [
        _comment("21", [_comment("22")], media={"id": "1"}),
        _comment("23", media={"id": "2", "owner": {"id": "17841400000000999"}}, parent_id="21"),
        _comment("24", media={"id": ""}), _comment("25"),
    ]},
    "media_without_caption_key.json": {"data": [{"id": "31", "timestamp": "2024-06-14T09:00:00+0000",
                                                 "owner": {"id": "9"}}]},
    # a media key on a later item only: the parser reads the page as comments, as its first item decides
    "mixed.json": {"data": [_comment("41"), _media("42")]},
    "comment_first_null_caption.json": {"data": [_comment("43", caption=None), _comment("44")]},
    "reject_owner.json": {"data": [_media("51", owner={"id": ""}), _media("52")]},
    "reject_time.json": {"data": [_media("53", timestamp="2024-06-14T09:00:00Z"), _media("54")]},
    "reject_times.json": {"data": [_comment("55", timestamp=t) for t in (
        "2024-02-30T10:00:00+0000", "2024-06-14T24:00:00+0000", "2024-06-14T10:00:60+0000",
        "2024-06-14T10:00:00+2400", "2024-06-14 10:00:00+0000", "", None)]},
    "reject_items.json": {"data": [_media("56", [_comment(""), "geen reactie", _comment("57", ["geen antwoord"])]),
                                   "geen media", None]},
    "numeric.json": {"data": [_media(12345, [_comment(678)])]},
    "odd_username.json": {"data": [_comment("61", username="Kees K"), _comment("62", username="Éva")]},
    "dot_mention.json": {"data": [_comment("63", text="@a.@b")]},
    "at_username.json": {"data": [_comment("65", username="@")]},
    "owner_text.json": {"data": [_media("64", owner="17841400000000999")]},
    "error.json": {"error": {"message": "Rate limit", "type": "OAuthException", "code": 4}},
    "no_data.json": {"paging": {}},
    "data_object.json": {"data": {"id": "1"}},
    "empty.json": {"data": []},
    "only_null.json": {"data": [None]},
}


def _land_edges(landing: Path) -> None:
    folder = landing / "instagram_graph" / "edges"
    folder.mkdir(parents=True)
    for name, page in EDGES.items():
        (folder / name).write_text(json.dumps(page), encoding="utf-8")
    media_folder = folder / "17900000000000123"  # comments pages that take their media from the folder
    media_folder.mkdir()
    for name in ("comments.json", "media.json"):  # not the same bytes as the edge files: those load once
        (media_folder / name).write_text(json.dumps({**EDGES[name], "paging": {"next": name}}), encoding="utf-8")
    not_a_number = folder / "17900000000000123x"
    not_a_number.mkdir()
    (not_a_number / "comments.json").write_text(json.dumps({"data": [_comment("71")]}), encoding="utf-8")
    (folder / "latin1.json").write_bytes(json.dumps({"data": [_comment("72", text="Café")]}, ensure_ascii=False)
                                         .encode("latin-1"))
    (folder / "trailing_comma.json").write_text(json.dumps({"data": [_comment("73")]})[:-2] + ",]}", encoding="utf-8")
    (folder / "truncated.json").write_text(json.dumps(EDGES["media.json"])[:-30], encoding="utf-8")
    _copy_fixtures(folder, "instagram_graph")


@pytest.mark.parametrize(("group_files", "part_files"), [(bulk.BULK_FILES, bulk.BULK_PART_FILES), (2, 2)],
                         ids=["one group", "groups of 2"])
def test_parser_and_bulk_reader_agree_on_edge_files(group_files: int, part_files: int, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(bulk, "BULK_FILES", group_files)
    monkeypatch.setattr(bulk, "BULK_PART_FILES", part_files)
    caplog.set_level(logging.INFO, logger="ingestion.framework.bulk")
    written = _load_both(tmp_path, monkeypatch, INSTAGRAM_GRAPH, _land_edges)
    assert written["bulk"] == written["parser"]
    assert len(written["bulk"]["rows"]) > 40
    assert written["bulk"]["rejected_rows"] and written["bulk"]["quarantined_files"]
    # The plain pages went through DuckDB (media, comments and their copies in the media's folder, the comments in a
    # folder that is no media id, the media without caption, the empty page, two of the fixtures); the odd ones,
    # and every page with a reject, through the parser.
    assert _bulk_taken(caplog) == 9
    rows = {row[1]: row for row in written["bulk"]["rows"]}  # by message id
    assert rows["12"][7] == "11" and rows["13"][7] == "11x" and rows["14"][7] == "11"  # in_reply_to_id


def test_parser_and_bulk_reader_agree_on_demo_files(demo_landing: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ingestion.framework.bulk")
    files, land = _land_demo(demo_landing, INSTAGRAM_GRAPH.name)
    written = _load_both(tmp_path, monkeypatch, INSTAGRAM_GRAPH, land)
    assert written["bulk"] == written["parser"]
    assert _bulk_taken(caplog) == len(files) > 0  # every demo page is one SQL shapes exactly
