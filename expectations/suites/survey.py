"""Suite for the survey loads (``raw.survey_responses``): ranges and codes as CONTRACT.md §5 defines them.

Out-of-range answers load (the loader only rejects what it cannot read) so that this suite reports them
with their file and row; a second answer of one municipality in one year is a warning (the later one wins).
"""

from __future__ import annotations

from expectations.model import Suite
from expectations.suites.building import GM_CODE, between, columns_present, in_set, matches, unique_together

DEPARTMENTS = ("communicatie", "kcc", "gedeeld", "anders")


def survey_suite() -> Suite:
    """Survey answers: grade 1–10, support 1–5, a known department, one answer per municipality and year."""
    return Suite(
        name="survey",
        key_columns=("gm_code", "jaar"),
        description="Enquête-antwoorden van gemeenten / survey answers of municipalities.",
        rules=(
            columns_present(("jaar", "gm_code", "verantwoordelijke_afdeling", "rapportcijfer",
                             "steun_management")),
            matches("gm_code_format", "gm_code", GM_CODE, "fatal", "gm_code is 'GM' + 4 cijfers (GM0363)."),
            between("jaar_plausible", "jaar", 2000, 2100, "error", "Enquêtejaar tussen 2000 en 2100."),
            between("rapportcijfer_1_10", "rapportcijfer", 1, 10, "error", "Rapportcijfer tussen 1 en 10."),
            between("steun_management_1_5", "steun_management", 1, 5, "error", "Steun management tussen 1 en 5."),
            in_set("afdeling_known", "verantwoordelijke_afdeling", DEPARTMENTS, "error",
                   "Afdeling is communicatie, kcc, gedeeld of anders."),
            unique_together("one_answer_per_municipality_year", ("gm_code", "jaar"), "warning",
                            "Eén antwoord per gemeente per jaar (het latere telt) / later answer wins."),
        ),
    )
