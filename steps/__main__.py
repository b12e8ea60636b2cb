"""``python -m steps rollback`` (``make rollback``): put the previously published warehouse back."""

from __future__ import annotations

import logging
import sys

from core.settings import get_settings
from steps.publish import rollback

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if sys.argv[1:] != ["rollback"]:
        sys.exit("usage: python -m steps rollback")
    rollback(get_settings())
