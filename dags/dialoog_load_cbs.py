"""
### Load CBS reference data

Loads the CBS municipality lists (one per year), the mergers (herindelingen) and the inhabitants per
municipality: first the lists shipped with the project (2012–2025), then whatever lies in
`$DIALOOG_HOME/landing/cbs_gemeenten/`, `cbs_herindelingen/` and `cbs_bevolking/`. A file loads once (by
its SHA-256) and all or nothing; a malformed file is moved to `$DIALOOG_HOME/quarantine/<source>/` with a
`.reason` file. The task is skipped when nothing new was found, so no rebuild follows.
"""

from __future__ import annotations

from airflow.sdk import DAG
from shared.assets import RAW_CBS
from shared.loader_dag import loader_dag

dag: DAG = loader_dag("cbs", RAW_CBS, schedule="@hourly", doc_md=__doc__)
