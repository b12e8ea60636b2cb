"""``python -m factsheets --home DIR [--year Y ...] [--limit N] [--gm GM0363 ...] [--no-pdf]``: render the fact
sheets of the published warehouse and print the index page's path (docs/factsheets.md)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m factsheets", description=__doc__)
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("DIALOOG_HOME") or "var"),
                        help="DIALOOG_HOME (default: $DIALOOG_HOME or ./var)")
    parser.add_argument("--year", type=int, action="append", help="a report year (repeatable; default: all)")
    parser.add_argument("--limit", type=int, help="at most N municipalities per year (by code; for a quick look)")
    parser.add_argument("--gm", action="append", metavar="GM_CODE", help="only this municipality (repeatable)")
    parser.add_argument("--no-pdf", action="store_true", help="HTML only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="factsheets: %(message)s", stream=sys.stderr)

    from factsheets.data import FactsheetError
    from factsheets.render import make_factsheets

    try:
        result = make_factsheets(args.home, args.year, args.limit, args.gm, pdf=not args.no_pdf)
    except FactsheetError as error:
        print(f"factsheets: {error}", file=sys.stderr)
        return 1
    if result.message.startswith("no Chromium"):
        print(f"factsheets: {result.message}", file=sys.stderr)
    print(result.folder / "index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
