"""Citable releases of the published warehouse (``make release``, ``python -m release``; docs/release.md).

One job: export the published, read-only warehouse (``$DIALOOG_HOME/serving/warehouse.duckdb``) as a versioned,
privacy-safe dataset: Parquet and CSV per report mart and dimension, a Frictionless Data Package descriptor, a
manifest and a README in Dutch and English. Never reads the build warehouse.
"""
