"""Suite for every social-media message load (X API, X archive, Facebook Graph, webcare CSV).

The four raw tables share one schema (``ingestion/social/messages.py``). A message id twice in one file is
a broken export (fatal); the same message in two files is normal (overlapping API pages) and is merged
in the warehouse, so it is not checked here. ``created_year`` is derived in the query that feeds the suite.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.platforms import platform_codes
from expectations.model import Suite, VolumeCheck
from expectations.suites.building import between, columns_present, in_set, not_null, unique_together

FIRST_YEAR = 2006  # the first tweet


def messages_suite(source: str) -> Suite:
    """Messages of one social source: ids present and unique per file, a platform of the registry (read now, so a
    platform added to the registry is known without a code change), plausible time."""
    return Suite(
        name=source,
        key_columns=("platform", "message_id"),
        description=f"Berichten uit {source} / messages loaded from {source}.",
        volume=VolumeCheck(min_ratio=0.1, severity="warning"),
        rules=(
            columns_present(("platform", "message_id", "created_at", "author_key", "is_retweet")),
            not_null("message_id", "fatal", "Elk bericht heeft een id / every message has an id."),
            in_set("platform_known", "platform", platform_codes(), "fatal",
                   "Platform staat in het platformregister / platform is in the platform registry."),
            unique_together("message_id_unique_in_file", ("platform", "message_id", "source_file"), "fatal",
                            "Een bericht-id komt één keer voor per bestand / a message id once per file."),
            between("created_in_plausible_years", "created_year", FIRST_YEAR, datetime.now(UTC).year + 1,
                    "error", f"Tijdstip tussen {FIRST_YEAR} en volgend jaar / time is plausible."),
            not_null("author_key", "warning",
                     "Auteur bekend (Facebook verbergt soms de auteur) / author known (Graph may hide it)."),
        ),
    )
