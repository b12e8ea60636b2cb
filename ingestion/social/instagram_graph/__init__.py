"""Instagram Graph API comments (FORMATS.md §5): media pages of a municipality's account, or comments pages.

``parser.py`` streams a page in Python and defines what it means (no bulk SQL reader yet: Instagram volumes are
small next to X and Facebook, and every file goes through the parser).
"""

from ingestion.framework import Source
from ingestion.social.instagram_graph.parser import SOURCE_SYSTEM, TABLE, parse
from ingestion.social.messages import MESSAGE_COLUMNS

INSTAGRAM_GRAPH = Source(name=SOURCE_SYSTEM, table=TABLE, columns=MESSAGE_COLUMNS, parse=parse)

__all__ = ["INSTAGRAM_GRAPH", "parse"]
