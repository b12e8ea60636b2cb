"""Mastodon account archives (``.tar.gz`` with ``outbox.json``), read by ``parser.py``: the account's own posts
and boosts. What it shares with the API format is in ``ingestion/social/mastodon_api/content.py``. No bulk reader:
an archive is one unit, streamed."""

from ingestion.framework import Source
from ingestion.social.mastodon_archive.parser import COLUMNS, SOURCE_SYSTEM, TABLE, parse

MASTODON_ARCHIVE = Source(name=SOURCE_SYSTEM, table=TABLE, columns=COLUMNS, parse=parse)

__all__ = ["MASTODON_ARCHIVE", "parse"]
