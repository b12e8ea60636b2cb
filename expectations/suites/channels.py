"""Suite for the channel registry loads (``raw.channels``).

``platform_known`` reads the platform registry (``core/platforms.py``) when the suite is built: a channel on a
platform the registry lacks is loaded and reported here as an error with its file and line; dbt leaves it out
of the marts until the registry or the row is fixed.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.platforms import platform_codes
from expectations.model import Rule, Suite
from expectations.suites.building import (
    GM_CODE,
    columns_present,
    gx_expectations,
    in_set,
    matches,
    not_null,
    unique_together,
)

THEMES = ("algemeen", "crisis", "verkiezingen", "project", "kcc", "raad", "overig")


def channels_suite(known_gm_codes: Iterable[str]) -> Suite:
    """Registry rows: well-formed, a platform of the registry, one row per account, and every channel's
    municipality existed."""
    gxe = gx_expectations()
    return Suite(
        name="channels",
        key_columns=("platform", "account_id"),
        description="Register van gemeentelijke kanalen / registry of municipal accounts.",
        rules=(
            columns_present(("gm_code", "platform", "account_id", "handle", "theme", "active_from", "active_to")),
            matches("gm_code_format", "gm_code", GM_CODE, "fatal", "gm_code is 'GM' + 4 cijfers (GM0363)."),
            not_null("account_id", "fatal", "Elk kanaal heeft een account-id / every channel has an account id."),
            # an error, not fatal: the loader keeps a row with an unknown platform, so this names it (file, line)
            in_set("platform_known", "platform", platform_codes(), "error",
                   "Platform staat in het platformregister / platform is in the platform registry."),
            in_set("theme_known", "theme", THEMES, "error", "Thema komt uit de vaste lijst / theme is known."),
            unique_together("one_row_per_account", ("platform", "account_id", "source_file"), "error",
                            "Eén rij per account per bestand / one row per account in a file."),
            in_set("municipality_existed", "gm_code", known_gm_codes, "error",
                   "De gemeente bestaat in een CBS-lijst / the municipality is in a CBS list."),
            Rule(
                name="active_period_ordered",
                expectation=gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="active_to", column_B="active_from", or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                severity="error",
                description="active_to ligt niet voor active_from / the active period is not reversed.",
            ),
        ),
    )
