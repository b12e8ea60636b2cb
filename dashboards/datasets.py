"""The datasets of the dashboard bundle: which warehouse tables Superset shows, with Dutch labels and formats.

Physical datasets list the mart columns they expose (names as in the dbt YAML; ``tests/superset`` checks
them) plus calculated columns that the dashboards need on every dataset: ``jaar`` (the year as text, so it
is a category and never printed as ``2.014``) and ``gemeente`` (the municipality's name, for the
municipality filter). Metrics carry a d3 format: fractions as percentages, hours with one decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PCT = ".1%"
HOURS = ",.1f"
COUNT = ",d"
YEAR = "d"  # a year as a number: 2014, never 2.014

# The municipality name of a row's gm_code; a correlated subquery, so the mart needs no join.
_NAME_OF = "(SELECT m.name FROM marts.dim_municipality AS m WHERE m.gm_code = {table}.gm_code)"
_PROVINCE_OF = "(SELECT m.province_name FROM marts.dim_municipality AS m WHERE m.gm_code = {table}.gm_code)"
_REASON_KIND = "regexp_replace(reason, '''[^'']*''', '…', 'g')"
_STEUN = "COALESCE(CAST(management_support AS VARCHAR), 'geen antwoord')"
# The size class (CONTRACT §7) as a label with its bounds; no known population: 'onbekend'.
_SIZE_CLASS = (
    "CASE size_class WHEN 'S' THEN 'S (< 50.000)' WHEN 'M' THEN 'M (50.000–99.999)' "
    "WHEN 'L' THEN 'L (≥ 100.000)' ELSE 'onbekend' END"
)
# rpt_response_buckets.bucket, numbered so the buckets sort from fast to unanswered.
_BUCKET = (
    "CASE bucket WHEN '<1h' THEN '1 binnen 1 uur' WHEN '1-4h' THEN '2 1–4 uur' WHEN '4-8h' THEN '3 4–8 uur' "
    "WHEN '8-24h' THEN '4 8–24 uur' WHEN '>24h' THEN '5 na 24 uur' WHEN 'unanswered' THEN '6 onbeantwoord' END"
)
# rpt_national_year_change: each measure's Dutch name and unit; shares are shown in percent (their change in
# percentage points).
_MEASURES = (
    ("municipalities", "Gemeenten", "aantal"),
    ("without_x", "Zonder X", "aantal"),
    ("pct_with_facebook", "Met Facebook", "%"),
    ("pct_structural", "Structureel (niveau ≥ 3)", "%"),
    ("questions", "Vragen", "aantal"),
    ("answered", "Beantwoord", "aantal"),
    ("answer_rate", "Antwoordpercentage", "%"),
    ("avg_response_hours", "Gem. reactietijd", "uur"),
    ("median_response_hours", "Mediaan reactietijd", "uur"),
    ("pct_comms_responsible", "Communicatie verantwoordelijk (enquête)", "%"),
    ("avg_self_rating_comms", "Rapportcijfer communicatie (enquête)", "cijfer"),
    ("pct_kcc_involved", "KCC betrokken (enquête)", "%"),
    ("pct_self_reported_structural", "Structureel volgens de gemeente (enquête)", "%"),
)
PERCENT_MEASURES = tuple(m for m, _, unit in _MEASURES if unit == "%")
_MEASURE_NAME = (
    "CASE measure " + " ".join(f"WHEN '{m}' THEN '{name}'" for m, name, _ in _MEASURES) + " ELSE measure END"
)
_MEASURE_UNIT = "CASE measure " + " ".join(f"WHEN '{m}' THEN '{unit}'" for m, _, unit in _MEASURES) + " END"
_IN_PERCENT = f"CASE WHEN measure IN ({', '.join(repr(m) for m in PERCENT_MEASURES)}) THEN 100.0 ELSE 1.0 END"
_MATURITY = (
    "CASE maturity_level WHEN 0 THEN '0 geen kanaal' WHEN 1 THEN '1 aanwezig' WHEN 2 THEN '2 zenden' "
    "WHEN 3 THEN '3 in gesprek' WHEN 4 THEN '4 geïntegreerd' END"
)


@dataclass(frozen=True)
class Column:
    """One dataset column: a warehouse column, or a SQL expression when ``expression`` is set."""

    name: str
    label: str
    type: str
    description: str | None = None
    expression: str | None = None
    is_dttm: bool = False


@dataclass(frozen=True)
class Metric:
    """One saved metric with its Dutch label and d3 number format."""

    name: str
    label: str
    expression: str
    d3format: str = COUNT
    description: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A Superset dataset on one warehouse table (``sql`` set: a virtual dataset on a query)."""

    key: str
    schema: str
    table: str
    uuid: str
    description: str
    columns: tuple[Column, ...]
    metrics: tuple[Metric, ...] = field(default=())
    main_dttm_col: str | None = None
    sql: str | None = None


def _jaar(year_column: str) -> Column:
    return Column("jaar", "Jaar", "VARCHAR", "Het jaar als tekst.", f"CAST({year_column} AS VARCHAR)")


def _gemeente(table: str) -> Column:
    return Column("gemeente", "Gemeente", "VARCHAR", "Naam van de gemeente (CBS).", _NAME_OF.format(table=table))


def _latest(column: str) -> str:
    """The column's value in the latest year of the rows (null stays null: never an older year's value)."""
    return f"arg_max_null({column}, year)"


def _yes_no(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 'ja' WHEN NOT {condition} THEN 'nee' END"


def _count_if(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


DIM_MUNICIPALITY = Dataset(
    "dim_municipality",
    "marts",
    "dim_municipality",
    "20987e60-1d80-4616-9ed2-79ba8cdf4643",
    "Gemeenten, één rij per gemeentecode (alle jaren); bron CBS en herindelingen.",
    (
        Column("gm_code", "Gemeentecode", "VARCHAR", "CBS-gemeentecode, bijvoorbeeld GM0363."),
        Column("name", "Gemeente", "VARCHAR", "Gemeentenaam volgens CBS."),
        Column("province_code", "Provinciecode", "VARCHAR"),
        Column("province_name", "Provincie", "VARCHAR"),
        Column("valid_from", "Geldig vanaf", "DATE", is_dttm=True),
        Column("valid_to", "Geldig tot", "DATE", "Leeg zolang de gemeente bestaat.", is_dttm=True),
        Column("successor_gm_code", "Huidige gemeentecode", "VARCHAR"),
        Column("is_current", "Bestaat nu", "BOOLEAN"),
        Column("gemeente", "Gemeente", "VARCHAR", "Gemeentenaam (filterkolom van de dashboards).", "name"),
    ),
    (Metric("aantal_gemeenten", "Aantal gemeenten", "COUNT(*)"),),
)

RPT_NATIONAL_YEAR = Dataset(
    "rpt_national_year",
    "marts",
    "rpt_national_year",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a01",
    "Landelijke kengetallen per jaar (gemeenten op 1 januari).",
    (
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        Column("municipalities", "Gemeenten", "INTEGER"),
        Column("without_x", "Zonder X", "INTEGER"),
        Column("pct_with_facebook", "Aandeel met Facebook", "DOUBLE"),
        Column("pct_structural", "Aandeel structureel", "DOUBLE"),
        Column("questions", "Vragen", "INTEGER"),
        Column("answered", "Beantwoord", "INTEGER"),
        Column("answer_rate", "Antwoordpercentage", "DOUBLE"),
        Column("avg_response_hours", "Gem. reactietijd (uur)", "DOUBLE"),
        Column("median_response_hours", "Mediaan reactietijd (uur)", "DOUBLE"),
        Column("pct_comms_responsible", "Aandeel communicatie verantwoordelijk", "DOUBLE"),
        Column("avg_self_rating_comms", "Rapportcijfer communicatie", "DOUBLE"),
        Column("survey_responses", "Enquêteantwoorden", "INTEGER"),
        Column("pct_kcc_involved", "Aandeel KCC betrokken", "DOUBLE"),
        Column("avg_management_support", "Gem. steun management (1–5)", "DOUBLE"),
        Column("pct_self_reported_structural", "Aandeel structureel volgens de gemeente", "DOUBLE"),
        Column("pct_answered_within_24h", "Aandeel binnen 24 uur beantwoord", "DOUBLE"),
        Column("pct_answered_within_working_day", "Aandeel binnen één werkdag beantwoord", "DOUBLE"),
        Column("median_business_response_hours", "Mediaan reactietijd in kantooruren (uur)", "DOUBLE"),
    ),
    # One row per year: a metric gives the value of the latest year among the rows it sees, so per year in the
    # charts by year, the chosen year under the filter Jaar, and the latest year where no year is chosen.
    (
        Metric("jaar_getal", "Jaar", "MAX(year)", YEAR, "Het (laatste) jaar van de cijfers."),
        Metric("gemeenten", "Gemeenten", _latest("municipalities")),
        Metric("zonder_x", "Zonder X", _latest("without_x")),
        Metric("aandeel_facebook", "Met Facebook", _latest("pct_with_facebook"), PCT),
        Metric("aandeel_structureel", "Structureel", _latest("pct_structural"), PCT),
        Metric("vragen", "Vragen", "SUM(questions)"),
        Metric("beantwoord", "Beantwoord", "SUM(answered)"),
        Metric("antwoordpercentage", "Antwoordpercentage", _latest("answer_rate"), PCT),
        Metric("gem_reactietijd", "Gem. reactietijd (uur)", _latest("avg_response_hours"), HOURS),
        Metric("mediaan_reactietijd", "Mediaan reactietijd (uur)", _latest("median_response_hours"), HOURS),
        Metric("aandeel_communicatie", "Communicatie verantwoordelijk", _latest("pct_comms_responsible"), PCT),
        Metric("rapportcijfer_communicatie", "Rapportcijfer communicatie", _latest("avg_self_rating_comms"), HOURS),
        Metric("binnen_24_uur", "Binnen 24 uur", _latest("pct_answered_within_24h"), PCT, "Van alle vragen."),
        Metric(
            "binnen_werkdag", "Binnen één werkdag", _latest("pct_answered_within_working_day"), PCT, "Van alle vragen."
        ),
        Metric("mediaan_kantooruren", "Mediaan in kantooruren (uur)", _latest("median_business_response_hours"), HOURS),
        Metric("aandeel_kcc", "KCC betrokken", _latest("pct_kcc_involved"), PCT, "Van de enquêteantwoorden."),
        Metric("steun_management", "Steun management (1–5)", _latest("avg_management_support"), ",.2f"),
    ),
)

RPT_MUNICIPALITY_YEAR = Dataset(
    "rpt_municipality_year",
    "marts",
    "rpt_municipality_year",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a02",
    "Kengetallen per gemeente per jaar (indeling van dat jaar).",
    (
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        _gemeente("rpt_municipality_year"),
        Column("provincie", "Provincie", "VARCHAR", None, _PROVINCE_OF.format(table="rpt_municipality_year")),
        Column("existed_on_first_january", "Bestond op 1 januari", "BOOLEAN"),
        Column("has_x", "Heeft X", "BOOLEAN"),
        Column("has_facebook", "Heeft Facebook", "BOOLEAN"),
        Column("has_instagram", "Heeft Instagram", "BOOLEAN"),
        Column("channels", "Kanalen", "INTEGER"),
        Column("theme_channels", "Themakanalen", "INTEGER"),
        Column("channel_messages", "Berichten van de gemeente", "INTEGER"),
        Column("questions", "Vragen", "INTEGER"),
        Column("answered", "Beantwoord", "INTEGER"),
        Column("answer_rate", "Antwoordpercentage", "DOUBLE"),
        Column("avg_response_hours", "Gem. reactietijd (uur)", "DOUBLE"),
        Column("median_response_hours", "Mediaan reactietijd (uur)", "DOUBLE"),
        Column("kcc_involved", "KCC betrokken", "BOOLEAN"),
        Column("maturity_level", "Volwassenheidsniveau", "INTEGER"),
        Column("volwassenheid", "Volwassenheid", "VARCHAR", "Niveau 0–4 met naam.", _MATURITY),
        Column("is_structural", "Structureel", "BOOLEAN"),
        Column("inhabitants", "Inwoners", "BIGINT", "CBS, 1 januari (anders het gemiddelde van het jaar)."),
        Column("inhabitants_basis", "Peilmoment inwoners", "VARCHAR"),
        Column("size_class", "Grootteklasse", "VARCHAR", "S < 50.000, M 50.000–99.999, L ≥ 100.000 inwoners."),
        Column("grootteklasse", "Grootteklasse", "VARCHAR", "Met de grenzen; onbekend zonder inwonertal.", _SIZE_CLASS),
        Column("questions_per_10k", "Vragen per 10.000 inwoners", "DOUBLE"),
        Column("answered_within_24h", "Binnen 24 uur", "INTEGER", "Vragen met een eerste antwoord binnen 24 uur."),
        Column("pct_answered_within_24h", "Binnen 24 uur (aandeel)", "DOUBLE", "Van alle vragen."),
        Column("answered_within_working_day", "Binnen één werkdag", "INTEGER", "Binnen 8 kantooruren beantwoord."),
        Column("avg_business_response_hours", "Gem. in kantooruren (uur)", "DOUBLE"),
        Column("median_business_response_hours", "Mediaan in kantooruren (uur)", "DOUBLE"),
        Column("self_rating", "Rapportcijfer (enquête)", "DOUBLE"),
        Column("self_reported_structural", "Structureel volgens de gemeente", "BOOLEAN"),
    ),
    (
        Metric("gemeenten", "Gemeenten", "COUNT(*)"),
        Metric("zonder_x", "Zonder X", _count_if("NOT has_x")),
        Metric("aandeel_structureel", "Aandeel structureel", "AVG(CASE WHEN is_structural THEN 1.0 ELSE 0.0 END)", PCT),
        Metric("vragen", "Vragen", "SUM(questions)"),
        Metric("beantwoord", "Beantwoord", "SUM(answered)"),
        Metric("antwoordpercentage", "Antwoordpercentage", "SUM(answered) * 1.0 / NULLIF(SUM(questions), 0)", PCT),
        Metric(
            "gem_reactietijd",
            "Gem. reactietijd (uur)",
            "SUM(avg_response_hours * answered) / NULLIF(SUM(CASE WHEN answered > 0 THEN answered END), 0)",
            HOURS,
            "Gemiddelde over de beantwoorde vragen.",
        ),
    ),
)

FCT_QUESTIONS = Dataset(
    "fct_questions",
    "marts",
    "fct_questions",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a03",
    "Vragen van inwoners, één rij per vraag, met het eerste antwoord van de gemeente.",
    (
        Column("question_id", "Vraag", "VARCHAR"),
        Column("platform", "Platform", "VARCHAR"),
        Column("channel_id", "Kanaal", "VARCHAR"),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("asked_at", "Gesteld op", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("asked_year", "Jaar (getal)", "INTEGER"),
        _jaar("asked_year"),
        _gemeente("fct_questions"),
        Column("is_answered", "Beantwoord", "BOOLEAN"),
        Column("response_minutes", "Reactietijd (minuten)", "DOUBLE"),
        Column("reactietijd_uur", "Reactietijd (uur)", "DOUBLE", None, "response_minutes / 60.0"),
    ),
    (
        Metric("vragen", "Vragen", "COUNT(*)"),
        Metric("beantwoord", "Beantwoord", _count_if("is_answered")),
        Metric("antwoordpercentage", "Antwoordpercentage", "AVG(CASE WHEN is_answered THEN 1.0 ELSE 0.0 END)", PCT),
    ),
    main_dttm_col="asked_at",
)

DIM_CHANNEL = Dataset(
    "dim_channel",
    "marts",
    "dim_channel",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a04",
    "Kanalen van gemeenten volgens het kanalenregister.",
    (
        Column("channel_id", "Kanaal", "VARCHAR"),
        Column("platform", "Platform", "VARCHAR"),
        Column("handle", "Account", "VARCHAR"),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        _gemeente("dim_channel"),
        Column("theme", "Thema", "VARCHAR"),
        Column("active_from", "Actief vanaf", "DATE", is_dttm=True),
        Column("active_to", "Actief tot", "DATE", "Leeg zolang het kanaal actief is.", is_dttm=True),
    ),
    (Metric("kanalen", "Kanalen", "COUNT(*)"),),
)

FCT_SURVEY_RESPONSES = Dataset(
    "fct_survey_responses",
    "marts",
    "fct_survey_responses",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a05",
    "Antwoorden op de enquête, één rij per gemeente per enquêtejaar.",
    (
        Column("survey_year", "Jaar (getal)", "INTEGER"),
        _jaar("survey_year"),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        _gemeente("fct_survey_responses"),
        Column("responsible_department", "Verantwoordelijke afdeling", "VARCHAR"),
        Column("self_rating", "Rapportcijfer", "DOUBLE"),
        Column("uses_structurally", "Structureel (eigen oordeel)", "BOOLEAN"),
        Column("kcc_involved", "KCC betrokken", "BOOLEAN"),
        Column("management_support", "Steun management (1–5)", "INTEGER"),
        Column("structureel", "Structureel (eigen oordeel)", "VARCHAR", None, _yes_no("uses_structurally")),
        Column("kcc", "KCC betrokken", "VARCHAR", None, _yes_no("kcc_involved")),
        Column("steun", "Steun management", "VARCHAR", "1 (geen) tot 5 (veel), als tekst.", _STEUN),
    ),
    (
        Metric("antwoorden", "Antwoorden", "COUNT(*)"),
        Metric("gem_rapportcijfer", "Gem. rapportcijfer", "AVG(self_rating)", HOURS),
        Metric("gem_steun", "Gem. steun management (1–5)", "AVG(management_support)", ",.2f"),
    ),
)

GEMEENTE_VS_LANDELIJK = Dataset(
    "gemeente_vs_landelijk",
    "marts",
    "gemeente_vs_landelijk",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a06",
    "Per gemeente en jaar haar eigen cijfers naast de landelijke en de mediaan van haar grootteklasse.",
    (
        Column("jaar", "Jaar", "VARCHAR"),
        Column("gemeente", "Gemeente", "VARCHAR"),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("size_class", "Grootteklasse", "VARCHAR", "S, M of L; leeg zonder inwonertal."),
        Column("antwoordpercentage_gemeente", "Antwoordpercentage gemeente", "DOUBLE"),
        Column("antwoordpercentage_landelijk", "Antwoordpercentage landelijk", "DOUBLE"),
        Column(
            "antwoordpercentage_klasse",
            "Antwoordpercentage mediaan grootteklasse",
            "DOUBLE",
            "Mediaan over de gemeenten van dezelfde grootteklasse dat jaar (met vragen).",
        ),
        Column("reactietijd_gemeente", "Gem. reactietijd gemeente (uur)", "DOUBLE"),
        Column("reactietijd_landelijk", "Gem. reactietijd landelijk (uur)", "DOUBLE"),
        Column(
            "reactietijd_klasse",
            "Gem. reactietijd mediaan grootteklasse (uur)",
            "DOUBLE",
            "Mediaan van de gemiddelde reactietijden van de gemeenten van dezelfde grootteklasse dat jaar.",
        ),
    ),
    (
        Metric("antwoord_gemeente", "Gemeente", "MAX(antwoordpercentage_gemeente)", PCT),
        Metric("antwoord_landelijk", "Landelijk", "MAX(antwoordpercentage_landelijk)", PCT),
        Metric("antwoord_klasse", "Mediaan grootteklasse", "MAX(antwoordpercentage_klasse)", PCT),
        Metric("reactietijd_gemeente", "Gemeente", "MAX(reactietijd_gemeente)", HOURS),
        Metric("reactietijd_landelijk", "Landelijk", "MAX(reactietijd_landelijk)", HOURS),
        Metric("reactietijd_klasse", "Mediaan grootteklasse", "MAX(reactietijd_klasse)", HOURS),
    ),
    # The class medians are window functions over every row of rpt_municipality_year (small), computed before
    # Superset filters the query to one municipality.
    sql=(
        "SELECT CAST(r.year AS VARCHAR) AS jaar, m.name AS gemeente, r.gm_code, r.size_class,\n"
        "       r.answer_rate AS antwoordpercentage_gemeente, n.answer_rate AS antwoordpercentage_landelijk,\n"
        "       CASE WHEN r.size_class IS NOT NULL\n"
        "            THEN median(r.answer_rate) OVER (PARTITION BY r.year, r.size_class) END\n"
        "         AS antwoordpercentage_klasse,\n"
        "       r.avg_response_hours AS reactietijd_gemeente, n.avg_response_hours AS reactietijd_landelijk,\n"
        "       CASE WHEN r.size_class IS NOT NULL\n"
        "            THEN median(r.avg_response_hours) OVER (PARTITION BY r.year, r.size_class) END\n"
        "         AS reactietijd_klasse\n"
        "FROM marts.rpt_municipality_year AS r\n"
        "JOIN marts.dim_municipality AS m ON m.gm_code = r.gm_code\n"
        "JOIN marts.rpt_national_year AS n ON n.year = r.year"
    ),
)

# The municipalities' own view (survey) beside what they do (rpt_municipality_year), one row per survey answer.
ZELFBEELD = Dataset(
    "zelfbeeld",
    "marts",
    "zelfbeeld",
    "0f3b8f55-8a43-5d2c-9b1e-6c4f2a7d9e13",
    "Per enquêteantwoord het eigen oordeel van de gemeente naast wat zij dat jaar deed.",
    (
        Column("jaar", "Jaar", "VARCHAR"),
        Column("year", "Jaar (getal)", "INTEGER"),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("gemeente", "Gemeente", "VARCHAR"),
        Column("provincie", "Provincie", "VARCHAR"),
        Column("self_rating", "Rapportcijfer", "DOUBLE", "Het eigen rapportcijfer (1–10)."),
        Column("eigen_oordeel", "Structureel volgens de gemeente", "VARCHAR", "Enquête: structureel ja of nee."),
        Column("gemeten", "Structureel gemeten", "VARCHAR", "Volwassenheidsniveau 3 of hoger: ja of nee."),
        Column("answer_rate", "Antwoordpercentage", "DOUBLE"),
        Column("questions", "Vragen", "INTEGER"),
    ),
    (
        Metric("gemeenten", "Gemeenten", "COUNT(*)"),
        Metric(
            "aandeel_eigen",
            "Structureel volgens de gemeente",
            "AVG(CASE eigen_oordeel WHEN 'ja' THEN 1.0 WHEN 'nee' THEN 0.0 END)",
            PCT,
        ),
        Metric(
            "aandeel_gemeten",
            "Structureel gemeten",
            "AVG(CASE gemeten WHEN 'ja' THEN 1.0 WHEN 'nee' THEN 0.0 END)",
            PCT,
        ),
        # Per municipality: its latest survey year among the rows (the chosen year under the filter Jaar).
        Metric("rapportcijfer", "Rapportcijfer", _latest("self_rating"), HOURS),
        Metric("antwoordpercentage", "Antwoordpercentage", _latest("answer_rate"), PCT),
        Metric("vragen", "Vragen", f"COALESCE({_latest('questions')}, 0)"),
    ),
    sql=(
        "SELECT CAST(s.survey_year AS VARCHAR) AS jaar, s.survey_year AS year, s.gm_code, m.name AS gemeente,\n"
        "       m.province_name AS provincie, s.self_rating,\n"
        f"       {_yes_no('s.uses_structurally')} AS eigen_oordeel,\n"
        f"       {_yes_no('r.is_structural')} AS gemeten,\n"
        "       r.answer_rate, r.questions\n"
        "FROM marts.fct_survey_responses AS s\n"
        "JOIN marts.dim_municipality AS m ON m.gm_code = s.gm_code\n"
        "LEFT JOIN marts.rpt_municipality_year AS r ON r.gm_code = s.gm_code AND r.year = s.survey_year"
    ),
)

# The league table: every municipality of a year with its national rank, name and province (filters Jaar,
# Provincie). Reads the report mart, so it stays fast at any scale.
RANGLIJST = Dataset(
    "ranglijst",
    "marts",
    "ranglijst",
    "0f3b8f55-8a43-5d2c-9b1e-6c4f2a7d9e11",
    "Alle gemeenten per jaar met hun plaats op de ranglijst (antwoordpercentage, dan mediane reactietijd).",
    (
        Column("jaar", "Jaar", "VARCHAR"),
        Column("year", "Jaar (getal)", "INTEGER"),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("gemeente", "Gemeente", "VARCHAR"),
        Column("provincie", "Provincie", "VARCHAR"),
        Column(
            "rang",
            "Plaats",
            "BIGINT",
            "Landelijke plaats dat jaar: hoogste antwoordpercentage eerst, "
            "bij gelijke stand de kortste mediane reactietijd; gemeenten zonder vragen onderaan.",
        ),
        Column("channels", "Kanalen", "INTEGER"),
        Column("questions", "Vragen", "INTEGER"),
        Column("answered", "Beantwoord", "INTEGER"),
        Column("answer_rate", "Antwoordpercentage", "DOUBLE"),
        Column("avg_response_hours", "Gem. reactietijd (uur)", "DOUBLE"),
        Column("median_response_hours", "Mediaan reactietijd (uur)", "DOUBLE"),
        Column("volwassenheid", "Volwassenheid", "VARCHAR", "Niveau 0–4 met naam."),
        Column("inhabitants", "Inwoners", "BIGINT", "CBS, 1 januari (anders het gemiddelde van het jaar)."),
        Column("grootteklasse", "Grootteklasse", "VARCHAR", "S < 50.000, M 50.000–99.999, L ≥ 100.000 inwoners."),
        Column("questions_per_10k", "Vragen per 10.000 inwoners", "DOUBLE"),
        Column("pct_answered_within_24h", "Binnen 24 uur", "DOUBLE", "Aandeel van alle vragen."),
    ),
    (Metric("gemeenten", "Gemeenten", "COUNT(*)"),),
    sql=(
        "SELECT CAST(r.year AS VARCHAR) AS jaar, r.year, r.gm_code, m.name AS gemeente,\n"
        "       m.province_name AS provincie,\n"
        "       rank() OVER (PARTITION BY r.year\n"
        "                    ORDER BY r.answer_rate DESC NULLS LAST, r.median_response_hours NULLS LAST) AS rang,\n"
        "       r.channels, r.questions, r.answered, r.answer_rate, r.avg_response_hours,\n"
        "       r.median_response_hours,\n"
        f"       {_MATURITY.replace('maturity_level', 'r.maturity_level')} AS volwassenheid,\n"
        "       r.inhabitants,\n"
        f"       {_SIZE_CLASS.replace('size_class', 'r.size_class')} AS grootteklasse,\n"
        "       r.questions_per_10k, r.pct_answered_within_24h\n"
        "FROM marts.rpt_municipality_year AS r\n"
        "JOIN marts.dim_municipality AS m ON m.gm_code = r.gm_code"
    ),
)

# The questions behind a figure, for analysts: pseudonymised. No citizen_key (not even a part), no handle or
# text of a citizen, and no question_id (a platform message id leads to the post and its author); the channel
# is the municipality's own account. The classifier's reason names rule ids and, when the model weighed in, at
# most three of its n-grams (dbt_project/python/question_classifier/model.py): never a handle, never a long
# piece of the text.
VRAGEN = Dataset(
    "vragen",
    "marts",
    "vragen",
    "0f3b8f55-8a43-5d2c-9b1e-6c4f2a7d9e12",
    "De vragen achter de cijfers, één rij per vraag, zonder iets dat naar de inwoner leidt.",
    (
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("gemeente", "Gemeente", "VARCHAR"),
        Column("jaar", "Jaar", "VARCHAR"),
        Column("platform", "Platform", "VARCHAR"),
        Column("kanaal", "Kanaal", "VARCHAR", "Account van de gemeente waaraan de vraag gesteld is."),
        Column("thema", "Thema", "VARCHAR"),
        Column("asked_at", "Gesteld op (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("beantwoord", "Beantwoord", "VARCHAR", "ja of nee."),
        Column("reactietijd_uur", "Reactietijd (uur)", "DOUBLE", "Tot het eerste antwoord, alle uren."),
        Column(
            "reactietijd_kantooruren",
            "Reactietijd in kantooruren (uur)",
            "DOUBLE",
            "Alleen maandag–vrijdag 09:00–17:00, feestdagen niet.",
        ),
        Column(
            "classifier_reason",
            "Waarom een vraag",
            "VARCHAR",
            "De reden van de classifier: de regels (met gewicht) die de tekst tot vraag maakten, en zo nodig "
            "het model met ten hoogste drie woorden of woordparen.",
        ),
    ),
    (
        Metric("vragen", "Vragen", "COUNT(*)"),
        Metric("beantwoord", "Beantwoord", _count_if("beantwoord = 'ja'")),
        Metric(
            "antwoordpercentage", "Antwoordpercentage", "AVG(CASE WHEN beantwoord = 'ja' THEN 1.0 ELSE 0.0 END)", PCT
        ),
    ),
    main_dttm_col="asked_at",
    sql=(
        "SELECT q.gm_code, m.name AS gemeente, CAST(q.asked_year AS VARCHAR) AS jaar, q.platform,\n"
        "       c.handle AS kanaal, c.theme AS thema, q.asked_at,\n"
        "       CASE WHEN q.is_answered THEN 'ja' ELSE 'nee' END AS beantwoord,\n"
        "       q.response_minutes / 60.0 AS reactietijd_uur,\n"
        "       q.business_response_minutes / 60.0 AS reactietijd_kantooruren,\n"
        "       q.classifier_reason\n"
        "FROM marts.fct_questions AS q\n"
        "JOIN marts.dim_municipality AS m ON m.gm_code = q.gm_code\n"
        "LEFT JOIN marts.dim_channel AS c ON c.channel_id = q.channel_id"
    ),
)

# --- CONTRACT §7: peers by size, buckets, themes, the survey nationally, the change since the previous year ---
RPT_SIZE_CLASS_YEAR = Dataset(
    "rpt_size_class_year",
    "marts",
    "rpt_size_class_year",
    "b19f72fe-565f-46a2-a7ee-ba596214fc9a",
    "Kengetallen per grootteklasse per jaar (S < 50.000, M 50.000–99.999, L ≥ 100.000 inwoners).",
    (
        Column("size_class", "Grootteklasse (code)", "VARCHAR"),
        Column("grootteklasse", "Grootteklasse", "VARCHAR", None, _SIZE_CLASS),
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        Column("municipalities", "Gemeenten", "INTEGER", "Gemeenten van de klasse op 1 januari."),
        Column("questions", "Vragen", "INTEGER"),
        Column("answered", "Beantwoord", "INTEGER"),
        Column("answer_rate", "Antwoordpercentage", "DOUBLE"),
        Column("median_response_hours", "Mediaan reactietijd (uur)", "DOUBLE"),
        Column("pct_answered_within_24h", "Binnen 24 uur", "DOUBLE"),
        Column("pct_structural", "Aandeel structureel", "DOUBLE"),
    ),
    # One row per class and year: in a pivot by class and year each metric shows that row's figure.
    (
        Metric("gemeenten", "Gemeenten", "SUM(municipalities)"),
        Metric("vragen", "Vragen", "SUM(questions)"),
        Metric("antwoordpercentage", "Antwoordpercentage", "MAX(answer_rate)", PCT),
        Metric("mediaan_reactietijd", "Mediaan reactietijd (uur)", "MAX(median_response_hours)", HOURS),
        Metric("binnen_24_uur", "Binnen 24 uur", "MAX(pct_answered_within_24h)", PCT),
        Metric("aandeel_structureel", "Structureel", "MAX(pct_structural)", PCT),
    ),
)

RPT_RESPONSE_BUCKETS = Dataset(
    "rpt_response_buckets",
    "marts",
    "rpt_response_buckets",
    "1be1f55e-7891-4119-968f-f8fb787ee1c9",
    "Vragen per gemeente, jaar en platform naar reactietijd: binnen 1 uur, 1–4, 4–8, 8–24 uur, later, onbeantwoord.",
    (
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        _gemeente("rpt_response_buckets"),
        Column("platform", "Platform", "VARCHAR"),
        Column("bucket", "Reactietijd (code)", "VARCHAR"),
        Column("bucket_order", "Volgorde", "INTEGER"),
        Column("reactietijd", "Reactietijd", "VARCHAR", "Genummerd van snel naar onbeantwoord.", _BUCKET),
        Column("questions", "Vragen", "INTEGER"),
    ),
    (Metric("vragen", "Vragen", "SUM(questions)"),),
)

RPT_THEME_YEAR = Dataset(
    "rpt_theme_year",
    "marts",
    "rpt_theme_year",
    "f951fad0-0e2d-4d7a-bd60-9b0935260efb",
    "Themakanalen (niet algemeen) per thema per jaar: gemeenten, kanalen, vragen en antwoorden.",
    (
        Column("theme", "Thema", "VARCHAR"),
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        Column("municipalities", "Gemeenten", "INTEGER", "Met ten minste één actief kanaal van het thema."),
        Column("channels", "Kanalen", "INTEGER"),
        Column("questions", "Vragen", "INTEGER"),
        Column("answered", "Beantwoord", "INTEGER"),
        Column("answer_rate", "Antwoordpercentage", "DOUBLE"),
    ),
    (
        Metric("gemeenten", "Gemeenten", "SUM(municipalities)"),
        Metric("kanalen", "Kanalen", "SUM(channels)"),
        Metric("vragen", "Vragen", "SUM(questions)"),
        Metric("antwoordpercentage", "Antwoordpercentage", "SUM(answered) * 1.0 / NULLIF(SUM(questions), 0)", PCT),
    ),
)

# The platform's display name from the platform registry (dim_platform); a correlated subquery, as _NAME_OF.
_PLATFORM_NAME_OF = "(SELECT p.display_name FROM marts.dim_platform AS p WHERE p.platform = {table}.platform)"

RPT_PLATFORM_YEAR = Dataset(
    "rpt_platform_year",
    "marts",
    "rpt_platform_year",
    "1a58176d-b527-485c-91b6-56abe06786e0",
    "Per platform van het platformregister per jaar: gemeenten aanwezig, geparkeerd of vertrokken, en de vragen "
    "op het platform met antwoordpercentage en mediane reactietijd.",
    (
        Column("platform", "Platform (code)", "VARCHAR"),
        Column(
            "platform_naam",
            "Platform",
            "VARCHAR",
            "Naam van het platform volgens het platformregister.",
            _PLATFORM_NAME_OF.format(table="rpt_platform_year"),
        ),
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        Column("present", "Aanwezig", "INTEGER", "Gemeenten met een actief kanaal dat dat jaar een bericht plaatste."),
        Column("left", "Vertrokken", "INTEGER", "Niet aanwezig; het laatste kanaal van de gemeente stopte dat jaar."),
        Column("parked", "Geparkeerd", "INTEGER", "Gemeenten met een actief kanaal dat dat jaar zweeg."),
        Column("questions", "Vragen", "INTEGER"),
        Column("answered", "Beantwoord", "INTEGER"),
        Column("answer_rate", "Antwoordpercentage", "DOUBLE"),
        Column("median_response_hours", "Mediaan reactietijd (uur)", "DOUBLE"),
    ),
    (
        Metric(
            "gemeenten",
            "Gemeenten met een kanaal",
            'SUM(present + parked + "left")',
            COUNT,
            "Gemeenten met ten minste één actief kanaal op het platform dat jaar: aanwezig, geparkeerd of vertrokken.",
        ),
        Metric("aanwezig", "Aanwezig", "SUM(present)"),
        Metric("geparkeerd", "Geparkeerd", "SUM(parked)"),
        Metric("vertrokken", "Vertrokken", 'SUM("left")'),
        Metric("vragen", "Vragen", "SUM(questions)"),
        Metric("antwoordpercentage", "Antwoordpercentage", "SUM(answered) * 1.0 / NULLIF(SUM(questions), 0)", PCT),
        # One row per platform and year: per platform and year the median itself; over several years the
        # highest (a median cannot be combined).
        Metric("mediaan_reactietijd", "Mediaan reactietijd (uur)", "MAX(median_response_hours)", HOURS),
    ),
)

RPT_MANAGEMENT_SUPPORT_YEAR = Dataset(
    "rpt_management_support_year",
    "marts",
    "rpt_management_support_year",
    "2a32b218-a0e9-4370-820b-79bec5576e30",
    "Enquête: antwoorden per niveau van steun van het management (1–5) per jaar, ook de niveaus zonder antwoord.",
    (
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        Column("management_support", "Steun management (1–5)", "INTEGER"),
        Column("steun", "Steun management", "VARCHAR", "1 (geen) tot 5 (veel), als tekst.", _STEUN),
        Column("responses", "Antwoorden", "INTEGER"),
    ),
    (Metric("antwoorden", "Antwoorden", "SUM(responses)"),),
)

RPT_NATIONAL_YEAR_CHANGE = Dataset(
    "rpt_national_year_change",
    "marts",
    "rpt_national_year_change",
    "aa5aa383-159f-4ef8-9fa0-3d78b09899c2",
    "Elk landelijk kengetal van een jaar naast dat van het vorige rapportjaar, met de verandering.",
    (
        Column("year", "Jaar (getal)", "INTEGER"),
        _jaar("year"),
        Column("measure", "Kengetal (code)", "VARCHAR"),
        Column("measure_order", "Nr.", "INTEGER"),
        Column("value", "Waarde (ruw)", "DOUBLE", "Aandelen als fractie 0–1."),
        Column("previous_year", "Vorig jaar (getal)", "INTEGER"),
        Column("previous_value", "Vorige waarde (ruw)", "DOUBLE"),
        Column("change", "Verandering (ruw)", "DOUBLE"),
        Column("kengetal", "Kengetal", "VARCHAR", None, _MEASURE_NAME),
        Column("eenheid", "Eenheid", "VARCHAR", "Aandelen in %, hun verandering in procentpunten.", _MEASURE_UNIT),
        Column("vorig_jaar", "Vorig jaar", "VARCHAR", "Het vorige rapportjaar.", "CAST(previous_year AS VARCHAR)"),
        Column("waarde", "Waarde", "DOUBLE", None, f"value * {_IN_PERCENT}"),
        Column("vorige_waarde", "Vorig jaar: waarde", "DOUBLE", None, f"previous_value * {_IN_PERCENT}"),
        Column("verandering", "Verandering", "DOUBLE", "Aandelen in procentpunten.", f"change * {_IN_PERCENT}"),
    ),
    (Metric("kengetallen", "Kengetallen", "COUNT(*)"),),
)

VALIDATION_RUNS = Dataset(
    "validation_runs",
    "dq",
    "validation_runs",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a07",
    "Validaties (Great Expectations), één rij per suite per gecontroleerd bestand.",
    (
        Column("run_id", "Validatie", "VARCHAR"),
        Column("suite", "Suite", "VARCHAR"),
        Column("load_id", "Laadrun", "VARCHAR"),
        Column("source_file", "Bestand", "VARCHAR"),
        Column("started_at", "Gestart (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("rows_checked", "Rijen gecontroleerd", "BIGINT"),
        Column("rules_checked", "Regels gecontroleerd", "INTEGER"),
        Column("outcome", "Uitkomst", "VARCHAR"),
        Column("fatal_failures", "Fataal", "INTEGER"),
        Column("error_failures", "Fout", "INTEGER"),
        Column("warning_failures", "Waarschuwing", "INTEGER"),
        Column("data_docs_page", "Data Docs-pagina", "VARCHAR"),
    ),
    (
        Metric("validaties", "Validaties", "COUNT(*)"),
        Metric("mislukte_validaties", "Mislukt", "SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END)"),
    ),
    main_dttm_col="started_at",
)

RULE_RESULTS = Dataset(
    "rule_results",
    "dq",
    "rule_results",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a08",
    "Uitkomst per regel per validatie.",
    (
        Column("run_id", "Validatie", "VARCHAR"),
        Column("suite", "Suite", "VARCHAR"),
        Column("rule", "Regel", "VARCHAR"),
        Column("description", "Omschrijving", "VARCHAR"),
        Column("severity", "Ernst", "VARCHAR", "fatal, error of warning."),
        Column("success", "Geslaagd", "BOOLEAN"),
        Column("observed", "Waargenomen", "VARCHAR"),
        Column("unexpected_count", "Afwijkend", "BIGINT"),
        Column("failing_keys", "Afwijkende sleutels", "VARCHAR"),
    ),
    (Metric("regels", "Regels", "COUNT(*)"),),
)

LOADS = Dataset(
    "loads",
    "dq",
    "loads",
    "e9ad6704-d5a1-41b6-9247-1a3adecb250f",
    "Laadruns, één rij per bron per run, met wat er geladen, overgeslagen en in quarantaine gezet is.",
    (
        Column("load_id", "Laadrun", "VARCHAR"),
        Column("source", "Bron", "VARCHAR", "Map in de landingszone, bijvoorbeeld cbs_gemeenten."),
        Column("started_at", "Gestart (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("finished_at", "Klaar (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("files_loaded", "Bestanden geladen", "INTEGER"),
        Column("files_skipped", "Overgeslagen", "INTEGER", "Al eerder geladen (zelfde SHA-256)."),
        Column("files_quarantined", "Bestanden in quarantaine", "INTEGER"),
        Column("rows_loaded", "Rijen geladen", "BIGINT"),
        Column("rows_quarantined", "Rijen in quarantaine", "BIGINT"),
    ),
    (
        Metric("aantal_laadruns", "Aantal laadruns", "COUNT(*)"),
        Metric("rijen_geladen", "Rijen geladen", "COALESCE(SUM(rows_loaded), 0)"),
    ),
    main_dttm_col="started_at",
)

QUARANTINED_FILES = Dataset(
    "quarantined_files",
    "dq",
    "quarantined_files",
    "3269bc5a-4398-44f2-8fc2-8252a609143d",
    "Bestanden die niet te lezen waren, met de reden.",
    (
        Column("load_id", "Laadrun", "VARCHAR"),
        Column("source", "Bron", "VARCHAR"),
        Column("source_file", "Bestand", "VARCHAR"),
        Column("quarantine_path", "Quarantainepad", "VARCHAR"),
        Column("reason", "Reden", "VARCHAR"),
        Column("quarantined_at", "In quarantaine (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
    ),
    (Metric("aantal_bestanden", "Aantal bestanden", "COUNT(*)"),),
    main_dttm_col="quarantined_at",
)

QUARANTINED_ROWS = Dataset(
    "quarantined_rows",
    "dq",
    "quarantined_rows",
    "48fc9f06-d40e-4f06-b9d9-b4621b300d8f",
    "Rijen die niet te verwerken of te koppelen waren, met de reden.",
    (
        Column("load_id", "Laadrun", "VARCHAR"),
        Column("source", "Bron", "VARCHAR"),
        Column("source_file", "Bestand", "VARCHAR"),
        Column("position", "Positie", "VARCHAR"),
        Column("reason", "Reden", "VARCHAR"),
        Column("quarantined_at", "In quarantaine (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        # The reason with its quoted values left out, so equal reasons group together.
        Column("soort_reden", "Soort reden", "VARCHAR", None, _REASON_KIND),
    ),
    (Metric("aantal_rijen", "Aantal rijen", "COUNT(*)"),),
    main_dttm_col="quarantined_at",
)

BUILDS = Dataset(
    "builds",
    "dq",
    "builds",
    "5b0c8a43-7d0e-4c5f-9d3a-0f6f2b7c1a09",
    "Bouw- en publicatieruns van het warehouse.",
    (
        Column("built_at", "Gebouwd (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("loaded_until", "Geladen tot (UTC)", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("outcome", "Uitkomst", "VARCHAR"),
        Column("tables", "Tabellen", "VARCHAR"),
    ),
    (Metric("builds", "Publicaties", "COUNT(*)"),),
    main_dttm_col="built_at",
)

FCT_REPLIES = Dataset(
    "fct_replies",
    "marts",
    "fct_replies",
    "82dcda32-ee80-5c89-a29b-3f5ca2e1dcef",
    "Antwoorden van gemeenten op vragen, één rij per antwoord per vraag, met het bestand van het bericht.",
    (
        Column("reply_id", "Antwoord", "VARCHAR"),
        Column("question_id", "Vraag", "VARCHAR"),
        Column("channel_id", "Kanaal", "VARCHAR"),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("replied_at", "Beantwoord op", "TIMESTAMP WITH TIME ZONE", is_dttm=True),
        Column("reply_rank", "Volgnummer", "INTEGER", "1 is het eerste antwoord op de vraag."),
        Column("response_minutes", "Reactietijd (minuten)", "DOUBLE"),
        Column("match_type", "Soort", "VARCHAR", "direct (op de vraag) of follow_up (op een latere vraag)."),
        Column("source_file", "Bestand", "VARCHAR", "Bestand van de gekozen kopie van het antwoord."),
        Column("source_sha256", "SHA-256", "VARCHAR"),
        Column("source_position", "Positie", "VARCHAR"),
    ),
    (Metric("antwoorden", "Antwoorden", "COUNT(*)"),),
    main_dttm_col="replied_at",
)

# Lineage (docs/lineage.md): no citizen data, so also for auditors.
FCT_MESSAGE_SOURCES = Dataset(
    "fct_message_sources",
    "marts",
    "fct_message_sources",
    "75c4e0b3-a20a-574b-a7df-a088bbbda15c",
    "Herkomst van vragen en antwoorden: één rij per kopie van een bericht in een geladen bestand; "
    "de kopie die gekozen is staat gemarkeerd.",
    (
        Column("message_id", "Bericht", "VARCHAR", "question_id of reply_id, <platform>:<id>."),
        Column("message_role", "Rol", "VARCHAR", "question of reply."),
        Column("gm_code", "Gemeentecode", "VARCHAR"),
        Column("year", "Jaar (getal)", "INTEGER", "Jaar van de vraag of het antwoord (Nederlandse tijd)."),
        _jaar("year"),
        _gemeente("fct_message_sources"),
        Column("source_system", "Formaat", "VARCHAR", "x_api, x_archive, facebook_graph of webcare_csv."),
        Column("source_file", "Bestand", "VARCHAR", "Pad in de landingszone."),
        Column("source_sha256", "SHA-256", "VARCHAR", "SHA-256 van het bestand zoals het geladen is."),
        Column("source_position", "Positie", "VARCHAR", "Plaats van de kopie in het bestand."),
        Column("is_winning_copy", "Gekozen kopie", "BOOLEAN", "De kopie die de ontdubbeling koos; één per bericht."),
        Column("copies", "Kopieën", "INTEGER", "Aantal kopieën van het bericht in de geladen bestanden."),
        Column("rol", "Rol", "VARCHAR", None, "CASE message_role WHEN 'question' THEN 'vraag' ELSE 'antwoord' END"),
        Column("gekozen", "Gekozen", "VARCHAR", "Gekozen kopie: ja of nee.", _yes_no("is_winning_copy")),
    ),
    (
        Metric("kopieen", "Kopieën", "COUNT(*)"),
        Metric("berichten", "Berichten", "COUNT(DISTINCT message_id)"),
    ),
)

DIM_SOURCE_FILE = Dataset(
    "dim_source_file",
    "marts",
    "dim_source_file",
    "bf05ae74-02e5-576b-97e4-b2ab2d4c8dc9",
    "Geladen bestanden, één rij per bestand (SHA-256), met het aantal geladen en in quarantaine gezette rijen.",
    (
        Column("source_sha256", "SHA-256", "VARCHAR", "SHA-256 van het bestand zoals het geladen is."),
        Column("source", "Bron", "VARCHAR", "Map in de landingszone, bijvoorbeeld x_api."),
        Column("source_file", "Bestand", "VARCHAR", "Pad in de landingszone; shipped:… voor meegeleverde CBS-data."),
        Column("rows_loaded", "Rijen geladen", "BIGINT"),
        Column("rows_quarantined", "Rijen in quarantaine", "BIGINT"),
    ),
    (
        Metric("aantal_bestanden", "Aantal bestanden", "COUNT(*)"),
        Metric("rijen_geladen", "Rijen geladen", "COALESCE(SUM(rows_loaded), 0)"),
    ),
)

DATASETS: tuple[Dataset, ...] = (
    DIM_MUNICIPALITY,
    RPT_NATIONAL_YEAR,
    RPT_MUNICIPALITY_YEAR,
    FCT_QUESTIONS,
    FCT_REPLIES,
    DIM_CHANNEL,
    FCT_SURVEY_RESPONSES,
    GEMEENTE_VS_LANDELIJK,
    RANGLIJST,
    VRAGEN,
    ZELFBEELD,
    RPT_SIZE_CLASS_YEAR,
    RPT_RESPONSE_BUCKETS,
    RPT_THEME_YEAR,
    RPT_PLATFORM_YEAR,
    RPT_MANAGEMENT_SUPPORT_YEAR,
    RPT_NATIONAL_YEAR_CHANGE,
    VALIDATION_RUNS,
    RULE_RESULTS,
    LOADS,
    QUARANTINED_FILES,
    QUARANTINED_ROWS,
    BUILDS,
    FCT_MESSAGE_SOURCES,
    DIM_SOURCE_FILE,
)
