"""Data-quality guard of Dialoog: Great Expectations suites per load and per mart, results in schema ``dq``.

Importing this package (or :mod:`expectations.runner`, :mod:`expectations.suites`) is cheap: Great
Expectations itself is imported only when a suite actually runs, so DAG files may import from here.
"""

import os

# Great Expectations sends no usage statistics from Dialoog: GX 1.24.1 has no analytics code left (the
# contexts also set ``analytics_enabled=False``), and the variable older and future GX versions read at
# import time is set before any part of this package imports GX.
os.environ["GX_ANALYTICS_ENABLED"] = "false"
