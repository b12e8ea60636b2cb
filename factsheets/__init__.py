"""Fact sheets per municipality and year (``make factsheets``, ``python -m factsheets``; docs/factsheets.md).

One job: render, from the published, read-only warehouse (``$DIALOOG_HOME/serving/warehouse.duckdb``) only, one
Dutch HTML page per municipality and report year with a PDF printed from it by one headless Chromium, and an index
page linking them all, under ``$DIALOOG_HOME/reports/factsheets/``. Never reads the build warehouse.
"""
