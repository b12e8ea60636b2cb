"""Bluesky (AT Protocol) API bodies: author feeds, threads and notifications, one response per file.

``parser.py`` streams a body in Python and defines what it means. There is no bulk reader yet: Bluesky bodies are
few next to X and Facebook pages, and every one goes through the parser.
"""

from ingestion.framework import Source
from ingestion.social.bluesky.parser import SOURCE_SYSTEM, TABLE, parse
from ingestion.social.messages import MESSAGE_COLUMNS

BLUESKY = Source(name=SOURCE_SYSTEM, table=TABLE, columns=MESSAGE_COLUMNS, parse=parse)

__all__ = ["BLUESKY", "parse"]
