"""Instagram Graph API comments (FORMATS.md §5): media pages of a municipality's account, or comments pages; one
format, read two ways that must agree (``tests/ingestion/social/test_bulk.py``).

``parser.py`` streams a page in Python and defines what it means; ``bulk.py`` reads groups of pages in DuckDB and
takes only the pages it shapes exactly as the parser would.
"""

from ingestion.framework import Source
from ingestion.social.instagram_graph.bulk import shape_group
from ingestion.social.instagram_graph.parser import SOURCE_SYSTEM, TABLE, parse
from ingestion.social.messages import MESSAGE_COLUMNS

#: ~3.9 messages per kB of page: a bulk group of 32 MB inserts about a row group, read in parts of 16 MB.
INSTAGRAM_GRAPH = Source(name=SOURCE_SYSTEM, table=TABLE, columns=MESSAGE_COLUMNS, parse=parse,
                         bulk=shape_group, bulk_group_bytes=32 << 20, bulk_part_bytes=16 << 20)

__all__ = ["INSTAGRAM_GRAPH", "parse"]
