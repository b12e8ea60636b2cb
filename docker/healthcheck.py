"""Container health check: exit 0 when the URL answers 2xx within a few seconds, else 1.

Used by docker-compose.yml for the web services (the slim images have no curl).
"""

from __future__ import annotations

import sys
import urllib.request


def healthy(url: str, timeout: float = 5.0) -> bool:
    """Whether ``url`` answers with a 2xx status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if len(sys.argv) == 2 and healthy(sys.argv[1]) else 1)
