"""Exports of webcare tools (``webcare_csv``): one format, read two ways that must agree (``tests/ingestion/social``).

``parser.py`` reads an export with csv.reader and defines what it means; ``bulk.py`` reads groups of exports in
DuckDB (``plan.py`` picks the ones it reads exactly as the parser does). Column profiles: ``profiles.py`` (the data
in ``ingestion/social/profiles``); Amsterdam local time: ``clock.py``.
"""

from ingestion.framework import Source
from ingestion.social.messages import MESSAGE_COLUMNS
from ingestion.social.webcare.bulk import shape_group
from ingestion.social.webcare.parser import SOURCE_SYSTEM, TABLE, parse

#: DuckDB streams a CSV and the check above reads it in pieces, so a big export (a city's year: 10+ MB) goes to
#: bulk too; at scale 10 the two biggest went through the parser at 8 MB and made webcare 2.9x the floor.
BULK_MAX_BYTES = 512 << 20

WEBCARE_CSV = Source(name=SOURCE_SYSTEM, table=TABLE, columns=MESSAGE_COLUMNS, parse=parse, bulk=shape_group,
                     bulk_max_bytes=BULK_MAX_BYTES)

__all__ = ["WEBCARE_CSV", "parse"]
