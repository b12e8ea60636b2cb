"""Render the sheets and the index under ``$DIALOOG_HOME/reports/factsheets/`` (docs/factsheets.md)."""

from __future__ import annotations

import logging
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from factsheets import pdf as pdfs
from factsheets import templates
from factsheets.data import FIGURES, Published, channel_state, read_published
from factsheets.words import LEVEL_NAMES, Thresholds, hours, maturity_reason, number, percent

log = logging.getLogger(__name__)
DBT_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml"
DEPARTMENTS = {"communicatie": "communicatie", "kcc": "KCC (klantcontactcentrum)", "gedeeld": "gedeeld",
               "anders": "anders"}

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
SHEET = _ENV.from_string(templates.SHEET)
INDEX = _ENV.from_string(templates.INDEX)


@dataclass
class Result:
    folder: Path
    sheets: int
    pdfs: int
    html_seconds: float
    pdf_seconds: float
    message: str


def dbt_vars() -> dict[str, Any]:
    """The dbt vars the marts were built with (dbt_project.yml), for thresholds in words; {} when unreadable."""
    try:
        import yaml

        return yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8")).get("vars") or {}
    except Exception:  # noqa: BLE001 - the contract's defaults then
        return {}


def thresholds(values: dict[str, Any]) -> Thresholds:
    d = Thresholds()
    return Thresholds(int(values.get("maturity_broadcast_min_messages", d.broadcast_min_messages)),
                      float(values.get("maturity_converse_min_answer_rate", d.converse_min_answer_rate)),
                      float(values.get("maturity_integrated_max_median_hours", d.integrated_max_median_hours)))


def _show(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "count":
        return number(round(value)) if float(value).is_integer() else number(value, 1)
    if kind == "percent":
        return percent(value)
    if kind == "hours":
        return hours(value)
    return number(value, 1)


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else ("ja" if value else "nee")


def sheet_context(pub: Published, m: dict[str, Any], vars_: dict[str, Any]) -> dict[str, Any]:
    """Everything one sheet shows (numbers already in Dutch notation; escaping is the template's)."""
    year, gm = m["year"], m["gm_code"]
    m_min = int(vars_.get("size_class_m_min_inhabitants", 50000))
    l_min = int(vars_.get("size_class_l_min_inhabitants", 100000))
    class_words = {"S": f"minder dan {number(m_min)} inwoners",
                   "M": f"{number(m_min)} tot {number(l_min)} inwoners", "L": f"{number(l_min)} inwoners of meer"}
    start, end = int(vars_.get("business_hours_start", 9)), int(vars_.get("business_hours_end", 17))
    peers = pub.size_classes.get((year, m["size_class"])) if m["size_class"] else None
    nation = pub.national.get(year, {})
    figures = [{"key": key, "label": label, "own": _show(m.get(key), kind),
                "peers": _show(peers.get(key), kind) if peers else "–", "nation": _show(nation.get(key), kind)}
               for key, label, kind in FIGURES]
    survey_row = pub.surveys.get((gm, year))
    survey = None
    if survey_row:
        survey = {"department": DEPARTMENTS.get(survey_row["responsible_department"],
                                                survey_row["responsible_department"] or "–"),
                  "self_rating": _show(survey_row["self_rating"], "decimal"),
                  "structural": _yes_no(survey_row["uses_structurally"]),
                  "kcc": _yes_no(survey_row["kcc_involved"]),
                  "support": "–" if survey_row["management_support"] is None else str(survey_row["management_support"])}
    channels = []
    for c in pub.channels.get(gm, []):
        act = pub.activity.get((c["channel_id"], year), {})
        channels.append({"platform": c["platform_name"], "handle": c["handle"],
                         "theme": c["theme"],
                         "active_from": c["active_from"].strftime("%d-%m-%Y") if c["active_from"] else "–",
                         "active_to": c["active_to"].strftime("%d-%m-%Y") if c["active_to"] else "",
                         "state": channel_state(c, year),
                         "messages": number(act.get("posts", 0) + act.get("replies", 0)),
                         "questions": number(act.get("questions", 0))})
    q = {k: number(v) if v is not None else "–" for k, v in pub.quality.items()}
    return {
        "style": templates.STYLE, "m": m, "year": year, "inhabitants": number(m.get("inhabitants")),
        "size_class_words": class_words.get(m["size_class"] or "", ""),
        "size_classes_words": "; ".join(f"{k} {v}" for k, v in class_words.items()),
        "level_name": LEVEL_NAMES.get(m["maturity_level"], ""), "limits": pub.limits,
        "min_rate": percent(pub.limits.converse_min_answer_rate),
        "reason": maturity_reason(m["maturity_level"], m, survey_row is not None, pub.limits),
        "figures": figures, "peers": peers, "channels": channels, "survey": survey,
        "working_day_hours": number(end - start), "business_hours": f"{start}–{end} uur",
        "own_files": pub.files.get((gm, year), 0) if pub.files is not None else None, "q": q,
        "built_date": pub.built_at.strftime("%d-%m-%Y"), "code_version": (pub.code_version or "onbekend")[:12],
    }


def render_sheet(pub: Published, m: dict[str, Any], vars_: dict[str, Any]) -> str:
    return SHEET.render(**sheet_context(pub, m, vars_))


def _swap(fresh: Path, target: Path) -> None:
    """Put a freshly written folder in place of ``target`` (no stale sheets of an earlier warehouse remain)."""
    old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _index(root: Path, serving: Path, built_date: str) -> Path:
    """The index of every sheet on disk, per year and province (names from the published warehouse)."""
    years = sorted(int(p.name) for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name))
    con = duckdb.connect(str(serving), read_only=True)
    try:
        rows = con.execute(
            "SELECT r.year, r.gm_code, coalesce(m.name, r.gm_code), coalesce(m.province_name, 'Provincie onbekend'), "
            "r.maturity_level FROM marts.rpt_municipality_year AS r LEFT JOIN marts.dim_municipality AS m "
            "USING (gm_code) WHERE r.year IN (SELECT unnest(?::INTEGER[])) ORDER BY 1, 4, 3, 2", [years]).fetchall()
    finally:
        con.close()
    listing: dict[int, dict[str, list[dict[str, Any]]]] = {y: {} for y in years}
    for year, gm, name, province, level in rows:
        html = root / str(year) / f"{gm}.html"
        if html.is_file():
            pdf = html.with_suffix(".pdf")
            listing[year].setdefault(province, []).append({
                "name": name, "level": level, "html": f"{year}/{gm}.html",
                "pdf": f"{year}/{gm}.pdf" if pdf.is_file() else None})
    view = [{"year": y, "count": sum(map(len, provinces.values())),
             "provinces": [{"name": p, "sheets": s} for p, s in provinces.items()]}
            for y, provinces in sorted(listing.items(), reverse=True) if provinces]
    index = root / "index.html"
    any_pdf = any(s["pdf"] for y in view for p in y["provinces"] for s in p["sheets"])
    index.write_text(INDEX.render(style=templates.STYLE, years=view, pdf=any_pdf, built_date=built_date),
                     encoding="utf-8")
    return index


def make_factsheets(home: Path, years: list[int] | None = None, limit: int | None = None,
                    gm_codes: list[str] | None = None, pdf: bool = True) -> Result:
    """Render the sheets of ``years`` (all report years by default) from ``home``'s published warehouse."""
    serving = home / "serving" / "warehouse.duckdb"
    vars_ = dbt_vars()
    pub = read_published(serving, years, thresholds(vars_))
    root = home / "reports" / "factsheets"
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    written: list[Path] = []
    by_year: dict[int, list[dict[str, Any]]] = {}
    for m in pub.municipalities:
        if gm_codes and m["gm_code"] not in gm_codes:
            continue
        by_year.setdefault(m["year"], []).append(m)
    fresh_dirs = {}
    for year in pub.years:
        chosen = sorted(by_year.get(year, []), key=lambda r: r["gm_code"])[:limit]
        fresh = root / f".{year}.new-{uuid.uuid4().hex}"
        fresh.mkdir()
        fresh_dirs[year] = fresh
        for m in chosen:
            path = fresh / f"{m['gm_code']}.html"
            path.write_text(render_sheet(pub, m, vars_), encoding="utf-8")
            written.append(root / str(year) / path.name)
    for year, fresh in fresh_dirs.items():
        _swap(fresh, root / str(year))
    html_seconds = time.perf_counter() - started
    printed, pdf_seconds, message = 0, 0.0, ""
    if pdf and written:
        if pdfs.chromium_available():
            printed, pdf_seconds = pdfs.print_pdfs((h, h.with_suffix(".pdf")) for h in written)
        else:
            message = pdfs.MISSING
            log.warning(message)
    _index(root, serving, pub.built_at.strftime("%d-%m-%Y"))
    per_sheet = f", {pdf_seconds / printed * 1000:.0f} ms per PDF" if printed else ""
    summary = (f"{len(written)} sheet(s) of {', '.join(map(str, pub.years))} in {html_seconds:.1f} s (HTML), "
               f"{printed} PDF(s) in {pdf_seconds:.1f} s{per_sheet}")
    log.info(summary)
    return Result(root, len(written), printed, html_seconds, pdf_seconds, message or summary)
