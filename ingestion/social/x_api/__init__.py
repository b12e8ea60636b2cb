"""X API v2 response pages: one format, read two ways that must agree (``tests/ingestion/social``).

``parser.py`` streams a page in Python and defines what a page means; ``bulk.py`` reads groups of pages in DuckDB
and takes only the pages it shapes exactly as the parser would.
"""

from ingestion.framework import Source
from ingestion.social.messages import MESSAGE_COLUMNS
from ingestion.social.x_api.bulk import shape_group
from ingestion.social.x_api.parser import SOURCE_SYSTEM, TABLE, parse

#: ~2.2 messages per kB of page: a bulk group of 96 MB inserts two row groups, read in parts of 32 MB.
X_API = Source(name=SOURCE_SYSTEM, table=TABLE, columns=MESSAGE_COLUMNS, parse=parse,
               bulk=shape_group, bulk_group_bytes=96 << 20, bulk_part_bytes=32 << 20)

__all__ = ["X_API", "parse"]
