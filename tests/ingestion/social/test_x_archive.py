"""X archives (ZIP or unzipped folder) load the owner's tweets; broken archives are quarantined whole."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings
from ingestion.framework import FileRejected, load_source
from ingestion.social import x_archive
from ingestion.social.x_archive import X_ARCHIVE
from tests.ingestion.social.support import FIXTURES, land, table_snapshot

ZIP, FOLDER = "vraagbaak_gemeente_2024.zip", "zwolle_crisis_archief"
COLUMNS = ("source_file, source_position, message_id, author_id, author_handle, created_at, in_reply_to_id, "
           "in_reply_to_author_id, mentions, is_retweet, channel_account_id, channel_handle")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_zip_and_folder_load_to_the_expected_messages(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "x_archive", ZIP, FOLDER)
    report = load_source(con, X_ARCHIVE, settings)
    # The unzipped folder is ONE load unit, not one per file inside it.
    assert report.files_loaded == [f"x_archive/{ZIP}", f"x_archive/{FOLDER}"]
    rows = con.execute(f"SELECT {COLUMNS} FROM raw.x_archive_messages ORDER BY source_file, source_position")
    z, f = f"x_archive/{ZIP}", f"x_archive/{FOLDER}"
    owner, crisis = ("112233445", "vraagbaak_gemeente"), ("9007199254740993", "zwolle_crisis")
    assert rows.fetchall() == [
        (z, "data/tweets-part1.js[0]", "450012345678901234", *owner, utc(2014, 3, 30, 1, 5),
         "450008012345678901", "20987654", ["fietser_henk"], False, *owner),
        (z, "data/tweets-part1.js[1]", "450100000000000000", *owner, utc(2014, 3, 30, 7, 30),
         None, None, ["brandweer_regio"], True, *owner),
        (z, "data/tweets.js[0]", "1765021987654321098", *owner, utc(2024, 3, 5, 14, 30, 9),
         "1765003412398765432", "1234567890123456789", ["burger_anna"], False, *owner),
        (z, "data/tweets.js[1]", "1764990000000000000", *owner, utc(2024, 3, 5, 12),
         None, None, [], False, *owner),
        (f, "data/tweet.js[0]", "466123456789012345", *crisis, utc(2014, 5, 13, 7, 51, 12),
         None, None, ["vraagbaak_gemeente"], False, *crisis),
        (f, "data/tweet.js[1]", "466130000000000001", *crisis, utc(2014, 5, 13, 8, 20),
         "466125000000000000", "30111222", ["pjansen"], False, *crisis),
    ]


def test_text_is_html_unescaped_and_emoji_survive(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "x_archive", ZIP)
    load_source(con, X_ARCHIVE, settings)
    [(text,)] = con.execute(
        "SELECT text FROM raw.x_archive_messages WHERE message_id = '450012345678901234'").fetchall()
    assert text == ("@Fietser_Henk Dank voor je melding! De gemeentewerf is onderweg & zet de tunnel af "
                    "<3 uur>. ^Marieke 🚧")


def test_loading_twice_changes_nothing(settings: Settings, con: duckdb.DuckDBPyConnection) -> None:
    land(settings, "x_archive", ZIP, FOLDER)
    load_source(con, X_ARCHIVE, settings)
    before = table_snapshot(con, "x_archive_messages")
    again = load_source(con, X_ARCHIVE, settings)
    assert (again.files_skipped, again.rows_loaded) == (2, 0)
    assert table_snapshot(con, "x_archive_messages") == before


def test_broken_archives_are_quarantined_with_their_reason(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "x_archive", ZIP)
    load_source(con, X_ARCHIVE, settings)
    before = table_snapshot(con, "x_archive_messages")
    land(settings, "x_archive", "zonder_tweets.zip", "afgebroken_download.zip")
    report = load_source(con, X_ARCHIVE, settings)
    assert sorted(label for label, _ in report.files_quarantined) == [
        "x_archive/afgebroken_download.zip", "x_archive/zonder_tweets.zip"]
    quarantine = settings.quarantine / "x_archive"
    assert "archive holds no tweets" in (quarantine / "zonder_tweets.zip.reason").read_text()
    assert "unreadable ZIP" in (quarantine / "afgebroken_download.zip.reason").read_text()
    assert table_snapshot(con, "x_archive_messages") == before


def test_a_folder_without_account_is_quarantined_whole(
    settings: Settings, con: duckdb.DuckDBPyConnection
) -> None:
    land(settings, "x_archive", FOLDER)
    (settings.landing / "x_archive" / FOLDER / "data" / "account.js").unlink()
    report = load_source(con, X_ARCHIVE, settings)
    assert [label for label, _ in report.files_quarantined] == [f"x_archive/{FOLDER}"]
    assert (settings.quarantine / "x_archive" / FOLDER / "data" / "tweet.js").exists()
    assert "owner is unknown" in (settings.quarantine / "x_archive" / f"{FOLDER}.reason").read_text()


def test_a_data_file_is_never_evaluated(tmp_path: Path) -> None:
    folder = tmp_path / "archief"
    shutil.copytree(FIXTURES / "x_archive" / FOLDER, folder)
    tweets = folder / "data" / "tweet.js"
    array = tweets.read_text().split("[", 1)[1]
    tweets.write_text("require('child_process').exec('rm -rf /'); var x = [" + array)
    with pytest.raises(FileRejected, match="not an archive data file"):
        list(x_archive.parse(folder))


def test_discover_finds_archives_at_any_depth(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "x_archive" / FOLDER, tmp_path / "2014" / FOLDER)
    (tmp_path / "2024").mkdir()
    shutil.copyfile(FIXTURES / "x_archive" / ZIP, tmp_path / "2024" / ZIP)
    (tmp_path / "leesmij.txt").write_text("geen archief")
    assert list(x_archive.discover(tmp_path)) == [
        tmp_path / "2014" / FOLDER, tmp_path / "2024" / ZIP, tmp_path / "leesmij.txt"]
