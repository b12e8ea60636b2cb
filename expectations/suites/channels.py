"""Suite for the channel registry loads (``raw.channels``)."""

from __future__ import annotations

from collections.abc import Iterable

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

PLATFORMS = ("x", "facebook", "instagram")
THEMES = ("algemeen", "crisis", "verkiezingen", "project", "kcc", "raad", "overig")


def channels_suite(known_gm_codes: Iterable[str]) -> Suite:
    """Registry rows: well-formed, one row per account, and every channel's municipality existed."""
    gxe = gx_expectations()
    return Suite(
        name="channels",
        key_columns=("platform", "account_id"),
        description="Register van gemeentelijke kanalen / registry of municipal accounts.",
        rules=(
            columns_present(("gm_code", "platform", "account_id", "handle", "theme", "active_from", "active_to")),
            matches("gm_code_format", "gm_code", GM_CODE, "fatal", "gm_code is 'GM' + 4 cijfers (GM0363)."),
            not_null("account_id", "fatal", "Elk kanaal heeft een account-id / every channel has an account id."),
            in_set("platform_known", "platform", PLATFORMS, "fatal", "Platform is x, facebook of instagram."),
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
