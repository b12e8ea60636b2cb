"""Social-media loaders: one package per export format, all landing in the same message schema (``messages.py``).

Each format package defines its :class:`ingestion.framework.Source` once, with its two readers: ``parser.py``
(streaming Python, which defines what a file means) and ``bulk.py`` (DuckDB SQL, which takes only the files it
shapes exactly as the parser would). :data:`SOURCES` lists them in load order.
"""

from ingestion.social.bluesky import BLUESKY
from ingestion.social.facebook_graph import FACEBOOK_GRAPH
from ingestion.social.instagram_graph import INSTAGRAM_GRAPH
from ingestion.social.mastodon_api import MASTODON_API
from ingestion.social.mastodon_archive import MASTODON_ARCHIVE
from ingestion.social.webcare import WEBCARE_CSV
from ingestion.social.x_api import X_API
from ingestion.social.x_archive import X_ARCHIVE

SOURCES = (X_API, X_ARCHIVE, FACEBOOK_GRAPH, INSTAGRAM_GRAPH, BLUESKY, MASTODON_API, MASTODON_ARCHIVE, WEBCARE_CSV)

__all__ = ["BLUESKY", "FACEBOOK_GRAPH", "INSTAGRAM_GRAPH", "MASTODON_API", "MASTODON_ARCHIVE", "SOURCES",
           "WEBCARE_CSV", "X_API", "X_ARCHIVE"]
