"""X account archives of municipal accounts: one format, read two ways that must agree (``tests/ingestion/social``).

``parser.py`` finds archives (ZIPs or unzipped folders), streams their tweets in Python and defines what an archive
means; ``bulk.py`` unpacks groups of archives for DuckDB and takes only the archives it shapes exactly as the
parser would.
"""

from ingestion.framework import Source
from ingestion.social.messages import MESSAGE_COLUMNS
from ingestion.social.x_archive.bulk import shape_group, unpacked_tweets
from ingestion.social.x_archive.parser import SOURCE_SYSTEM, TABLE, discover, parse

#: Archives are weighed and grouped by their unpacked tweets (what DuckDB reads), 8 MB a group; an archive is one
#: unit, so a bigger one is a group of its own. DuckDB streams the arrays element by element, but a group's tables
#: grow with its archive (an 88 MB one peaked at 525-550 MB in bulk, 361-364 MB through the parser): an archive of more
#: than 32 MB of tweets streams through the parser.
X_ARCHIVE = Source(name=SOURCE_SYSTEM, table=TABLE, columns=MESSAGE_COLUMNS, parse=parse, discover=discover,
                   bulk=shape_group, bulk_weight=unpacked_tweets, bulk_max_bytes=32 << 20, bulk_group_bytes=8 << 20)

__all__ = ["X_ARCHIVE", "discover", "parse", "unpacked_tweets"]
