"""The three dashboards: their charts, layout and native filters.

Chart UUIDs are fixed: either kept from earlier versions of the bundle, or derived from the chart's key in a
fixed namespace (``uuid5``), so renaming a title keeps the chart's identity in an installed Superset.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from . import datasets as ds
from .charts import Chart, bar, big_number, bubble, histogram, listing, pivot, sunburst, table, where
from .datasets import HOURS, PCT

_NAMESPACE = uuid.UUID("0b7d9c3e-5a61-4c4e-8f0e-6a7d3d1b2c10")
DEFAULT_MUNICIPALITY = "Utrecht"  # has channels, questions and survey answers in every demo year


def uid(key: str) -> str:
    """The fixed UUID of a chart key."""
    return str(uuid.uuid5(_NAMESPACE, key))


@dataclass(frozen=True)
class NativeFilter:
    """A native value filter on ``column`` (which every dataset in scope has), except on ``excluded``."""

    filter_id: str
    name: str
    column: str
    dataset: ds.Dataset
    description: str
    excluded: tuple[Chart, ...] = ()
    default: str | None = None  # set: one value must always be chosen, this one at first
    latest: bool = False  # one value must always be chosen, at first the last option (the latest year)


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: rows of (chart or markdown, width, height) under optional section headers."""

    slug: str
    uuid: str
    title: str
    rows: list[list[tuple[Chart | str, int, int]] | str]
    native_filters: list[NativeFilter] = field(default_factory=list)

    @property
    def charts(self) -> list[Chart]:
        return [item for row in self.rows if isinstance(row, list) for item, _, _ in row if isinstance(item, Chart)]


# --- Landelijk overzicht -------------------------------------------------------------------------------
N, M, S = ds.RPT_NATIONAL_YEAR, ds.RPT_MUNICIPALITY_YEAR, ds.FCT_SURVEY_RESPONSES
_ON_JAN_1 = [where("existed_on_first_january", "IS TRUE")]


def _headline(key: str, name: str, dataset: ds.Dataset, metric: str, subtitle: str, fmt: str) -> Chart:
    # No year in the chart: the filter "Jaar" chooses it, and without a filter the metrics
    # give the latest year's value (datasets._latest).
    return big_number(key, uid(key), name, dataset, metric, subtitle, fmt)


H_JAAR = _headline("h_jaar", "Jaar", N, "jaar_getal", "het jaar van deze kerncijfers", ds.YEAR)
H_GEMEENTEN = _headline("h_gemeenten", "Gemeenten", N, "gemeenten", "gemeenten op 1 januari", ",d")
H_ZONDER_X = _headline("h_zonder_x", "Zonder X", N, "zonder_x", "gemeenten zonder X-account", ",d")
H_FACEBOOK = _headline("h_facebook", "Met Facebook", N, "aandeel_facebook", "van de gemeenten op Facebook", ".0%")
H_ANTWOORD = _headline("h_antwoord", "Antwoordpercentage", N, "antwoordpercentage", "van de vragen beantwoord", ".0%")
H_REACTIE = _headline("h_reactie", "Reactietijd", N, "gem_reactietijd", "uur gemiddeld tot het eerste antwoord", ",.1f")
H_STRUCTUREEL = _headline(
    "h_structureel",
    "Structureel",
    N,
    "aandeel_structureel",
    "gebruikt sociale media structureel (niveau ≥ 3)",
    ".0%",
)
H_COMMUNICATIE = _headline(
    "h_communicatie",
    "Afdeling communicatie",
    N,
    "aandeel_communicatie",
    "noemt communicatie verantwoordelijk (enquête)",
    ".0%",
)
H_MEDIAAN = _headline(
    "h_mediaan", "Mediaan reactietijd", N, "mediaan_reactietijd", "uur mediaan tot het eerste antwoord", ",.1f"
)
H_KANTOORUREN = _headline(
    "h_kantooruren",
    "Mediaan in kantooruren",
    N,
    "mediaan_kantooruren",
    "uur mediaan, alleen werkdagen 09:00–17:00",
    ",.1f",
)
H_24_UUR = _headline("h_24_uur", "Binnen 24 uur", N, "binnen_24_uur", "van de vragen binnen 24 uur beantwoord", ".0%")
H_WERKDAG = _headline(
    "h_werkdag", "Binnen één werkdag", N, "binnen_werkdag", "van de vragen binnen 8 kantooruren beantwoord", ".0%"
)
H_KCC = _headline("h_kcc", "KCC betrokken", N, "aandeel_kcc", "noemt het KCC betrokken (enquête)", ".0%")
H_STEUN = _headline(
    "h_steun", "Steun management", N, "steun_management", "gemiddeld, 1 (geen) tot 5 (veel) (enquête)", ",.2f"
)
H_CIJFER = _headline(
    "h_cijfer",
    "Rapportcijfer",
    N,
    "rapportcijfer_communicatie",
    "eigen rapportcijfer als communicatie verantwoordelijk is",
    ",.1f",
)
HEADLINES = [
    H_JAAR,
    H_GEMEENTEN,
    H_ZONDER_X,
    H_FACEBOOK,
    H_STRUCTUREEL,
    H_ANTWOORD,
    H_24_UUR,
    H_WERKDAG,
    H_REACTIE,
    H_MEDIAAN,
    H_KANTOORUREN,
    H_COMMUNICATIE,
    H_CIJFER,
    H_KCC,
    H_STEUN,
]
VERANDERING = listing(
    "verandering",
    uid("verandering"),
    "Veranderd sinds het vorige rapportjaar",
    ds.RPT_NATIONAL_YEAR_CHANGE,
    ["measure_order", "kengetal", "vorig_jaar", "vorige_waarde", "waarde", "verandering", "eenheid"],
    [("measure_order", True)],
    formats={"vorige_waarde": ",.1~f", "waarde": ",.1~f", "verandering": "+,.1~f"},
    page_length=0,
    description="Elk kengetal van het jaar van het filter Jaar naast het vorige jaar met gegevens; aandelen in "
    "procenten, hun verandering in procentpunten.",
)

KERNCIJFERS = table(
    "kerncijfers",
    uid("kerncijfers"),
    "Kerncijfers per jaar",
    N,
    ["jaar"],
    [
        "gemeenten",
        "zonder_x",
        "aandeel_facebook",
        "aandeel_structureel",
        "vragen",
        "beantwoord",
        "antwoordpercentage",
        "gem_reactietijd",
        "mediaan_reactietijd",
        "aandeel_communicatie",
        "rapportcijfer_communicatie",
    ],
    description="Alle landelijke kengetallen uit rpt_national_year.",
)
P = ds.RPT_PLATFORM_YEAR
# Every platform of the platform registry (dim_platform), none named here: a platform added to the registry
# appears in these charts without a change to them.
PLATFORMS = bar(
    "platforms",
    uid("platforms"),
    "Gemeenten per platform",
    P,
    "jaar",
    ["gemeenten"],
    groupby=["platform_naam"],
    description="Gemeenten met ten minste één actief kanaal op het platform in het jaar (aanwezig, geparkeerd "
    "of vertrokken), elk platform van het platformregister.",
)
KANAALSTATUS = pivot(
    "kanaalstatus",
    uid("kanaalstatus"),
    "Aanwezig, geparkeerd en vertrokken per platform",
    P,
    ["platform_naam"],
    ["jaar"],
    ["aanwezig", "geparkeerd", "vertrokken"],
    description="Elke gemeente telt per platform en jaar één keer: aanwezig als een actief kanaal dat jaar iets "
    "plaatste; anders vertrokken als haar laatste kanaal op het platform dat jaar stopte; anders geparkeerd als "
    "ze een actief kanaal had dat zweeg.",
)
PLATFORM_ANTWOORD = pivot(
    "platform_antwoord",
    uid("platform_antwoord"),
    "Antwoordpercentage en reactietijd per platform",
    P,
    ["platform_naam"],
    ["jaar"],
    ["vragen", "antwoordpercentage", "mediaan_reactietijd"],
    description="Vragen van inwoners op het platform in het jaar, het aandeel beantwoord en de mediane tijd tot "
    "het eerste antwoord (uur).",
)
ANTWOORD = bar("antwoord", uid("antwoord"), "Antwoordpercentage per jaar", N, "jaar", ["antwoordpercentage"], fmt=PCT)
REACTIETIJD = bar(
    "reactietijd",
    uid("reactietijd"),
    "Reactietijd per jaar (uur)",
    N,
    "jaar",
    ["gem_reactietijd", "mediaan_reactietijd", "mediaan_kantooruren"],
    fmt=HOURS,
    description="Alle uren (gemiddeld en mediaan) en de mediaan in kantooruren (werkdagen 09:00–17:00).",
)
NORMEN = bar(
    "normen",
    uid("normen"),
    "Normen: binnen 24 uur en binnen één werkdag",
    N,
    "jaar",
    ["binnen_24_uur", "binnen_werkdag"],
    fmt=PCT,
    description="Aandeel van alle vragen (beantwoord of niet) met een eerste antwoord binnen 24 uur, en binnen "
    "één werkdag (8 kantooruren).",
)
GROOTTEKLASSEN = pivot(
    "grootteklassen",
    uid("grootteklassen"),
    "Per grootteklasse",
    ds.RPT_SIZE_CLASS_YEAR,
    ["grootteklasse"],
    ["jaar"],
    ["gemeenten", "vragen", "antwoordpercentage", "mediaan_reactietijd", "binnen_24_uur", "aandeel_structureel"],
    description="Gemeenten naar inwonertal: S onder 50.000, M 50.000–99.999, L 100.000 of meer (CBS).",
)
THEMAS = pivot(
    "themas",
    uid("themas"),
    "Themakanalen per thema",
    ds.RPT_THEME_YEAR,
    ["theme"],
    ["jaar"],
    ["gemeenten", "kanalen", "vragen", "antwoordpercentage"],
    description="Kanalen met een eigen thema (niet algemeen); een vraag telt bij het thema van het kanaal.",
)
VOLWASSENHEID = bar(
    "volwassenheid",
    uid("volwassenheid"),
    "Volwassenheid: gemeenten per niveau",
    M,
    "jaar",
    ["gemeenten"],
    groupby=["volwassenheid"],
    stack=True,
    filters=_ON_JAN_1,
)
AFDELING = bar(
    "afdeling",
    uid("afdeling"),
    "Verantwoordelijke afdeling (enquête)",
    S,
    "jaar",
    ["antwoorden"],
    groupby=["responsible_department"],
    share=True,
)
CIJFER = pivot(
    "cijfer",
    uid("cijfer"),
    "Rapportcijfer per afdeling (enquête)",
    S,
    ["responsible_department"],
    ["jaar"],
    ["antwoorden", "gem_rapportcijfer"],
)
PROVINCIES = pivot(
    "provincies",
    uid("provincies"),
    "Per provincie",
    M,
    ["provincie"],
    ["jaar"],
    ["gemeenten", "aandeel_structureel", "antwoordpercentage", "gem_reactietijd"],
    filters=_ON_JAN_1,
    description="Gemeenten die op 1 januari bestonden, naar hun provincie.",
)

# The article, whole: the KCC's growing part, management's reluctance, the municipalities' own view.
Z = ds.ZELFBEELD
KCC = bar(
    "kcc",
    uid("kcc"),
    "KCC betrokken (enquête)",
    S,
    "jaar",
    ["antwoorden"],
    groupby=["kcc"],
    share=True,
    description="Aandeel van de enquêteantwoorden dat het klantcontactcentrum (KCC) betrokken noemt.",
)
STEUN = bar(
    "steun",
    uid("steun"),
    "Steun van het management: gemiddeld (1–5)",
    S,
    "jaar",
    ["gem_steun"],
    fmt=",.2f",
    description="Gemiddelde van de antwoorden 1 (geen steun) tot 5 (veel steun).",
)
STEUN_VERDELING = bar(
    "steun_verdeling",
    uid("steun_verdeling"),
    "Steun van het management: verdeling",
    ds.RPT_MANAGEMENT_SUPPORT_YEAR,
    "jaar",
    ["antwoorden"],
    groupby=["steun"],
    share=True,
)
EIGEN_GEMETEN = bar(
    "eigen_gemeten",
    uid("eigen_gemeten"),
    "Structureel: eigen oordeel en gemeten",
    Z,
    "jaar",
    ["aandeel_eigen", "aandeel_gemeten"],
    fmt=PCT,
    description="Van de gemeenten die de enquête invulden: zegt structureel te werken, en is het gemeten "
    "(volwassenheidsniveau 3 of hoger).",
)
ZELFBEELD_PUNTEN = bubble(
    "zelfbeeld_punten",
    uid("zelfbeeld_punten"),
    "Rapportcijfer en antwoordpercentage per gemeente",
    Z,
    "gemeente",
    ("rapportcijfer", "eigen rapportcijfer", ",.1f"),
    ("antwoordpercentage", "antwoordpercentage", ".0%"),
    "vragen",
    description="Elke gemeente die de enquête invulde, in het jaar van het filter Jaar; grootte: aantal vragen.",
)
ZELFBEELD_KRUIS = pivot(
    "zelfbeeld_kruis",
    uid("zelfbeeld_kruis"),
    "Structureel: eigen oordeel tegen gemeten (gemeenten)",
    Z,
    ["eigen_oordeel"],
    ["gemeten"],
    ["gemeenten"],
    description="Gemeenten in het jaar van het filter Jaar: rijen hun eigen oordeel, kolommen de meting.",
)
ONE_YEAR = [ZELFBEELD_PUNTEN, ZELFBEELD_KRUIS]

_INTRO = (
    "#### Landelijk overzicht\n\n"
    "Hoe gemeenten sociale media gebruiken: kanalen, vragen van inwoners, antwoorden en reactietijden, "
    "en de enquête. Bovenaan de kerncijfers van één jaar: het jaar in het filter *Jaar*, standaard het laatste "
    "jaar met gegevens (2014 is het jaar van het onderzoek), en links daarvan wat er veranderde sinds het "
    "vorige rapportjaar; dat jaar geldt ook voor het eigen oordeel per gemeente onderaan. De grafieken per "
    "jaar tonen elk jaar (filter *Jaren in de grafieken*).\n\n"
    "Percentages zijn aandelen van de gemeenten of vragen; reactietijden in uren tot het eerste antwoord. "
    "*Structureel* is volwassenheidsniveau 3 of hoger (in gesprek). *Binnen één werkdag*: binnen 8 kantooruren "
    "(werkdagen 09:00–17:00, feestdagen niet). Grootteklassen naar inwonertal (CBS): S onder 50.000, "
    "M 50.000–99.999, L 100.000 of meer."
)

_LANDELIJK_ROWS: list[list[tuple[Chart | str, int, int]] | str] = [
    "In één oogopslag",
    [(c, 3, 20) for c in HEADLINES[:4]],
    [(c, 3, 20) for c in HEADLINES[4:8]],
    [(c, 4, 20) for c in HEADLINES[8:11]],
    [(c, 3, 20) for c in HEADLINES[11:]],
    [(VERANDERING, 7, 76), (_INTRO, 5, 76)],
    "Per jaar",
    [(KERNCIJFERS, 12, 27)],
    [(PLATFORMS, 6, 55), (ANTWOORD, 6, 55)],
    [(KANAALSTATUS, 12, 55)],
    [(PLATFORM_ANTWOORD, 12, 55)],
    [(REACTIETIJD, 6, 55), (NORMEN, 6, 55)],
    [(VOLWASSENHEID, 6, 55), (AFDELING, 6, 55)],
    [(CIJFER, 6, 55), (THEMAS, 6, 55)],
    [(PROVINCIES, 12, 62)],
    [(GROOTTEKLASSEN, 12, 40)],
    "Organisatie en eigen oordeel (enquête)",
    [(KCC, 6, 50), (STEUN, 6, 50)],
    [(STEUN_VERDELING, 6, 50), (EIGEN_GEMETEN, 6, 50)],
    "Eigen oordeel per gemeente (jaar uit het filter Jaar)",
    [(ZELFBEELD_PUNTEN, 8, 60), (ZELFBEELD_KRUIS, 4, 60)],
]
_PER_YEAR = tuple(
    c for c in Dashboard("", "", "", _LANDELIJK_ROWS).charts if c not in [*HEADLINES, VERANDERING, *ONE_YEAR]
)

LANDELIJK = Dashboard(
    "landelijk-overzicht",
    "978a82bd-3688-4dc0-a369-12face6c0077",
    "Landelijk overzicht",
    _LANDELIJK_ROWS,
    [
        NativeFilter(
            "NATIVE_FILTER-kernjaar",
            "Jaar",
            "jaar",
            N,
            "Het jaar van de kerncijfers bovenaan en van de cijfers per gemeente; standaard het laatste jaar "
            "met gegevens.",
            _PER_YEAR,
            latest=True,
        ),
        NativeFilter(
            "NATIVE_FILTER-jaar",
            "Jaren in de grafieken",
            "jaar",
            N,
            "Beperk de grafieken per jaar tot een of meer jaren.",
            (*HEADLINES, VERANDERING, *ONE_YEAR),
        ),
    ],
)

# --- Gemeente ------------------------------------------------------------------------------------------
C, Q, V = ds.DIM_CHANNEL, ds.FCT_QUESTIONS, ds.GEMEENTE_VS_LANDELIJK

KANALEN = listing(
    "kanalen",
    uid("kanalen"),
    "Kanalen",
    C,
    ["platform", "handle", "theme", "active_from", "active_to"],
    [("platform", True), ("theme", True)],
    page_length=10,
    timestamp_format="%d-%m-%Y",
)
KANALEN_PLATFORM = sunburst(
    "kanalen_platform", uid("kanalen_platform"), "Kanalen per platform en thema", C, ["platform", "theme"], "kanalen"
)
GEMEENTE_JAREN = listing(
    "gemeente_jaren",
    uid("gemeente_jaren"),
    "Gemeente per jaar",
    M,
    [
        "jaar",
        "size_class",
        "channels",
        "questions",
        "answered",
        "answer_rate",
        "answered_within_24h",
        "pct_answered_within_24h",
        "answered_within_working_day",
        "avg_response_hours",
        "median_response_hours",
        "avg_business_response_hours",
        "median_business_response_hours",
        "volwassenheid",
    ],
    [("jaar", True)],
    formats={
        "answer_rate": PCT,
        "pct_answered_within_24h": PCT,
        "avg_response_hours": HOURS,
        "median_response_hours": HOURS,
        "avg_business_response_hours": HOURS,
        "median_business_response_hours": HOURS,
    },
    page_length=0,
    description="Binnen één werkdag: binnen 8 kantooruren (werkdagen 09:00–17:00, feestdagen niet).",
)
VRAGEN_JAAR = bar(
    "vragen_jaar",
    uid("vragen_jaar"),
    "Vragen en antwoorden per jaar",
    M,
    "jaar",
    ["vragen", "beantwoord"],
)
VERGELIJK_ANTWOORD = bar(
    "vergelijk_antwoord",
    uid("vergelijk_antwoord"),
    "Antwoordpercentage: gemeente, grootteklasse en landelijk",
    V,
    "jaar",
    ["antwoord_gemeente", "antwoord_klasse", "antwoord_landelijk"],
    fmt=PCT,
    description="De mediaan van de gemeenten van dezelfde grootteklasse dat jaar, en het landelijke cijfer.",
)
VERGELIJK_REACTIE = bar(
    "vergelijk_reactie",
    uid("vergelijk_reactie"),
    "Reactietijd: gemeente, grootteklasse en landelijk (uur)",
    V,
    "jaar",
    ["reactietijd_gemeente", "reactietijd_klasse", "reactietijd_landelijk"],
    fmt=HOURS,
    description="Gemiddelde reactietijd; voor de grootteklasse de mediaan van de gemiddelden van haar gemeenten.",
)
REACTIE_KLASSEN = pivot(
    "reactie_klassen",
    uid("reactie_klassen"),
    "Vragen naar reactietijd per platform",
    ds.RPT_RESPONSE_BUCKETS,
    ["jaar", "platform"],
    ["reactietijd"],
    ["vragen"],
    description="Vragen van de gemeente per jaar en platform naar de tijd tot het eerste antwoord.",
)
VERDELING = histogram(
    "verdeling",
    uid("verdeling"),
    "Verdeling van de reactietijd (uur)",
    Q,
    "reactietijd_uur",
    24,
    [where("is_answered", "IS TRUE")],
    "Beantwoorde vragen, alle jaren.",
)
ENQUETE = listing(
    "enquete",
    uid("enquete"),
    "Antwoorden op de enquête",
    S,
    ["jaar", "responsible_department", "self_rating", "structureel", "kcc", "management_support"],
    [("jaar", True)],
    formats={"self_rating": HOURS},
    page_length=0,
)

_NAAR_VRAGEN = (
    "Welke vragen tellen mee? Analisten zien ze per gemeente en jaar, zonder gegevens van de inwoner, in "
    "**[Vragen achter de cijfers](/superset/dashboard/vragen/)**; alle gemeenten naast elkaar staan in de "
    "**[Ranglijst gemeenten](/superset/dashboard/ranglijst/)**."
)

GEMEENTE = Dashboard(
    "gemeente",
    uid("dashboard:gemeente"),
    "Gemeente",
    [
        [(GEMEENTE_JAREN, 12, 36)],
        [(VRAGEN_JAAR, 4, 55), (VERGELIJK_ANTWOORD, 4, 55), (VERGELIJK_REACTIE, 4, 55)],
        [(KANALEN, 7, 50), (KANALEN_PLATFORM, 5, 50)],
        [(VERDELING, 6, 55), (ENQUETE, 6, 55)],
        [(REACTIE_KLASSEN, 12, 45)],
        [(_NAAR_VRAGEN, 12, 12)],
    ],
    [
        NativeFilter(
            "NATIVE_FILTER-gemeente",
            "Gemeente",
            "gemeente",
            ds.DIM_MUNICIPALITY,
            "Kies de gemeente (namen van alle jaren).",
            default=DEFAULT_MUNICIPALITY,
        )
    ],
)

# --- Ranglijst ----------------------------------------------------------------------------------------
R = ds.RANGLIJST

RANGLIJST = listing(
    "ranglijst",
    uid("ranglijst"),
    "Ranglijst gemeenten",
    R,
    [
        "rang",
        "gemeente",
        "provincie",
        "inhabitants",
        "grootteklasse",
        "channels",
        "questions",
        "questions_per_10k",
        "answered",
        "answer_rate",
        "pct_answered_within_24h",
        "median_response_hours",
        "avg_response_hours",
        "volwassenheid",
    ],
    [("rang", True), ("gemeente", True)],
    formats={
        "inhabitants": ",d",
        "questions_per_10k": ",.1f",
        "answer_rate": PCT,
        "pct_answered_within_24h": PCT,
        "median_response_hours": HOURS,
        "avg_response_hours": HOURS,
    },
    page_length=50,
    description="Elke gemeente van het gekozen jaar; de plaats is landelijk, ook als een provincie gekozen is.",
)
RANGLIJST_GEMEENTEN = big_number(
    "ranglijst_gemeenten", uid("ranglijst_gemeenten"), "Gemeenten in de ranglijst", R, "gemeenten", "gemeenten"
)
_RANGLIJST_UITLEG = (
    "#### Ranglijst\n\n"
    "Alle gemeenten van één jaar (filter *Jaar*, standaard het laatste jaar met gegevens), ook die zonder "
    "kanaal of vragen. De **plaats** is landelijk: het hoogste antwoordpercentage eerst, bij gelijke stand "
    "de kortste mediane reactietijd; gemeenten zonder vragen staan onderaan. Kies een of meer provincies om "
    "een deel te zien, of een **grootteklasse** (S onder 50.000 inwoners, M 50.000–99.999, L 100.000 of meer; "
    "*onbekend* zonder inwonertal van CBS): de plaats blijft de landelijke. *Binnen 24 uur* is het aandeel "
    "van alle vragen, ook de onbeantwoorde. Let op het aantal vragen: bij weinig vragen zegt een "
    "percentage weinig. Zoek een gemeente met het zoekveld van de tabel."
)

RANGLIJST_DASHBOARD = Dashboard(
    "ranglijst",
    uid("dashboard:ranglijst"),
    "Ranglijst gemeenten",
    [
        [(_RANGLIJST_UITLEG, 9, 22), (RANGLIJST_GEMEENTEN, 3, 22)],
        [(RANGLIJST, 12, 120)],
    ],
    [
        NativeFilter(
            "NATIVE_FILTER-ranglijst-jaar",
            "Jaar",
            "jaar",
            N,
            "Het jaar van de ranglijst; standaard het laatste jaar met gegevens.",
            latest=True,
        ),
        NativeFilter(
            "NATIVE_FILTER-ranglijst-provincie",
            "Provincie",
            "provincie",
            R,
            "Beperk de ranglijst tot een of meer provincies.",
        ),
        NativeFilter(
            "NATIVE_FILTER-ranglijst-grootteklasse",
            "Grootteklasse",
            "grootteklasse",
            R,
            "Beperk de ranglijst tot een of meer grootteklassen (inwoners volgens CBS).",
        ),
    ],
)

# --- Vragen achter de cijfers (analysts only) -----------------------------------------------------------
VQ = ds.VRAGEN
VRAGEN_ROW_LIMIT = 500

VRAGEN_PER_JAAR = pivot(
    "vragen_per_jaar",
    uid("vragen_per_jaar"),
    "Vragen per jaar en platform",
    VQ,
    ["jaar"],
    ["platform"],
    ["vragen", "beantwoord", "antwoordpercentage"],
    description="Geteld uit de vragen zelf: samen de vragen en antwoorden van de gemeente per jaar.",
)
VRAGEN_LIJST = listing(
    "vragen_lijst",
    uid("vragen_lijst"),
    "Vragen achter de cijfers",
    VQ,
    [
        "asked_at",
        "jaar",
        "platform",
        "kanaal",
        "thema",
        "beantwoord",
        "reactietijd_uur",
        "reactietijd_kantooruren",
        "classifier_reason",
    ],
    [("asked_at", False)],
    formats={"reactietijd_uur": HOURS, "reactietijd_kantooruren": HOURS},
    page_length=25,
    row_limit=VRAGEN_ROW_LIMIT,
    description=f"De laatste {VRAGEN_ROW_LIMIT} vragen van de keuze, nieuwste eerst; zonder gegevens van de inwoner.",
)
_VRAGEN_UITLEG = (
    "#### Waarom telt een vraag mee?\n\n"
    "De vragen van inwoners achter de cijfers van één gemeente (filter *Gemeente*), per jaar te beperken "
    "(filter *Jaar*): platform, het kanaal van de gemeente, wanneer gesteld (UTC), of en hoe snel de "
    f"gemeente antwoordde. De lijst toont de laatste {VRAGEN_ROW_LIMIT} vragen van de keuze.\n\n"
    "**Waarom een vraag** is de reden van de classifier: de regels die de tekst tot vraag maakten, met hun "
    "gewicht en het totaal (bijvoorbeeld `open_wh (+2), q_mark (+2) = +4`: een vraagwoord en een vraagteken); "
    "woog het taalmodel mee, dan staan er ten hoogste drie woorden of woordparen bij. De regels staan in "
    "`dbt_project/seeds/classifier/`.\n\n"
    "Gepseudonimiseerd: geen naam, account, tekst of bericht-id van de inwoner."
)

VRAGEN_DASHBOARD = Dashboard(
    "vragen",
    uid("dashboard:vragen"),
    "Vragen achter de cijfers",
    [
        [(_VRAGEN_UITLEG, 6, 50), (VRAGEN_PER_JAAR, 6, 50)],
        [(VRAGEN_LIJST, 12, 110)],
    ],
    [
        NativeFilter(
            "NATIVE_FILTER-vragen-gemeente",
            "Gemeente",
            "gemeente",
            ds.DIM_MUNICIPALITY,
            "Kies de gemeente (namen van alle jaren).",
            default=DEFAULT_MUNICIPALITY,
        ),
        NativeFilter(
            "NATIVE_FILTER-vragen-jaar",
            "Jaar",
            "jaar",
            N,
            "Beperk de vragen tot een of meer jaren.",
        ),
    ],
)

# --- Datakwaliteit -------------------------------------------------------------------------------------
VR, RR, QR = ds.VALIDATION_RUNS, ds.RULE_RESULTS, ds.QUARANTINED_ROWS
_FAILED = [where("success", "IS FALSE")]

N_VALIDATIES = big_number("n_validaties", uid("n_validaties"), "Validaties", VR, "validaties", "validaties uitgevoerd")
N_MISLUKT = big_number(
    "n_mislukt", uid("n_mislukt"), "Mislukte regels", RR, "regels", "regels niet gehaald", filters=_FAILED
)
N_RIJEN = big_number(
    "n_rijen",
    "6351dba8-083b-4d4b-b93b-068c4e7f2174",
    "Aantal rijen in quarantaine",
    QR,
    "aantal_rijen",
    "rijen in quarantaine",
)
N_BESTANDEN = big_number(
    "n_bestanden",
    uid("n_bestanden"),
    "Aantal bestanden in quarantaine",
    ds.QUARANTINED_FILES,
    "aantal_bestanden",
    "bestanden in quarantaine",
)
VALIDATIES_TIJD = bar(
    "validaties_tijd",
    uid("validaties_tijd"),
    "Validaties in de tijd",
    VR,
    {"sqlExpression": "started_at", "timeGrain": "PT1H"},
    ["validaties"],
    groupby=["outcome"],
    stack=True,
)
REGELS_ERNST = bar(
    "regels_ernst",
    uid("regels_ernst"),
    "Mislukte regels per ernst",
    RR,
    "severity",
    ["regels"],
    groupby=["suite"],
    stack=True,
    filters=_FAILED,
)
MISLUKTE_REGELS = listing(
    "mislukte_regels",
    uid("mislukte_regels"),
    "Mislukte regels",
    RR,
    ["severity", "suite", "rule", "observed", "unexpected_count", "failing_keys"],
    [("severity", True), ("suite", True)],
    filters=_FAILED,
)
VALIDATIES = listing(
    "validaties",
    uid("validaties"),
    "Validatieruns",
    VR,
    [
        "started_at",
        "suite",
        "source_file",
        "rows_checked",
        "rules_checked",
        "outcome",
        "fatal_failures",
        "error_failures",
        "warning_failures",
    ],
    [("started_at", False)],
)
REDENEN = table(
    "redenen",
    uid("redenen"),
    "Rijen in quarantaine per reden",
    QR,
    ["source", "soort_reden"],
    ["aantal_rijen"],
)
LAADRUNS = listing(
    "laadruns",
    "14e5a5f6-77d9-4f84-b38c-a5388487a7a5",
    "Laadruns",
    ds.LOADS,
    [
        "started_at",
        "source",
        "files_loaded",
        "files_skipped",
        "files_quarantined",
        "rows_loaded",
        "rows_quarantined",
    ],
    [("started_at", False)],
)
Q_BESTANDEN = listing(
    "q_bestanden",
    "b6a04148-bc9f-45e0-9c31-b1e83db97f82",
    "Bestanden in quarantaine",
    ds.QUARANTINED_FILES,
    ["quarantined_at", "source", "source_file", "reason", "quarantine_path"],
    [("quarantined_at", False)],
)
Q_RIJEN = listing(
    "q_rijen",
    "5856061a-2c51-4508-91d0-a02efdba8323",
    "Rijen in quarantaine",
    QR,
    ["quarantined_at", "source", "source_file", "position", "reason"],  # content: never published
    [("quarantined_at", False)],
)

# Lineage (docs/lineage.md): from a municipality and year to its questions and replies and their files.
MS = ds.FCT_MESSAGE_SOURCES
HERKOMST = listing(
    "herkomst",
    uid("herkomst"),
    "Herkomst van vragen",
    MS,
    [
        "gm_code",
        "jaar",
        "rol",
        "message_id",
        "gekozen",
        "source_system",
        "source_file",
        "source_sha256",
        "source_position",
    ],
    # Unsorted: sorting every copy of every message for the first 1,000 took 1.2 s at bench scale 10 (over the
    # 1 s a chart may take); filtered on a municipality and year, as the text above asks, the rows are few.
    [],
    description=(
        "Elke vraag en elk antwoord in de cijfers met de bestanden waarin het stond: per kopie bestand, "
        "SHA-256 en positie; de gekozen kopie is die waarmee gerekend is. Filter op gemeentecode en jaar "
        "(zoals in rpt_municipality_year) of zoek een bericht."
    ),
)
BRONBESTANDEN = listing(
    "bronbestanden",
    uid("bronbestanden"),
    "Bronbestanden",
    ds.DIM_SOURCE_FILE,
    ["source", "source_file", "source_sha256", "rows_loaded", "rows_quarantined"],
    [("source", True), ("source_file", True)],
    description="Elk geladen bestand met zijn SHA-256: vergelijk met sha256sum van het bestand in de landingszone.",
)
_HERKOMST = (
    "#### Herkomst van de cijfers\n\n"
    "Elke vraag en elk antwoord is te herleiden tot de bestanden waaruit het geladen is. Kies een "
    "**gemeentecode** en **jaar** (de rij in de gemeentecijfers): *Herkomst van vragen* toont dan de "
    "vragen van die gemeente in dat jaar en de antwoorden van dat jaar, elk met bestand, SHA-256 en "
    "positie van iedere kopie. Stond een bericht in meer bestanden, dan staan ze er allemaal; *gekozen* "
    "is de kopie waarmee gerekend is.\n\n"
    "De SQL-route van een cijfer naar zijn bestanden (ook voor de antwoorden op die vragen): "
    "`docs/lineage.md`."
)

_DATA_DOCS = (
    "#### Data Docs\n\n"
    "De volledige uitkomsten van elke validatie (Great Expectations):\n\n"
    "**[Data Docs openen](/datadocs/)** (voor auditors en beheerders)\n\n"
    "Bestand op de server: `${DIALOOG_HOME}/reports/data_docs/index.html`"
)

_DATAKWALITEIT_ROWS: list[list[tuple[Chart | str, int, int]] | str] = [
    [(N_VALIDATIES, 2, 25), (N_MISLUKT, 2, 25), (N_BESTANDEN, 2, 25), (N_RIJEN, 2, 25), (_DATA_DOCS, 4, 25)],
    [(VALIDATIES_TIJD, 6, 55), (REGELS_ERNST, 6, 55)],
    [(MISLUKTE_REGELS, 12, 45)],
    [(VALIDATIES, 12, 60)],
    [(REDENEN, 4, 45), (Q_BESTANDEN, 8, 45)],
    [(Q_RIJEN, 12, 45)],
    [(LAADRUNS, 12, 55)],
    "Herkomst van de cijfers",
    [(_HERKOMST, 12, 22)],
    [(HERKOMST, 12, 60)],
    [(BRONBESTANDEN, 12, 55)],
]
# The lineage filters apply to Herkomst van vragen only (the other datasets have no gm_code or year).
_NOT_HERKOMST = tuple(c for c in Dashboard("", "", "", _DATAKWALITEIT_ROWS).charts if c is not HERKOMST)

DATAKWALITEIT = Dashboard(
    "datakwaliteit",
    "7462fd6f-7615-4b7f-b0f5-2a3d41e91417",
    "Datakwaliteit",
    _DATAKWALITEIT_ROWS,
    [
        NativeFilter(
            f"NATIVE_FILTER-herkomst-{column}",
            name,
            column,
            MS,
            f"Beperk de herkomst van vragen tot een of meer {plural}.",
            _NOT_HERKOMST,
        )
        for column, name, plural in (("gm_code", "Gemeentecode", "gemeentecodes"), ("jaar", "Jaar", "jaren"))
    ],
)


DASHBOARDS: tuple[Dashboard, ...] = (LANDELIJK, GEMEENTE, RANGLIJST_DASHBOARD, VRAGEN_DASHBOARD, DATAKWALITEIT)
