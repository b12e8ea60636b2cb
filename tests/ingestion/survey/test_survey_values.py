"""Reading single survey answers."""

from __future__ import annotations

import pytest

from ingestion.survey.values import (
    read_channels,
    read_decimal,
    read_department,
    read_whole,
    read_year,
    read_yes_no,
)


@pytest.mark.parametrize(
    ("text", "value"), [("7,2", 7.2), ("7.5", 7.5), (" 8 ", 8.0), ("", None), ("11", 11.0)]
)
def test_read_decimal(text: str, value: float | None) -> None:
    assert read_decimal(text, "rapportcijfer") == value


@pytest.mark.parametrize("text", ["zeven", "7,2,1", "1.234,5", "7-8"])
def test_read_decimal_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError, match="rapportcijfer .* is not a number"):
        read_decimal(text, "rapportcijfer")


def test_read_whole_accepts_spreadsheet_floats_only_when_whole() -> None:
    assert read_whole("4,0", "steun_management") == 4
    with pytest.raises(ValueError, match="not a whole number"):
        read_whole("3,5", "steun_management")


def test_read_year() -> None:
    assert read_year("2014") == 2014
    with pytest.raises(ValueError, match="jaar '14' is not a year"):
        read_year("14")


@pytest.mark.parametrize(("text", "value"), [("ja", True), ("Nee", False), ("JA ", True), ("1", True),
                                             ("TRUE", True), ("", None)])
def test_read_yes_no(text: str, value: bool | None) -> None:
    assert read_yes_no(text, "structureel") is value


def test_read_yes_no_refuses_other_answers() -> None:
    with pytest.raises(ValueError, match="structureel 'misschien' is not ja or nee"):
        read_yes_no("misschien", "structureel")


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", "communicatie"), ("2", "kcc"), ("3", "gedeeld"), ("4", "anders"), ("Communicatie", "communicatie"),
     ("Klantcontactcentrum", "kcc"), ("5", "5"), ("Marketing", "marketing"), ("", None)],
)
def test_read_department_maps_codes_and_keeps_other_values(text: str, value: str | None) -> None:
    assert read_department(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("Twitter, Facebook", ["x", "facebook"]), ("x; twitter", ["x"]),
     ("Instagram/LinkedIn", ["instagram", "linkedin"]), ("geen", []), ("", None),
     # the platform registry's aliases and codes: a platform added there is read without a code change
     ("X (Twitter), Mastodon; BLUESKY", ["x", "mastodon", "bluesky"]), ("Hyves", ["hyves"])],
)
def test_read_channels(text: str, value: list[str] | None) -> None:
    assert read_channels(text) == value
