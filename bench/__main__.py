"""``python -m bench --scale 1 [--also 10] [--out docs/benchmarks.md]`` (``make bench``).

Generates demo exports at each scale into a temporary DIALOOG_HOME, measures every format's load (ours,
the DuckDB floor, the pandas peer; each in its own process for its peak memory), runs the whole pipeline
through Airflow and then four hourly increments (``bench/increment.py``; two by ``make pipeline``, two through
the home's Airflow running), and writes the results — with the
machine — into the results file, replacing the section between the ``bench:results`` markers (everything else
in the file is kept). The temporary home is deleted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench.formats import FORMATS
from bench.machine import describe
from bench.report import render
from bench.run import METHODS, ScaleResult, run_scale
from core.settings import PROJECT_ROOT

BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
NOTE = ("The machine is shared with other work: timings carry its load (see the load average above); compare "
        "the ratios, which were measured in the same run, more than absolute seconds.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--also", type=float, action="append", default=[], help="another scale (e.g. 10)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated subset")
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of ours,floor,peer")
    parser.add_argument("--no-pipeline", action="store_true", help="loads only, skip the Airflow pipeline")
    parser.add_argument("--no-dashboards", action="store_true", help="skip timing the charts through Superset")
    parser.add_argument("--increment", action=argparse.BooleanOptionalAction, default=True,
                        help="after the full pipeline run, time four hourly increments through Airflow (default: on)")
    parser.add_argument("--peer-up-to", type=float, default=1.0,
                        help="measure the pandas peer only up to this scale (it only grows linearly; ~30 min at 10)")
    parser.add_argument("--landing", type=Path, action="append", default=[],
                        help="an existing landing zone per scale, in order (instead of generating it)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary homes go (default /tmp)")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="re-render the results file from the JSON a run printed (no measuring)")
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        results = [ScaleResult(**r) for r in saved["results"]]
        write_results(args.out, render(results, saved["machine"], NOTE))
        return 0
    machine = describe()
    workdir = Path(tempfile.mkdtemp(prefix="dialoog-bench-", dir=args.workdir))
    try:
        scales = [args.scale, *args.also]
        landings = [*args.landing, *[None] * len(scales)]
        methods = tuple(args.methods.split(","))
        results: list[ScaleResult] = []
        for scale, landing in zip(scales, landings, strict=False):
            results.append(run_scale(scale, workdir, tuple(args.formats.split(",")),
                                     methods if scale <= args.peer_up_to else tuple(m for m in methods if m != "peer"),
                                     not args.no_pipeline, not args.no_dashboards, landing, args.increment))
            # Written after every scale: a later scale that fails loses nothing measured before it.
            write_results(args.out, render(results, machine, NOTE))
            print(json.dumps({"machine": machine, "results": [asdict(r) for r in results]}), file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({"machine": machine, "results": [asdict(r) for r in results]}, indent=1))
    return 0 if all(r.pipeline_ok and all(i["ok"] for i in r.increments) for r in results) else 1


def write_results(path: Path, section: str) -> None:
    """Put the section between the markers of the results file (appended, with markers, when absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    block = f"{BEGIN}\n{section}{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
