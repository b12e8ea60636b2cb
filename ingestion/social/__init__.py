"""Social-media loaders: one module per export format, all landing in the same message schema.

Each module exposes a :class:`ingestion.framework.loading.Source`; :data:`SOURCES` lists them in load order.
"""

from ingestion.social.facebook_graph import FACEBOOK_GRAPH
from ingestion.social.webcare_csv import WEBCARE_CSV
from ingestion.social.x_api import X_API
from ingestion.social.x_archive import X_ARCHIVE

SOURCES = (X_API, X_ARCHIVE, FACEBOOK_GRAPH, WEBCARE_CSV)

__all__ = ["FACEBOOK_GRAPH", "SOURCES", "WEBCARE_CSV", "X_API", "X_ARCHIVE"]
