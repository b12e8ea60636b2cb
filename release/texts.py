"""The texts of a release: the Frictionless Data Package descriptor and the README (Dutch and English).

Both are functions of the manifest, the dbt contracts and the version only, so the same content gives the same
bytes. Table and column descriptions come from the dbt model YAML; types from its contract data types.
"""

from __future__ import annotations

from typing import Any

from release.contracts import ModelContract
from release.spec import SUPPRESSION_THRESHOLD, TABLES_BY_NAME, suppressed_columns

PACKAGE_NAME = "dialoog-gemeentelijke-dialoog"
TITLE_NL = "Dialoog: gemeentelijke dialoog op sociale media"
TITLE_EN = "Dialoog: how Dutch municipalities answer citizens on social media"
LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
SOURCES = [
    {"title": "Dialoog data warehouse: published marts (dbt) checked by Great Expectations; see manifest.json"},
    {"title": "CBS, Gemeentelijke indeling (Gemeenten alfabetisch) en herindelingen",
     "path": "https://www.cbs.nl/nl-nl/onze-diensten/methoden/classificaties/overig/gemeentelijke-indelingen-per-jaar"},
    {"title": "Messages of municipal accounts and citizens' questions on X, Facebook and Instagram (exports of the "
              "platforms and of webcare tools), and the municipalities' survey answers; aggregated only"},
]


def _years(manifest: dict[str, Any]) -> str:
    years = manifest.get("years") or []
    return ", ".join(str(y) for y in years) if years else "–"


def citation(manifest: dict[str, Any], version: str, language: str) -> str:
    years = _years(manifest)
    if language == "nl":
        return (f"Dialoog. *{TITLE_NL}*, jaren {years}, release {version} [dataset]. "
                f"Licentie CC BY 4.0.")
    return f"Dialoog. *{TITLE_EN}*, years {years}, release {version} [dataset]. Licence CC BY 4.0."


def _field(table: str, name: str, contract: ModelContract) -> dict[str, Any]:
    suppressed = suppressed_columns(TABLES_BY_NAME[table]).get(name)
    description = contract.column_descriptions.get(name, "")
    if suppressed:
        description = f"{description} Suppressed: {suppressed}.".strip()
    field: dict[str, Any] = {"name": name, "type": contract.frictionless_type(name), "description": description}
    if field["type"] == "boolean":
        field["trueValues"], field["falseValues"] = ["true"], ["false"]
    if name in contract.not_null and not suppressed:
        field["constraints"] = {"required": True}
    return field


def descriptor(manifest: dict[str, Any], contracts: dict[str, ModelContract], version: str) -> dict[str, Any]:
    """The ``datapackage.json`` of a release: one tabular resource per table (its CSV); the Parquet copy of the
    same rows is named in the resource's ``parquet`` property (path, SHA-256, bytes)."""
    resources = []
    for entry in manifest["tables"]:
        name, contract = entry["name"], contracts[entry["name"]]
        csv_file, parquet_file = entry["files"]["csv"], entry["files"]["parquet"]
        table = TABLES_BY_NAME[name]
        key = [c for c in (contract.primary_key or table.key) if c in entry["columns"]]
        description = contract.description
        if table.notes:
            description += f" Released {table.notes}."
        resources.append({
            "name": name,
            "title": name,
            "description": description,
            "path": csv_file["path"],
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": csv_file["bytes"],
            "hash": f"sha256:{csv_file['sha256']}",
            "dialect": {"delimiter": ",", "header": True},
            "schema": {"fields": [_field(name, c, contract) for c in entry["columns"]],
                       "primaryKey": key, "missingValues": [""]},
            "parquet": {"path": parquet_file["path"], "sha256": parquet_file["sha256"], "bytes": parquet_file["bytes"]},
        })
    return {
        "name": PACKAGE_NAME,
        "title": TITLE_EN,
        "description": (f"{TITLE_NL}. Aggregated figures per municipality and year and nationally, with the "
                        "municipalities and their social-media channels. No citizen identity, handle or message "
                        f"text; counts 1–{SUPPRESSION_THRESHOLD - 1} at municipality level are suppressed. "
                        "See README.md and manifest.json."),
        "version": version,
        "profile": "tabular-data-package",
        "licenses": [LICENSE],
        "sources": SOURCES,
        "keywords": ["gemeenten", "sociale media", "webcare", "municipalities", "social media", "Netherlands"],
        "resources": resources,
    }


def _suppression_lines(manifest: dict[str, Any], language: str) -> list[str]:
    lines = []
    for table, columns in manifest["suppression"]["columns"].items():
        counts = ", ".join(f"`{c}`" for c, rule in columns.items() if rule.startswith("empty when 1"))
        shares = ", ".join(f"`{c}`" for c, rule in columns.items() if not rule.startswith("empty when 1"))
        cells = next(e["suppressed_cells"] for e in manifest["tables"] if e["name"] == table)
        total = sum(cells.values())
        if language == "nl":
            lines.append(f"- `{table}`: aantallen {counts} zijn leeg bij 1–{SUPPRESSION_THRESHOLD - 1} (0 blijft 0); "
                         f"{shares} zijn leeg als een aantal waaruit ze berekend zijn onder de "
                         f"{SUPPRESSION_THRESHOLD} ligt. In deze release: {total} cellen leeg gemaakt.")
        else:
            lines.append(f"- `{table}`: counts {counts} are empty when 1–{SUPPRESSION_THRESHOLD - 1} (0 stays 0); "
                         f"{shares} are empty when a count they are computed from is below "
                         f"{SUPPRESSION_THRESHOLD}. In this release: {total} cells suppressed.")
    return lines


def _table_sections(manifest: dict[str, Any], contracts: dict[str, ModelContract]) -> list[str]:
    lines = []
    for entry in manifest["tables"]:
        contract = contracts[entry["name"]]
        table = TABLES_BY_NAME[entry["name"]]
        lines += [f"### `{entry['name']}` ({entry['rows']} rows)", "", contract.description
                  + (f" Released {table.notes}." if table.notes else ""), "",
                  f"Files: `{entry['files']['csv']['path']}`, `{entry['files']['parquet']['path']}`.", "",
                  "| column | type | description |", "|---|---|---|"]
        suppressed = suppressed_columns(table)
        for column in entry["columns"]:
            text = contract.column_descriptions.get(column, "")
            if column in suppressed:
                text += f" **Suppressed:** {suppressed[column]}."
            lines.append(f"| `{column}` | {contract.frictionless_type(column)} | {text.replace('|', '/')} |")
        lines.append("")
    return lines


def readme(manifest: dict[str, Any], contracts: dict[str, ModelContract], version: str) -> str:
    inputs = manifest["inputs"]
    if inputs.get("available"):
        inputs_nl = f"{inputs['count']} invoerbestanden ({inputs['rows_loaded']} rijen), elk met zijn SHA-256"
        inputs_en = f"{inputs['count']} input files ({inputs['rows_loaded']} rows), each with its SHA-256"
    else:
        inputs_nl = inputs_en = inputs["note"]
    tools = ", ".join(f"{k} {v}" for k, v in manifest["tools"].items())
    stale = manifest["released_despite_failed_run"]
    lines = [
        f"# {TITLE_NL} / {TITLE_EN}", "",
        f"Release **{version}** · jaren / years {_years(manifest)} · licentie / licence CC BY 4.0", "",
        "## Nederlands", "",
        "Deze release bevat de cijfers van Dialoog: per gemeente en jaar en landelijk, hoe gemeenten op X, "
        "Facebook en Instagram aanwezig zijn en hoe vaak en hoe snel ze vragen van inwoners beantwoorden, met de "
        "gemeenten en hun kanalen. Elke tabel staat er als CSV (UTF-8, met kopregel) en als Parquet in "
        "(`data/`), beschreven in `datapackage.json` (Frictionless Data Package); `manifest.json` noemt de "
        "commit, de versies van dbt, Great Expectations en DuckDB, de invoerbestanden en de datakwaliteit.", "",
        "**Citeren:** " + citation(manifest, version, "nl"), "",
        "**Privacy:** geen pseudoniem, handle, bericht-id of berichttekst van een inwoner (en geen handle van "
        "een gemeente) staat in deze release; tabellen per vraag of bericht worden niet vrijgegeven. "
        "Kleine aantallen zijn onderdrukt:", "",
        *_suppression_lines(manifest, "nl"), "",
        f"**Versie:** de versie is afgeleid van de inhoud (`v` + de eerste 12 hexadecimale tekens van de SHA-256 "
        f"van `manifest.json` zonder het veld `version`); dezelfde invoer geeft byte voor byte dezelfde release. "
        f"Invoer: {inputs_nl}.", "",
        "## English", "",
        "This release holds the figures of Dialoog: per municipality and year and nationally, how municipalities "
        "are present on X, Facebook and Instagram and how often and how fast they answer citizens' questions, "
        "with the municipalities and their channels. Every table is here as CSV (UTF-8, with a header) and as "
        "Parquet (`data/`), described in `datapackage.json` (Frictionless Data Package); `manifest.json` names the "
        "commit, the versions of dbt, Great Expectations and DuckDB, the input files and the data quality.", "",
        "**How to cite:** " + citation(manifest, version, "en"), "",
        "**Privacy:** no pseudonym, handle, message id or message text of a citizen (and no handle of a "
        "municipality) is in this release; question- and message-level tables are not released. Small counts "
        "are suppressed:", "",
        *_suppression_lines(manifest, "en"), "",
        f"**Version:** derived from the content (`v` + the first 12 hex digits of the SHA-256 of `manifest.json` "
        f"without its `version` field); the same inputs give the same release, byte for byte. Inputs: {inputs_en}.",
        "",
        "## Tables / tabellen", "",
        *_table_sections(manifest, contracts),
        "## Manifest", "",
        f"- commit: `{manifest['commit']}`",
        f"- tools: {tools}",
        f"- dbt code version: `{manifest['build']['code_version']}`",
        f"- released despite a failed run: {'; '.join(stale) if stale else 'no'}",
        "- verify: `sha256sum` of every file under `data/` against `manifest.json` (`tables[].files`), or "
        "`python -m release --verify <this folder>` in the Dialoog repository.",
        "",
    ]
    return "\n".join(lines)
