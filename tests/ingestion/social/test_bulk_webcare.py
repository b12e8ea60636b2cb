"""Webcare's two readers agree: its bulk reader (DuckDB reads and shapes the exports, ``bulk.py``) loads exactly what
its Python parser (``parser.py``) loads: ``test_webcare_parser_and_bulk_reader_agree_on_edge_exports`` and
``…_on_demo_exports``.

As in ``test_bulk.py``: the same landing zone is loaded with and without the bulk loader and everything the
load wrote is compared. The edge files are the ones where DuckDB and csv.reader, or SQL and Python, could
read a file differently: encodings, quotes, line ends, blank and short rows, clock changes, mentions,
handles whose lower case differs, profiles; each must load (or be rejected) the same either way.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.framework import BulkFile, Source
from ingestion.social.sql import ShapedPart
from ingestion.social.webcare import WEBCARE_CSV, bulk, plan, profiles
from ingestion.social.webcare.bulk import _LOWER_DIFFERS, PY_WHITESPACE, shape_group
from ingestion.social.webcare.clock import AMSTERDAM, to_utc, utc_offset
from tests.ingestion.social.support import FIXTURES
from tests.ingestion.social.test_bulk import _land_demo, _load_both, demo_landing  # noqa: F401

HEADER = "bericht_id;datum;kanaal;account;auteur;richting;in_antwoord_op;tekst"


def _rows(*rows: str, header: str = HEADER, end: str = "\r\n") -> str:
    return end.join([header, *rows]) + end


def _clock_change_rows() -> list[str]:
    """A message every 10 minutes from 00:00 to 04:00 local on four clock-change days, and one on a plain day."""
    rows = []
    for day in ("30-03-2014", "26-10-2014", "31-03-2024", "27-10-2024"):
        start = datetime.strptime(f"{day} 00:00", "%d-%m-%Y %H:%M")
        for step in range(25):
            at = start + timedelta(minutes=10 * step)
            rows.append(f"{at:%y%m%d%H%M}{step};{at:%d-%m-%Y %H:%M};twitter;gem;burger;inkomend;;vraag")
    rows.append("1;05-03-2014 14:16:30;twitter;gem;burger;inkomend;;met seconden")
    return rows


MENTIONS = ["Hoi @Jan_1 en @jan_1, zie @gemeente.utrecht. en @a.", "mail info@gemeente.nl of @@x of _@y",
            "@" + "a" * 35 + " @b", "x@y @z", "(@haakje) [@blok] @ los", '"@Jan\n@Piet"', ""]

#: Exports where DuckDB and the parser could disagree: name → bytes.
EDGES: dict[str, bytes] = {
    "plain_lf.csv": _rows("11;05-03-2014 14:16;Twitter;Gem_X;@Burger_Jan;Inkomend;;@Gem_X hallo @jan",
                          "12;05-03-2014 14:20; x ;@Gem_X;Gem_X;UITGAAND;11;@Burger_Jan graag gedaan",
                          end="\n").encode(),
    "quoted_crlf.csv": ("\ufeff" + _rows(
        '21;01-06-2014 10:00;facebook;gem;"Pieter; Jansen";inkomend;;"twee\r\nregels ""quote"" en\nnog\reen"',
        '22;01-06-2014 10:05;instagram;gem;lisa;inkomend;;""',
        '"23";"01-06-2014 10:06";"x";"gem";"a";"";"";"alles gequoot"')).encode(),
    "cp1252_c1.csv": _rows("31;02-06-2014 09:00;twitter;gem;Joëlle;inkomend;;€ 5,– … “ja” ‘nee’ café").encode("cp1252"),
    "cp1252_plain.csv": _rows("32;02-06-2014 09:00;twitter;gem;Frysl\u00e2n;inkomend;;caf\u00e9").encode("cp1252"),
    "cp1252_undefined.csv": _rows("33;02-06-2014 09:00;twitter;gem;a;inkomend;;").encode() + b"caf\x81\r\n",
    "clock_changes.csv": _rows(*_clock_change_rows()).encode(),
    "mentions.csv": _rows(*(f"4{i};03-06-2014 12:00;x;gem;a;inkomend;;{t}" for i, t in enumerate(MENTIONS))).encode(),
    "mention_after_dot.csv": _rows("51;03-06-2014 12:00;x;gem;a;inkomend;;zie @a.@b").encode(),
    "mention_after_letter.csv": _rows("52;03-06-2014 12:00;x;gem;a;inkomend;;é@x en 🚧@y").encode(),
    "handles.csv": _rows("61;03-06-2014 12:00;x;\u00a0@@Gem \u2003;\u3000 @ Kees Jan ;inkomend;;a",
                         "62;03-06-2014 12:00;facebook;gem;Ÿvonne ÅSE Ørsted;inkomend;;b").encode(),
    "handle_dotted_i.csv": _rows("63;03-06-2014 12:00;x;gem;İlker;inkomend;;a").encode(),
    "handle_sigma.csv": _rows("64;03-06-2014 12:00;x;gem;ΟΔΥΣΣΕΑΣ;inkomend;;a").encode(),
    "kelvin.csv": _rows("65;03-06-2014 12:00;faceboo\u212a;gem;a;inkomend;;a").encode(),
    "bad_rows.csv": _rows("71;03-06-2014 12:00;linkedin;gem;a;inkomend;;a", "4,50009E+17;03-06-2014 12:00;x;gem;a;;;",
                          "73;03-06-2014 12:00;x;gem;a;intern;;", ";03-06-2014 12:00;x;gem;a;;;",
                          "75;03-06-2014 12:00;x;gem;a;;4.5e17;", "76;31-02-2014 10:00;x;gem;a;;;",
                          "77;2014-06-03 12:00;x;gem;a;;;", "78;03-06-2014 12:00;x;gem;a;;;;te veel").encode(),
    "odd_dates.csv": _rows("81;5-3-2014 9:05;x;gem;a;;;", "82;05-03-2014  14:16;x;gem;a;;;",
                           "83;05-03-2014 14:16:60;x;gem;a;;;", "84;29-02-2016 12:00;x;gem;a;;;",
                           "85;01-01-1899 12:00;x;gem;a;;;").encode(),
    "short_and_blank.csv": _rows("91;03-06-2014 12:00;x", "", "  ;  ; \t", ";;;;;;;",
                                 "92;03-06-2014 12:00;x;gem;a;inkomend").encode(),
    "whitespace_rows.csv": _rows("93;03-06-2014 12:00;x;gem;a;;;", "   ", ";;;;;;;;;").encode(),
    "trailing_blank.csv": (_rows("94;03-06-2014 12:00;x;gem;a;;;") + "\r\n").encode(),
    "cr_only.csv": _rows("95;03-06-2014 12:00;x;gem;a;;;", "96;03-06-2014 12:01;x;gem;a;;;", end="\r").encode(),
    "cr_only_quoted_lf.csv": _rows('131;03-06-2014 12:00;x;gem;a;;;"een\ntwee"', "132;03-06-2014 12:01;x;gem;a;;;",
                                   end="\r").encode(),
    "lf_quoted_crlf.csv": _rows('133;03-06-2014 12:00;x;gem;a;;;"een\r\ntwee\r\n\r\n"',
                                "134;03-06-2014 12:01;x;gem;a;;;", end="\n").encode(),
    "mixed_ends.csv": (HEADER + "\r\n97;03-06-2014 12:00;x;gem;a;;;\n98;03-06-2014 12:01;x;gem;a;;;\r\n").encode(),
    "bad_quotes.csv": _rows('101;03-06-2014 12:00;x;gem;"a"b;;;', '102;03-06-2014 12:00;x;gem;a"b;;;').encode(),
    "unterminated.csv": _rows('103;03-06-2014 12:00;x;gem;a;;;"open').encode(),
    "upper_header.csv": _rows("111;03-06-2014 12:00;x;gem;a;;;", header=HEADER.upper().replace(";", " ; ")).encode(),
    "reordered.csv": _rows("x;extra;03-06-2014 12:00;112;gem;a;;;tekst",
                           header="kanaal;extra;datum;bericht_id;account;auteur;richting;in_antwoord_op;tekst").encode(),
    "repeated_column.csv": _rows("113;03-06-2014 12:00;x;gem;a;;;een;twee", header=HEADER + ";tekst").encode(),
    "header_only.csv": (HEADER + "\r\n").encode(),
    "empty.csv": b"",
    "blank_header.csv": b" ; \r\n1;03-06-2014 12:00;x\r\n",
    "nul.csv": _rows("121;03-06-2014 12:00;x;gem;a;;;a\x00b").encode(),
    "soh.csv": _rows("122;03-06-2014 12:00;x;gem;a;;;a\x01b").encode(),
    "utf16.csv": _rows("123;03-06-2014 12:00;x;gem;a;;;").encode("utf-16"),
    "huge_field.csv": _rows("124;03-06-2014 12:00;x;gem;a;;;" + "x" * 140_000).encode(),
    "obi4wan.csv": _rows("03-06-2014 12:00;Twitter;hoi @Gem;Jan;@Gem, @Kees  piet;https://twitter.com/jan/status/466?s=20",
                         "03-06-2014 12:01;Facebook;ok;Gem;;https://facebook.com/1_2/",
                         header="Datum;Kanaal;Bericht;Geplaatst door (optioneel);Mentions;Url").encode(),
    # platforms come from the registry: its newer codes in SQL's CASE as in the parser; an alias with a space
    # and a platform the registry lacks (a rejected row) leave the file to the parser
    "registry_platforms.csv": _rows("141;03-06-2024 12:00;WhatsApp;gem;a;inkomend;;a",
                                    "142;03-06-2024 12:01;linkedin;gem;a;inkomend;;b",
                                    "143;03-06-2024 12:02;Mastodon;gem;a;inkomend;;c").encode(),
    "registry_alias_and_unknown.csv": _rows("144;03-06-2024 12:00;X (Twitter);gem;a;inkomend;;a",
                                            "145;03-06-2024 12:01;myspace;gem;a;inkomend;;b").encode(),
    "obi4wan_unicode_url.csv": _rows("03-06-2014 12:00;x;a;b;;https://x.com/\u0663/status/123",
                                     header="Datum;Kanaal;Bericht;Geplaatst door (optioneel);Mentions;Url").encode(),
}
EDGES["plain_lf_copy.csv"] = EDGES["plain_lf.csv"]  # the same bytes: loaded once


def _land_edges(landing: Path) -> None:
    folder = landing / "webcare_csv" / "edges"
    folder.mkdir(parents=True)
    for name, data in EDGES.items():
        (folder / name).write_bytes(data)
    coosto = landing / "webcare_csv" / "coosto"
    coosto.mkdir()
    (coosto / "export.csv").write_bytes(b"datum;bericht tekst;auteur;url;type\r\n"
                                        b"13-05-2014 09:51;@zwolle hoi;pjansen;https://twitter.com/p/status/466;twitter\r\n")
    for fixture in (FIXTURES / "webcare_csv").glob("*.csv"):
        (landing / "webcare_csv" / fixture.name).write_bytes(fixture.read_bytes())


#: The exports SQL must take itself (all others hold something it leaves to the parser).
TAKEN = {f"webcare_csv/edges/{name}" for name in (
    "plain_lf.csv", "quoted_crlf.csv", "cp1252_plain.csv", "clock_changes.csv", "mentions.csv", "handles.csv",
    "header_only.csv", "cr_only.csv",
    "cr_only_quoted_lf.csv", "lf_quoted_crlf.csv", "upper_header.csv", "reordered.csv", "obi4wan.csv",
    "registry_platforms.csv")} | {
    "webcare_csv/coosto/export.csv", "webcare_csv/coosto_export_mei_2014.csv"}


def _spied(taken: list[str]) -> Source:
    """WEBCARE_CSV whose bulk loader notes the labels of the files it took, and checks that it shapes them
    outside the group's transaction (inside it, every table the shaping drops would be held until the commit)."""

    def spy(con: duckdb.DuckDBPyConnection, files: list[BulkFile]) -> ShapedPart:
        con.begin()  # fails within a transaction
        con.rollback()
        part = shape_group(con, files)
        taken.extend(part.taken)
        return part

    return replace(WEBCARE_CSV, bulk=spy)


@pytest.mark.parametrize("chunk", [plan._CHUNK, 37])  # 37 bytes: quoted fields straddle the chunks
def test_webcare_parser_and_bulk_reader_agree_on_edge_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              chunk: int) -> None:
    monkeypatch.setattr(plan, "_CHUNK", chunk)
    taken: list[str] = []
    written = _load_both(tmp_path, monkeypatch, _spied(taken), _land_edges)
    assert written["bulk"] == written["parser"]
    assert len(written["bulk"]["rows"]) > 150
    assert written["bulk"]["rejected_rows"] and written["bulk"]["quarantined_files"]
    assert set(taken) == TAKEN


#: A profile with every setting the bulk reader reads: a ',' separator, a direction map and a conversation id.
COMMA_PROFILE = """field,column,transform
separator,,comma
bericht_id,id,
datum,tijd,
kanaal,medium,
account,kanaalaccount,
auteur,van,
richting,richting,map:IN=inkomend|Uit=uitgaand
in_antwoord_op,antwoord op,
tekst,tekst,
gesprek_id,gesprek,
"""
COMMA_HEADER = "id,gesprek,tijd,medium,kanaalaccount,van,richting,antwoord op,tekst"
COMMA_EDGES: dict[str, bytes] = {
    "komma.csv": _rows('1,g-1,03-06-2024 12:00,WhatsApp,Gem,+31 6 1,in,,"vraag, met komma; en puntkomma"',
                       '2,g-1,03-06-2024 12:05,whatsapp,gem,Agent,UIT,1,"antwoord\r\nover ""twee"" regels"',
                       "3,,03-06-2024 12:06,linkedin,gem,b,,,zonder gesprek of richting",
                       "4,g-1,03-06-2024 12:07,whatsapp,gem,+31 6 1,In,2,", header=COMMA_HEADER).encode(),
    "komma_lf.csv": _rows("5,g-2,30-03-2025 02:30,whatsapp,gem,a,IN,,zomertijd", header=COMMA_HEADER,
                          end="\n").encode(),
    "komma_unmapped_direction.csv": _rows("6,g-3,03-06-2024 12:00,whatsapp,gem,a,inkomend,,",
                                          header=COMMA_HEADER).encode(),
    "komma_excel_conversation.csv": _rows("7,4.5E+17,03-06-2024 12:00,whatsapp,gem,a,IN,,",
                                          header=COMMA_HEADER).encode(),
    "komma_bad_quotes.csv": _rows('8,g-4,03-06-2024 12:00,whatsapp,gem,a"b,IN,,', header=COMMA_HEADER).encode(),
    "komma_too_long.csv": _rows("9,g-5,03-06-2024 12:00,whatsapp,gem,a,IN,,een,twee", header=COMMA_HEADER).encode(),
    "komma_read_as_semicolons.csv": _rows("10,03-06-2024 12:00,x,gem,a,,,", header=HEADER.replace(";", ",")).encode(),
    "puntkomma.csv": EDGES["plain_lf.csv"],
}


@pytest.mark.parametrize("chunk", [plan._CHUNK, 37])  # 37 bytes: quoted fields straddle the chunks
def test_both_readers_agree_on_a_profile_with_its_own_separator_direction_values_and_conversations(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """A ','-separated profile (with a direction map and conversation ids) beside the ';' ones: SQL takes its
    plain files, shaped as the parser shapes them, and leaves rejects and odd quoting to the parser."""
    (tmp_path / "komma.csv").write_text(COMMA_PROFILE, encoding="utf-8")
    with_comma = {**profiles.load_profiles(), "komma": profiles._read_profile(tmp_path / "komma.csv")}
    monkeypatch.setattr(profiles, "load_profiles", lambda: with_comma)
    monkeypatch.setattr(plan, "_CHUNK", chunk)

    def land(landing: Path) -> None:
        folder = landing / "webcare_csv"
        folder.mkdir(parents=True)
        for name, data in COMMA_EDGES.items():
            (folder / name).write_bytes(data)

    taken: list[str] = []
    written = _load_both(tmp_path, monkeypatch, _spied(taken), land)
    assert written["bulk"] == written["parser"]
    assert sorted(taken) == ["webcare_csv/komma.csv", "webcare_csv/komma_lf.csv", "webcare_csv/puntkomma.csv"]
    rows = {row[0]: row for row in duckdb.connect(str(tmp_path / "bulk" / "warehouse.duckdb")).execute(
        "SELECT message_id, direction, conversation_id, text FROM raw.webcare_csv_messages").fetchall()}
    assert rows["1"] == ("1", "inkomend", "g-1", "vraag, met komma; en puntkomma")
    assert rows["2"] == ("2", "uitgaand", "g-1", 'antwoord\r\nover "twee" regels')
    assert rows["3"] == ("3", None, None, "zonder gesprek of richting")
    assert rows["4"][:3] == ("4", "inkomend", "g-1")
    assert [(r[0], r[2]) for r in written["bulk"]["rejected_rows"]] == [
        ("webcare_csv/komma_excel_conversation.csv", "gesprek_id '4.5E+17' was mangled by Excel (digits lost)"),
        ("webcare_csv/komma_too_long.csv", "10 fields, the header has 9"),
        ("webcare_csv/komma_unmapped_direction.csv", "richting 'inkomend' is not in or uit"),
    ]
    # a ',' header of the standard columns is no profile's: rejected with the reason a ';' file always had
    assert [(f[0], f[2][:40]) for f in written["bulk"]["quarantined_files"]] == [
        ("webcare_csv/komma_read_as_semicolons.csv", "missing column(s) bericht_id, datum, kan")]


def test_a_file_duckdb_fails_on_goes_to_the_parser_and_the_others_stay_in_bulk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ingestion.framework")
    def land(landing: Path) -> None:
        folder = landing / "webcare_csv"
        folder.mkdir(parents=True)
        (folder / "gewoon.csv").write_bytes(EDGES["plain_lf.csv"])
        # A line above DuckDB's maximum line size (2 MB): its error names the file, which the loader drops.
        (folder / "lange_regel.csv").write_text(_rows("1;03-06-2014 12:00;x;gem;a;;;" + "x" * 2_200_000))

    taken: list[str] = []
    written = _load_both(tmp_path, monkeypatch, _spied(taken), land)
    assert written["bulk"] == written["parser"]
    assert taken == ["webcare_csv/gewoon.csv"]
    failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("bulk read of 2 file(s) failed")]
    assert failed and failed[0].endswith(": webcare_csv/lange_regel.csv")  # named, not found by halving
    assert [row[0] for row in written["bulk"]["quarantined_files"]] == ["webcare_csv/lange_regel.csv"]


def test_files_whose_records_come_interleaved_go_to_the_parser(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Records are numbered from their file's first rowid: should a reader ever interleave two files, those
    files go to the parser (their lines would be wrong), and the load is still the parser's."""
    read = bulk._read

    def interleaved(con: duckdb.DuckDBPyConnection, layout: Any, paths: list[str]) -> None:
        read(con, layout, paths)
        con.execute("""CREATE OR REPLACE TEMP TABLE _wc_read AS SELECT * FROM _wc_read
                       ORDER BY row_number() OVER (PARTITION BY filename ORDER BY rowid), filename""")

    def land(landing: Path) -> None:
        folder = landing / "webcare_csv"
        folder.mkdir(parents=True)
        for name in ("een.csv", "twee.csv"):
            rows = (f"{name[0]}{i};03-06-2014 12:00;x;gem;a;;;" for i in range(5))
            (folder / name).write_bytes(_rows(*rows).encode())

    monkeypatch.setattr(bulk, "_read", interleaved)
    taken: list[str] = []
    written = _load_both(tmp_path, monkeypatch, _spied(taken), land)
    assert written["bulk"] == written["parser"]
    assert taken == []


def test_webcare_parser_and_bulk_reader_agree_on_demo_exports(demo_landing: Path, tmp_path: Path,  # noqa: F811
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    taken: list[str] = []
    exports, land = _land_demo(demo_landing, "webcare_csv")
    written = _load_both(tmp_path, monkeypatch, _spied(taken), land)
    assert written["bulk"] == written["parser"]
    assert len(taken) == len(exports) > 20


def test_the_trimmed_characters_are_those_str_strip_removes() -> None:
    assert PY_WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    # _trim looks for whitespace only at an end outside '!'..'~'
    assert not any(33 <= ord(c) <= 126 for c in PY_WHITESPACE)


def test_duckdb_lowers_every_character_as_python_does_but_the_guarded_ones() -> None:
    chars = [chr(c) for c in range(0x20, 0x30000) if not 0xD800 <= c < 0xE000]
    [(lowered,)] = duckdb.sql("SELECT list_transform($1, lambda c: lower(c))", params=[chars]).fetchall()
    differ = "".join(c for c, low in zip(chars, lowered, strict=True) if c.lower() != low)
    assert differ == "\u0130" and differ in _LOWER_DIFFERS
    assert "\u03a3" in _LOWER_DIFFERS and "\u03a3\u03a3".lower() != "\u03c3\u03c3"  # final sigma: context


@pytest.mark.parametrize(("day", "offset"), [
    (date(2014, 3, 29), 3600), (date(2014, 3, 30), None), (date(2014, 3, 31), 7200),
    (date(2014, 10, 26), None), (date(2024, 7, 1), 7200), (date(1950, 7, 1), 3600),
])
def test_a_day_has_one_utc_offset_unless_the_clocks_change(day: date, offset: int | None) -> None:
    assert utc_offset(day) == offset


def test_a_day_with_one_utc_offset_converts_every_minute_as_to_utc() -> None:
    """Every day of 1970-2099 (the years SQL converts) whose offset could change (UTC noon to noon) is checked
    every quarter of an hour and at each hour's last second; on the other days the offset is the same all day."""
    noon, candidates = datetime(1969, 12, 31, 12, tzinfo=UTC), set()
    previous = noon.astimezone(AMSTERDAM).utcoffset()
    while noon.year < 2100:
        noon += timedelta(days=1)
        offset = noon.astimezone(AMSTERDAM).utcoffset()
        if offset != previous:
            candidates |= {noon.date() - timedelta(days=1), noon.date()}
        previous = offset
    assert len(candidates) == 4 * len(range(1977, 2100))  # two changes a year since 1977
    for day in sorted(candidates):
        offset = utc_offset(day)
        start = datetime.combine(day, datetime.min.time())
        times = [start + timedelta(minutes=15 * q) for q in range(96)]
        times += [start + timedelta(hours=h, minutes=59, seconds=59) for h in range(24)]
        if offset is not None:
            assert all(to_utc(t) == (t - timedelta(seconds=offset)).replace(tzinfo=UTC) for t in times), day
    assert utc_offset(date(2014, 3, 30)) is None and utc_offset(date(2014, 10, 26)) is None
