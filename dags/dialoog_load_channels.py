"""
### Load the channel registry

Loads the registry of municipal accounts (`gm_code, platform, account_id, handle, theme, active_from,
active_to`) from `$DIALOOG_HOME/landing/channels/`: which account belongs to which municipality, with its
theme and active period. Rows with an unknown theme, a bad date or a malformed code are quarantined with the reason.
A file loads once (by its SHA-256) and all or nothing; the task is skipped when nothing new was found.
"""

from __future__ import annotations

from airflow.sdk import DAG
from shared.assets import RAW_CHANNELS
from shared.loader_dag import loader_dag

dag: DAG = loader_dag("channels", RAW_CHANNELS, schedule="@hourly", doc_md=__doc__)
