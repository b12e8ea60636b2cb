"""Mastodon API response bodies (statuses, mention notifications, contexts), read by ``parser.py``.

``content.py`` holds what this format shares with the account archive (``ingestion/social/mastodon_archive``):
HTML content as text, ``name@server`` addresses, times. No bulk reader yet: bodies are small and few (a
municipality's mentions), so every body streams through the parser.
"""

from ingestion.framework import Source
from ingestion.social.mastodon_api.parser import COLUMNS, SOURCE_SYSTEM, TABLE, parse

MASTODON_API = Source(name=SOURCE_SYSTEM, table=TABLE, columns=COLUMNS, parse=parse)

__all__ = ["MASTODON_API", "parse"]
