"""The Assets the DAGs hand over through, defined once: each loader family updates one raw Asset."""

from airflow.sdk import Asset

RAW_CBS = Asset("dialoog://raw/cbs")
RAW_CHANNELS = Asset("dialoog://raw/channels")
RAW_SOCIAL = Asset("dialoog://raw/social")
RAW_SURVEY = Asset("dialoog://raw/survey")
PUBLISHED_WAREHOUSE = Asset("dialoog://serving/warehouse")

RAW_ASSETS = (RAW_CBS, RAW_CHANNELS, RAW_SOCIAL, RAW_SURVEY)
