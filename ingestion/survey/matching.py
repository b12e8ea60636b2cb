"""Match municipality names as respondents type them to the CBS code valid in the survey year.

The matcher knows, per year, the municipalities of that year's CBS list (1 January). A typed name is tried,
in this order, as:

1. ``code``     — a municipality code (``GM0363``, ``0363``) valid that year;
2. ``exact``    — the CBS name of that year, ignoring case, accents, spaces, hyphens, apostrophes and
   other punctuation, and a leading ``Gemeente``;
3. ``alias``    — a hand-kept variant (``Den Bosch``, ``Nuenen c.a.``, see ``gemeente_aliassen.csv``), or
   the CBS name without its province suffix when that is unique that year (``Hengelo`` for
   ``Hengelo (O.)``; ``Bergen`` alone is ambiguous);
4. ``historic`` — a name the municipality, or one it merged into, carried in another year's list;
5. ``fuzzy``    — within ``max_typos`` typing errors (Levenshtein with transpositions) of the names of
   exactly one municipality valid that year, with a similarity of at least ``min_similarity``.

Anything else raises :class:`UnmatchedName`, whose message names the candidates.
Build it from the shipped reference files (:meth:`MunicipalityMatcher.from_reference`), from the lists in
force in the warehouse (:meth:`MunicipalityMatcher.from_warehouse`) or from any iterable of
``(jaar, gm_code, naam)`` rows.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from rapidfuzz import process
from rapidfuzz.distance import OSA

from ingestion.cbs import (
    CBS_GEMEENTEN,
    CBS_HERINDELINGEN,
    GEMEENTEN_IN_FORCE,
    HERINDELINGEN_IN_FORCE,
    REFERENCE,
    normalise_gm_code,
)
from ingestion.framework import ensure_table

ALIASES_CSV = REFERENCE / "gemeente_aliassen.csv"

_PREFIX = re.compile(r"^\s*(gemeente|gem\.)\s+", re.IGNORECASE)
_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_CODE = re.compile(r"^\s*(gm)?\s*\d{1,4}\s*$", re.IGNORECASE)


def normalise(name: str) -> str:
    """The comparison key of a name: lower case ASCII letters and digits only, without ``Gemeente``."""
    folded = unicodedata.normalize("NFKD", _PREFIX.sub("", name))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return _NOT_ALNUM.sub("", ascii_only)


def base_key(name: str) -> str:
    """The key of a name without a parenthesised province suffix (``Bergen (NH.)`` → ``bergen``)."""
    return normalise(_PARENTHESES.sub("", name))


@dataclass(frozen=True)
class Match:
    """The municipality a typed name stands for in one year, and how it was found."""

    gm_code: str
    name: str
    method: str
    #: 100 for code / exact / alias / historic; the similarity (0–100) for fuzzy matches.
    score: float


class UnmatchedName(ValueError):
    """A name that matches no municipality, or several; the message names the candidates."""

    def __init__(self, reason: str, candidates: Iterable[str] = ()) -> None:
        self.reason = reason
        self.candidates = tuple(candidates)
        suffix = f"; candidates: {', '.join(self.candidates)}" if self.candidates else ""
        super().__init__(reason + suffix)


@dataclass(frozen=True)
class Alias:
    """A hand-kept variant of a municipality name."""

    alias: str
    gm_code: str


class MunicipalityMatcher:
    """Typed municipality names → the CBS code valid in a given year."""

    def __init__(
        self,
        names: Iterable[tuple[int, str, str]],
        aliases: Iterable[Alias] = (),
        mergers: Iterable[tuple[date, str, str]] = (),
        max_typos: int = 2,
        min_similarity: float = 0.75,
    ) -> None:
        """``names``: (jaar, gm_code, naam); ``mergers``: (datum_ingang, oude_gm_code, nieuwe_gm_code)."""
        self.max_typos = max_typos
        self.min_similarity = min_similarity
        self._names: dict[int, dict[str, str]] = defaultdict(dict)
        self._historic: dict[str, set[str]] = defaultdict(set)
        for year, code, name in names:
            self._names[int(year)][code] = name
            self._historic[normalise(name)].add(code)
        self._exact = {y: _index(n, normalise) for y, n in self._names.items()}
        self._base = {y: _index(n, base_key) for y, n in self._names.items()}
        self._aliases: dict[str, set[str]] = defaultdict(set)
        for alias in aliases:
            self._aliases[normalise(alias.alias)].add(alias.gm_code)
        self._successor = {old: (when, new) for when, old, new in mergers}
        self._formed_from: dict[str, list[tuple[date, str]]] = defaultdict(list)
        for old, (when, new) in self._successor.items():
            self._formed_from[new].append((when, old))
        self._choices: dict[int, dict[str, set[str]]] = {}

    @classmethod
    def from_reference(cls, folder: Path = REFERENCE, **options: Any) -> MunicipalityMatcher:
        """The matcher over the shipped CBS lists, mergers and aliases of ``ingestion/reference``."""
        return cls(
            read_cbs_lists(folder / "cbs_gemeenten"),
            read_aliases(folder / "gemeente_aliassen.csv"),
            read_mergers(folder / "cbs_herindelingen"),
            **options,
        )

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection, **options: Any) -> MunicipalityMatcher:
        """The matcher over the CBS lists and mergers loaded in ``raw`` (the shipped files if none are).

        It reads the lists and mergers in force from the CBS loader's views (:data:`GEMEENTEN_IN_FORCE`,
        :data:`HERINDELINGEN_IN_FORCE`), the rule dbt reads too: the survey loads before dbt builds.
        """
        present = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'").fetchall()}
        if not {CBS_GEMEENTEN.table, CBS_HERINDELINGEN.table} <= present:
            return cls.from_reference(**options)
        if not {GEMEENTEN_IN_FORCE, HERINDELINGEN_IN_FORCE} <= {f"raw.{name}" for name in present}:
            for source in (CBS_GEMEENTEN, CBS_HERINDELINGEN):  # a warehouse loaded before the views existed
                ensure_table(con, source)
        names = con.execute(
            f"SELECT jaar, gm_code, gemeentenaam FROM {GEMEENTEN_IN_FORCE} ORDER BY jaar, gm_code").fetchall()
        mergers = con.execute(f"SELECT datum_ingang, oude_gm_code, nieuwe_gm_code FROM {HERINDELINGEN_IN_FORCE} "
                              "ORDER BY oude_gm_code").fetchall()
        if not names:
            return cls.from_reference(**options)
        return cls(names, read_aliases(), mergers, **options)

    @property
    def years(self) -> list[int]:
        """The years that have a municipality list."""
        return sorted(self._names)

    def name_of(self, gm_code: str, year: int) -> str | None:
        """The CBS name of a code in a year, or None when it did not exist on 1 January."""
        return self._names.get(year, {}).get(gm_code)

    def match(self, typed: str, year: int) -> Match:
        """The municipality valid in ``year`` that ``typed`` names; raises :class:`UnmatchedName`."""
        if year not in self._names:
            raise UnmatchedName(f"no CBS municipality list for {year}")
        if _CODE.match(typed):
            return self.match_code(typed, year)
        key = normalise(typed)
        if not key:
            raise UnmatchedName(f"empty municipality name {typed!r}")
        steps: tuple[tuple[str, Callable[[], set[str]]], ...] = (  # tried in order, each only when needed
            ("exact", lambda: self._exact[year].get(key, set())),
            ("alias", lambda: self._resolve_all(self._aliases.get(key, set()), year)),
            ("alias", lambda: self._base[year].get(key, set())),
            ("historic", lambda: self._resolve_all(self._historic.get(key, set()), year)),
        )
        for method, codes_of in steps:
            if codes := codes_of():
                return self._single(typed, year, codes, method)
        return self._fuzzy(typed, key, year)

    def match_code(self, code: str, year: int) -> Match:
        """A given municipality code, checked against the list of ``year`` (merged codes follow on)."""
        try:
            gm_code = normalise_gm_code(code)
        except ValueError as exc:
            raise UnmatchedName(str(exc)) from exc
        if year not in self._names:
            raise UnmatchedName(f"no CBS municipality list for {year}")
        resolved = self._resolve(gm_code, year)
        if not resolved:
            raise UnmatchedName(f"{gm_code} is not a municipality on 1 January {year}")
        return self._single(code, year, resolved, "code" if resolved == {gm_code} else "historic")

    def _single(self, typed: str, year: int, codes: set[str], method: str) -> Match:
        if len(codes) > 1:
            raise UnmatchedName(f"{typed!r} is ambiguous in {year}", self._describe(codes, year))
        (code,) = codes
        return Match(code, self._names[year][code], method, 100.0)

    def _fuzzy(self, typed: str, key: str, year: int) -> Match:
        choices = self._fuzzy_choices(year)
        found = process.extract(key, list(choices), scorer=OSA.distance, score_cutoff=self.max_typos,
                                limit=None)
        codes = {code for choice, _dist, _i in found for code in choices[choice]}
        if not codes:
            raise UnmatchedName(f"{typed!r} matches no municipality of {year}")
        if len(codes) > 1:
            raise UnmatchedName(f"{typed!r} is as close to several municipalities of {year}",
                                self._describe(codes, year))
        choice, distance, _ = min(found, key=lambda hit: hit[1])
        similarity = 1 - distance / max(len(key), len(choice))
        (code,) = codes
        if similarity < self.min_similarity:
            raise UnmatchedName(
                f"{typed!r} is too far from the only near name (similarity {similarity:.2f} < "
                f"{self.min_similarity:.2f})", self._describe(codes, year))
        return Match(code, self._names[year][code], "fuzzy", round(similarity * 100, 1))

    def _fuzzy_choices(self, year: int) -> dict[str, set[str]]:
        """Every known key of the municipalities valid in ``year`` → their codes (cached per year)."""
        if year not in self._choices:
            choices: dict[str, set[str]] = defaultdict(set)
            for index in (self._exact[year], self._base[year]):
                for key, codes in index.items():
                    choices[key] |= codes
            for index in (self._aliases, self._historic):
                for key, codes in index.items():
                    choices[key] |= self._resolve_all(codes, year)
            self._choices[year] = {k: v for k, v in choices.items() if v}
        return self._choices[year]

    def _resolve_all(self, codes: set[str], year: int) -> set[str]:
        return {resolved for code in codes for resolved in self._resolve(code, year)}

    def _resolve(self, code: str, year: int) -> set[str]:
        """The code(s) valid on 1 January ``year`` for ``code``: itself, its successor or its predecessors."""
        valid = self._names[year]
        cutoff = date(year, 1, 1)
        current, seen = code, set()
        while current not in valid and current in self._successor and current not in seen:
            seen.add(current)
            when, successor = self._successor[current]
            if when > cutoff:
                break
            current = successor
        if current in valid:
            return {current}
        # A municipality that did not exist yet: the ones it was formed from, if they existed that year.
        return {old for when, old in self._formed_from.get(code, ()) if when > cutoff and old in valid}

    def _describe(self, codes: set[str], year: int) -> list[str]:
        return [f"{self._names[year].get(code, '?')} ({code})" for code in sorted(codes)]


def _index(names: dict[str, str], key_of: Callable[[str], str]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = defaultdict(set)
    for code, name in names.items():
        index[key_of(name)].add(code)
    return dict(index)


def read_cbs_lists(folder: Path) -> list[tuple[int, str, str]]:
    """(jaar, gm_code, naam) rows of the shipped ``gemeenten-alfabetisch-<jaar>.csv`` lists."""
    rows: list[tuple[int, str, str]] = []
    for path in sorted(folder.glob("gemeenten-alfabetisch-*.csv")):
        year = int(re.findall(r"\d{4}", path.stem)[-1])
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows += [(year, row["GemeentecodeGM"], row["Gemeentenaam"]) for row in csv.DictReader(handle)]
    return rows


def read_mergers(folder: Path) -> list[tuple[date, str, str]]:
    """(datum_ingang, oude_gm_code, nieuwe_gm_code) rows of the shipped merger files."""
    rows: list[tuple[date, str, str]] = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows += [(date.fromisoformat(r["datum_ingang"]), r["oude_gm_code"], r["nieuwe_gm_code"])
                     for r in csv.DictReader(handle)]
    return rows


def read_aliases(path: Path = ALIASES_CSV) -> list[Alias]:
    """The hand-kept name variants (``alias,gm_code,cbs_naam,toelichting``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [Alias(row["alias"], row["gm_code"]) for row in csv.DictReader(handle)]
