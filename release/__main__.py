"""``python -m release --home DIR [--root DIR] [--allow-stale]``: make a release and print its folder;
``python -m release --verify FOLDER``: check a release's files and version against its manifest."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m release", description=__doc__)
    parser.add_argument("--home", type=Path, default=Path(os.environ.get("DIALOOG_HOME") or "var"),
                        help="DIALOOG_HOME (default: $DIALOOG_HOME or ./var)")
    parser.add_argument("--root", type=Path, help="where releases go (default: HOME/releases)")
    parser.add_argument("--allow-stale", action="store_true",
                        help="release the published warehouse even though a run failed after it was published")
    parser.add_argument("--verify", type=Path, metavar="FOLDER", help="verify a release folder instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="release: %(message)s", stream=sys.stderr)

    from release.build import make_release, verify_release
    from release.state import ReleaseError

    try:
        if args.verify:
            print(f"release {verify_release(args.verify)} verified: {args.verify}")
        else:
            print(make_release(args.home, args.root, allow_stale=args.allow_stale))
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
