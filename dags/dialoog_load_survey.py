"""
### Load survey answers

Loads the municipalities' survey answers (`landing/survey/`, CSV or XLSX). Typed municipality names are
matched to the CBS code valid in the survey year (exact, known variants, historic names, at most two typing
errors of exactly one municipality); unknown or ambiguous names are quarantined with the candidates.
A file loads once (by its SHA-256) and all or nothing; the task is skipped when nothing new was found.
"""

from __future__ import annotations

from airflow.sdk import DAG
from shared.assets import RAW_SURVEY
from shared.loader_dag import loader_dag

dag: DAG = loader_dag("survey", RAW_SURVEY, schedule="@hourly", doc_md=__doc__)
