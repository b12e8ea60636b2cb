"""Command line: ``python -m demo --home DIR [--scale 1] [--seed 42] [--measure] [--no-bad-day]``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from core.settings import get_settings

DEMO_SCALE = 0.05


def main(argv: list[str] | None = None) -> int:
    """Generate the demo landing zone (and optionally measure the figures back from the files)."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--home", type=Path, default=None, help="DIALOOG_HOME to write into (default: settings)")
    parser.add_argument("--scale", type=float, default=DEMO_SCALE,
                        help=f"1 = a realistic national year (about a million messages in all); default {DEMO_SCALE}")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--measure", action="store_true", help="afterwards, recompute the figures from the files")
    parser.add_argument("--no-bad-day", action="store_true",
                        help="without the bad day's broken files (the benchmarks time the readers on valid exports)")
    args = parser.parse_args(argv)
    home = (args.home or get_settings().home).resolve()
    if (home / "landing").exists() and any((home / "landing").rglob("*.json")):
        print(f"note: {home / 'landing'} already holds files; same-seed files are overwritten", file=sys.stderr)
    from demo.generate import Generator

    started = time.monotonic()
    volumes = Generator(home, args.scale, args.seed, bad_day=not args.no_bad_day).run()
    print(f"demo data (scale {args.scale}, seed {args.seed}) written to {home / 'landing'} "
          f"in {time.monotonic() - started:.1f} s: {sum(volumes.values())} messages")
    if args.measure:
        from demo.measure import measure_landing

        print(json.dumps(measure_landing(home / "landing"), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
