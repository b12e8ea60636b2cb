"""Facebook Graph API page feeds: one format, read two ways that must agree (``tests/ingestion/social``).

``parser.py`` streams a feed in Python and defines what a feed means; ``bulk.py`` reads groups of feeds in DuckDB
and takes only the feeds it shapes exactly as the parser would.
"""

from ingestion.framework import Source
from ingestion.social.facebook_graph.bulk import shape_group
from ingestion.social.facebook_graph.parser import SOURCE_SYSTEM, TABLE, parse
from ingestion.social.messages import MESSAGE_COLUMNS

#: ~3 messages per kB of page: a bulk group of 64 MB inserts more than a row group, read in parts of 32 MB.
FACEBOOK_GRAPH = Source(name=SOURCE_SYSTEM, table=TABLE, columns=MESSAGE_COLUMNS, parse=parse,
                        bulk=shape_group, bulk_group_bytes=64 << 20, bulk_part_bytes=32 << 20)

__all__ = ["FACEBOOK_GRAPH", "parse"]
