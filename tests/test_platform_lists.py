"""Platforms are data: the platform registry (``dbt_project/seeds/reference/platforms.csv``, read in Python through
``core/platforms.py`` and in dbt as ``ref('platforms')``) is the one list of platforms, so no module writes its
own. Found by the first three codes written one after another as a list, tuple, dict or SQL ``IN`` list
(``("x", "facebook", "instagram")``, ``{"x": ..., "facebook": ..., "instagram": ...}``, ``[x, facebook,
instagram]``); prose with the names in backticks is not a list.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.settings import PROJECT_ROOT

#: The parts of the product whose platform lists the registry replaced. Not scanned: tests (expected values),
#: demo/ and bench/ (data generators that choose per-platform shares), and docs.
SCANNED = ("core", "ingestion", "expectations", "steps", "dags", "dbt_project", "dashboards", "superset", "release",
           "factsheets")
SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".json"}
#: Where the registry itself lives.
ALLOWED = {Path("core/platforms.py"), Path("dbt_project/seeds/reference/platforms.csv")}

_VALUE = r"""(?:\s*:\s*(?:"[^"\n]*"|'[^'\n]*'|[^,\]\)}\n]*))?"""
LIST = re.compile(rf"""(?<![\w`])['"]?x['"]?{_VALUE}\s*,\s*['"]?facebook['"]?{_VALUE}\s*,\s*['"]?instagram\b""",
                  re.IGNORECASE)


def platform_lists(text: str) -> list[int]:
    """The line numbers where a text writes a list of platforms."""
    return [text.count("\n", 0, found.start()) + 1 for found in LIST.finditer(text)]


def test_the_pattern_finds_lists_and_leaves_prose() -> None:
    assert platform_lists('PLATFORMS = ("x", "facebook", "instagram")') == [1]
    assert platform_lists('NAMES = {"x": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram"}') == [1]
    assert platform_lists("values: [x, facebook, instagram]") == [1]
    assert platform_lists("where platform in ('x', 'facebook', 'instagram')") == [1]
    assert platform_lists("codes of the registry (`x`, `facebook`, `instagram`, ...)") == []
    assert platform_lists('platform = "x"\nnames = ("facebook", "instagram")') == []


def test_no_module_writes_its_own_list_of_platforms() -> None:
    found, scanned = [], set()
    for part in SCANNED:
        for path in sorted((PROJECT_ROOT / part).rglob("*")):
            relative = path.relative_to(PROJECT_ROOT)
            if (path.suffix not in SUFFIXES or not path.is_file() or relative in ALLOWED
                    or any(p.startswith(".") or p in {"target", "dbt_packages", "logs"} for p in relative.parts)):
                continue
            scanned.add(relative)
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{relative}:{line}" for line in platform_lists(text)]
    assert {Path("ingestion/channels.py"), Path("expectations/suites/channels.py")} <= scanned
    assert found == [], "platform lists outside the registry (read core/platforms.py or ref('platforms'))"
