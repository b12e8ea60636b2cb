"""Command line: ``python -m dashboards [--check]`` writes or checks ``superset/bundle/``."""

from __future__ import annotations

import argparse
import sys

from . import render, stale_and_changed, write


def main(argv: list[str] | None = None) -> int:
    """Write the bundle; with ``--check`` report differences and exit 1 instead."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check that bundle/ is current")
    args = parser.parse_args(argv)
    files = render()
    stale, changed = stale_and_changed(files)
    if args.check:
        for line in [f"stale: {p}" for p in stale] + [f"changed: {n}" for n in changed]:
            print(line, file=sys.stderr)
        return 1 if stale or changed else 0
    write(files)
    print(f"bundle: {len(files)} files, {len(changed)} written, {len(stale)} removed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
