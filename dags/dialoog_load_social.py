"""
### Load social-media exports

Loads X API v2 pages (`landing/x_api/`), X account archives as ZIP or folder (`landing/x_archive/`),
Facebook Graph page feeds (`landing/facebook_graph/`) and webcare-tool CSV exports (`landing/webcare_csv/`)
into one raw table per format, streamed, with lineage on every row. Citizen identities are pseudonymised
with a keyed hash (HMAC-SHA256) at load. A malformed file is quarantined whole; a bad row alone.
A file loads once (by its SHA-256) and all or nothing; the task is skipped when nothing new was found.
"""

from __future__ import annotations

from airflow.sdk import DAG
from shared.assets import RAW_SOCIAL
from shared.loader_dag import loader_dag

dag: DAG = loader_dag("social", RAW_SOCIAL, schedule="@hourly", doc_md=__doc__)
