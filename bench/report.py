"""The results file: Markdown tables of what :mod:`bench.run` measured, with the machine."""

from __future__ import annotations

from bench.run import ScaleResult

TARGET_FLOOR_RATIO = 1.5
LOAD_DAGS = ("dialoog_load_cbs", "dialoog_load_channels", "dialoog_load_social", "dialoog_load_survey",
             "dialoog_transform")
#: Issue 30's targets for an hourly increment, end to end through Airflow, by scale (measured, never asserted).
INCREMENT_TARGET_SECONDS = {1.0: 20.0, 10.0: 30.0}


def render(results: list[ScaleResult], machine: dict[str, str], notes: str = "") -> str:
    """The measured results as Markdown (one section per scale, growth when there are two)."""
    lines = ["## Run of " + machine["date"], "", "| machine | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in machine.items() if key != "date"]
    lines.append("")
    if notes:
        lines += [notes, ""]
    for result in results:
        lines += _scale_section(result)
    lines += _increment_section(results)
    if len(results) > 1:
        lines += _growth(results[0], results[-1])
    return "\n".join(lines) + "\n"


def _rate(run: dict[str, float]) -> str:
    return f"{run['rows'] / run['seconds']:,.0f}" if run["seconds"] else "0"


def _scale_section(result: ScaleResult) -> list[str]:
    total_files = sum(result.files.values())
    lines = [f"### Scale {result.scale:g}", "",
             f"Demo exports: {total_files:,} files, {sum(result.megabytes.values()):,.0f} MB, generated in "
             f"{result.generate_seconds:.0f} s.", "",
             "| format | files | MB | messages | ours s | ours msg/s | ours peak MB | floor s | peer s | "
             "peer peak MB | ours / floor | ours / peer | load suite s | load suite peak MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for fmt, runs in result.loads.items():
        ours, floor, peer = runs.get("ours"), runs.get("floor"), runs.get("peer")
        rows = next(iter(runs.values()))["rows"]  # --methods may leave ours out
        lines.append(
            f"| {fmt} | {result.files[fmt]:,} | {result.megabytes[fmt]:,.1f} | {rows:,.0f} | "
            f"{_cell(ours, 'seconds')} | {_rate(ours) if ours else '—'} | {_cell(ours, 'peak_rss_mb', ',.0f')} | "
            f"{_cell(floor, 'seconds')} | {_cell(peer, 'seconds')} | {_cell(peer, 'peak_rss_mb', '.0f')} | "
            f"{_ratio(ours, floor)} | {_ratio(ours, peer)} | {_cell(ours, 'check_seconds', '.1f')} | "
            f"{_cell(ours, 'check_peak_rss_mb', '.0f')} |")
    lines += ["", "*ours* = `load_source` (SHA-256, per-file atomicity, lineage, pseudonyms, rejects); *load suite* = "
              "the GX suite the loader DAG runs over the load (`check_load`), timed apart; peak MB = the "
              "process's peak RSS during the load.", ""]
    if result.dags:
        lines += ["| pipeline step (through Airflow) | seconds |", "|---|---:|"]
        lines += [f"| {dag} | {result.dags[dag]:.0f} |" for dag in LOAD_DAGS if dag in result.dags]
        lines += [f"| — {task} | {seconds:.0f} |" for task, seconds in result.tasks.items()]
        state = "" if result.pipeline_ok else " (FAILED)"
        lines += [f"| **end to end** (`scripts/pipeline.sh`, Airflow start-up included){state} | "
                  f"**{result.dags['end to end']:.0f}** |", ""]
        if result.pipeline_peak_rss_mb:
            lines += [f"Peak memory of the pipeline (its biggest process: Airflow, a task or dbt): "
                      f"**{result.pipeline_peak_rss_mb:,.0f} MB**.", ""]
    if result.dashboards:
        lines += _dashboard_lines(result.dashboards)
    return lines


def _increment_section(results: list[ScaleResult]) -> list[str]:
    """The hourly increments of every scale in one table, against their targets and the full run's peak memory."""
    measured = [(result, run) for result in results for run in result.increments]
    if not measured:
        return []
    lines = ["### Hourly increment", "",
             "One hour of new exports (`bench/increment.py`: new questions and answers on X and Facebook, late "
             "replies to old questions, their webcare copies, an X page delivered again with a message edited) "
             "dropped on the warehouse the scale's full run published, then `scripts/pipeline.sh` again: every "
             "loader DAG, the transform DAG (build, mart suites, publish, audit). Seconds from Airflow's metadata "
             "DB (this run's DAG runs only); end to end is the wall time of the whole script. Each hour follows "
             "the one before on the warehouse it published. *Through*: `make pipeline` starts Airflow for the run "
             "and runs each DAG with `dag.test()` (no services); a *running scheduler* (`make demo`, the compose "
             "services) runs the tasks in its own processes while the script triggers the DAGs through the REST "
             "API, so Airflow's start is not paid each hour; its peak memory is that of Airflow's biggest process "
             "(a task, its dbt), sampled every 0.2 s.", "",
             "| scale | hour | through | new messages | late replies | files | load social s | dbt build s | "
             "mart suites s | publish s | end to end s | target s | peak MB | full run peak MB | transform |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    failures = []
    for result, run in measured:
        if "error" in run:
            failures.append(f"Scale {result.scale:g}, hour {run['hour']} ({run.get('through', '—')}): NOT measured: "
                            f"{run['error']}")
            continue
        target = INCREMENT_TARGET_SECONDS.get(result.scale)
        tasks = run["tasks"]
        plan = run.get("plan_reason") or run.get("plan_mode") or "not recorded"  # the reason starts with the mode
        state = "" if run["ok"] else " (FAILED)"
        lines.append(
            f"| {result.scale:g} | {run['hour']} | {run.get('through', '—')} | {run['messages']:,} | "
            f"{run['late_replies']} | {run['files']:,} | "
            + " | ".join(f"{tasks[t]:.1f}" if t in tasks else "—"
                         for t in ("load social", "dbt build", "validation (mart suites)", "publish"))
            + f" | **{run['seconds']:.1f}**{state} | {f'{target:g}' if target else '—'} | "
            f"{f'{peak:,.0f}' if (peak := run['peak_rss_mb']) else '—'} | "
            f"{result.pipeline_peak_rss_mb:,.0f} | {plan.replace('|', '/')} |")
    lines.append("")
    for failure in failures:
        lines += [" ".join(failure.split()).replace("|", "/"), ""]
    return lines


def _dashboard_lines(dashboards: dict) -> list[str]:
    if "error" in dashboards:
        return [f"Dashboard queries NOT measured: {dashboards['error']}", ""]
    charts = dashboards["charts"]
    lines = [f"Dashboard queries through Superset on the published warehouse (each chart's saved query, cache "
             f"bypassed, slowest of 3): {len(charts)} charts, median {dashboards['median']:.2f} s, slowest "
             f"**{dashboards['max']:.2f} s**.", "", "| chart | seconds |", "|---|---:|"]
    slowest = sorted(charts.items(), key=lambda item: -item[1])[:5]
    return [*lines, *[f"| {name} | {seconds:.2f} |" for name, seconds in slowest], ""]


def _cell(run: dict[str, float] | None, key: str, fmt: str = ".2f") -> str:
    return "—" if run is None or key not in run else format(run[key], fmt)


def _ratio(ours: dict[str, float] | None, other: dict[str, float] | None) -> str:
    if ours is None or other is None or not other["seconds"]:
        return "—"
    return f"{ours['seconds'] / other['seconds']:.2f}×"


def _growth(small: ScaleResult, big: ScaleResult) -> list[str]:
    factor = big.scale / small.scale
    lines = [f"### Growth from scale {small.scale:g} to {big.scale:g} (data × {factor:g})", "",
             "| measure | scale " + f"{small.scale:g} | scale {big.scale:g} | growth |", "|---|---:|---:|---:|"]
    for fmt in small.loads:
        if "ours" not in small.loads[fmt] or "ours" not in big.loads.get(fmt, {}):
            continue
        a, b = small.loads[fmt]["ours"], big.loads[fmt]["ours"]
        lines.append(f"| {fmt} load s | {a['seconds']:.1f} | {b['seconds']:.1f} | {b['seconds'] / a['seconds']:.1f}× |")
        lines.append(f"| {fmt} peak MB | {a['peak_rss_mb']:.0f} | {b['peak_rss_mb']:.0f} | "
                     f"{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}× |")
    if small.pipeline_peak_rss_mb and big.pipeline_peak_rss_mb:
        lines.append(f"| pipeline peak MB | {small.pipeline_peak_rss_mb:.0f} | {big.pipeline_peak_rss_mb:.0f} | "
                     f"{big.pipeline_peak_rss_mb / small.pipeline_peak_rss_mb:.2f}× |")
    if "max" in small.dashboards and "max" in big.dashboards:
        lines.append(f"| slowest chart query s | {small.dashboards['max']:.2f} | {big.dashboards['max']:.2f} | "
                     f"{big.dashboards['max'] / max(small.dashboards['max'], 0.001):.1f}× |")
    for key in ("end to end",):
        if key in small.dags and key in big.dags:
            lines.append(f"| {key} s | {small.dags[key]:.0f} | {big.dags[key]:.0f} | "
                         f"{big.dags[key] / small.dags[key]:.1f}× |")
    for task in small.tasks:
        if task in big.tasks:
            lines.append(f"| {task} s | {small.tasks[task]:.0f} | {big.tasks[task]:.0f} | "
                         f"{big.tasks[task] / max(small.tasks[task], 0.001):.1f}× |")
    return [*lines, ""]
