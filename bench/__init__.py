"""Benchmarks: load throughput and memory per format against DuckDB's own readers and a pandas peer, and
the pipeline's dbt, validation, publish and end-to-end times (``python -m bench``, ``make bench``)."""
