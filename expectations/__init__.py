"""Data-quality guard of Dialoog: Great Expectations suites per load and per mart, results in schema ``dq``.

Importing this package (or :mod:`expectations.runner`, :mod:`expectations.suites`) is cheap: Great
Expectations itself is imported only when a suite actually runs, so DAG files may import from here.
"""
