"""The channel registry of the demo: which municipality ran which account, on which platform, when.

Adoption dates are drawn so the yearly counts of ``targets.py`` hold exactly: municipalities without X,
with Facebook and with Instagram per year. Theme channels (crisis, verkiezingen, project, kcc, raad) only
live inside the lifetime of their municipality's main X account, so "has X" depends on that account alone.
Channels of a municipality end the day before its merger; successors open their own accounts.

The recent year (2025, :func:`recent_channels`) is laid over that registry afterwards from its own random
stream, so the research years' channels stay as they were: some municipalities leave X (their X channels end in
2025 without a post that year) or park it (open, silent), a minority opens an account on the government's
Mastodon server or on Bluesky, and more open an Instagram account.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from demo.allocation import weighted_sample
from demo.geography import LONG_AGO, Geography, Municipality
from demo.ids import rng_for, stable_int
from demo.targets import RECENT_TARGETS, TARGETS

X_RENAMED = date(2023, 7, 24)
#: The government's own Mastodon server, offered to every layer of government.
MASTODON_SERVER = "social.overheid.nl"
#: Municipalities that announced leaving X in 2025 (issue [platforms]); they leave in the demo if they had X.
LEFT_X_2025 = ("GM0855", "GM0796")  # Tilburg, 's-Hertogenbosch
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass(frozen=True)
class Channel:
    """One registry row: a municipal account."""

    gm_code: str
    platform: str  # x, facebook, instagram
    account_id: str
    handle: str
    theme: str
    active_from: date
    active_to: date | None
    display_name: str
    #: Where its own messages land: api, archive (X, Mastodon), graph (Facebook), webcare (Instagram).
    source: str
    #: First year in which the channel, though active, carries no message at all (a parked or left account).
    quiet_from: int | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.account_id}"

    def window(self, year: int) -> tuple[date, date] | None:
        """The first and last active day of the channel within ``year``, or None."""
        start = max(self.active_from, date(year, 1, 1))
        end = min(self.active_to or date(year, 12, 31), date(year, 12, 31))
        return (start, end) if start <= end else None

    def quiet_in(self, year: int) -> bool:
        """True if the channel writes and receives nothing in ``year`` (parked, or closing without a post)."""
        return self.quiet_from is not None and year >= self.quiet_from

    def registry_platform(self) -> str:
        """How the registry spells the platform (old X rows still say twitter)."""
        if self.platform == "x" and self.active_to is not None and self.active_to < X_RENAMED:
            return "twitter"
        return self.platform


def ascii_name(name: str) -> str:
    """The name in ASCII letters and digits only, CamelCased (for handles)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", plain)
    return "".join(word[:1].upper() + word[1:] for word in words)


def _random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _alive_to(muni: Municipality, stop: date | None) -> date | None:
    if muni.valid_to is None:
        return stop
    return muni.valid_to if stop is None else min(stop, muni.valid_to)


class Registry:
    """Builds the channel list; handles are kept unique per platform."""

    def __init__(self, geography: Geography, seed: int) -> None:
        self.geo = geography
        self.seed = seed
        self.rng = rng_for(seed, "registry")
        self.channels: list[Channel] = []
        self.used: set[tuple[str, str]] = set()
        years = sorted(TARGETS)
        self.munis = sorted(c for c, m in geography.municipalities.items() if any(m.exists_in(y) for y in years))

    def pop(self, code: str) -> float:
        return float(self.geo.inhabitants(code, 2014))

    def handle(self, platform: str, base: str, limit: int) -> str:
        candidate = base[:limit]
        number = 1
        while (platform, candidate.lower()) in self.used:
            number += 1
            candidate = base[: limit - len(str(number))] + str(number)
        self.used.add((platform, candidate.lower()))
        return candidate

    def add(self, code: str, platform: str, theme: str, start: date, stop: date | None, base: str) -> Channel:
        muni = self.geo.municipalities[code]
        start = max(start, muni.valid_from)
        if muni.valid_to is not None and start > muni.valid_to:
            raise ValueError(f"{code} {theme} {platform} would start after the municipality ended")
        limit = 15 if platform == "x" else 50
        handle = self.handle(platform, base, limit)
        ident = stable_int(self.seed, platform, handle)
        if platform == "x":
            account = str(ident % 900_000_000 + 50_000_000) if start.year < 2016 else str(
                ident % 10**18 + 7 * 10**17)
        elif platform == "facebook":
            account = str(100_000_000_000_000 + ident % 900_000_000_000_000)
        else:
            account = str(17_841_400_000_000_000 + ident % 10**12)
        source = {"x": "api", "facebook": "graph", "instagram": "webcare"}[platform]
        label = {"algemeen": f"Gemeente {muni.name}", "crisis": f"Crisisinfo {muni.name}",
                 "verkiezingen": f"Verkiezingen {muni.name}", "project": f"Project {muni.name}",
                 "kcc": f"Webcare {muni.name}", "raad": f"Gemeenteraad {muni.name}"}[theme]
        channel = Channel(code, platform, account, handle, theme, start, _alive_to(muni, stop), label, source)
        self.channels.append(channel)
        return channel


def _year_sets(geo: Geography) -> tuple[set[str], set[str], set[str]]:
    return set(geo.lists[2013]), set(geo.lists[2014]), set(geo.lists[2024])


def _active_in(start: date | None, stop: date | None, muni: Municipality, year: int) -> bool:
    end = _alive_to(muni, stop)
    return start is not None and start <= date(year, 12, 31) and (end is None or end >= date(year, 1, 1))


def _x_starts(reg: Registry) -> dict[str, date | None]:
    """First day of each municipality's main X account: 13 without X in 2014, 31 in 2013."""
    geo, rng = reg.geo, reg.rng
    l13, l14, _ = _year_sets(geo)
    both = sorted(l13 & l14)
    without14 = set(weighted_sample(rng, both, [reg.pop(c) ** -0.7 for c in both], TARGETS[2014].without_x))
    rest = [c for c in both if c not in without14]
    late = set(weighted_sample(rng, rest, [reg.pop(c) ** -0.5 for c in rest],
                               TARGETS[2013].without_x - len(without14)))
    starts: dict[str, date | None] = {}
    for code in reg.munis:
        muni = geo.municipalities[code]
        if code in without14:
            later = _random_day(rng, date(2015, 3, 1), date(2019, 12, 31))
            alive = muni.valid_to is None or later <= muni.valid_to
            starts[code] = later if alive and rng.random() < 0.5 else None
        elif code in late:
            starts[code] = _random_day(rng, date(2014, 2, 1), date(2014, 11, 30))
        elif muni.valid_from == LONG_AGO:
            starts[code] = _random_day(rng, date(2009, 4, 1), date(2012, 12, 31))
        elif code in l13 or code in l14 or rng.random() < 0.95:
            starts[code] = muni.valid_from
        else:
            starts[code] = None
    return starts


def _calibrate_2024(reg: Registry, starts: dict[str, date | None], stops: dict[str, date | None],
                    target: int, first: date, last: date) -> None:
    """Make exactly ``target`` municipalities of 2024 lack the platform, by adopting or stopping accounts."""
    geo, rng = reg.geo, reg.rng
    l24 = sorted(geo.lists[2024])
    without = [c for c in l24 if not _active_in(starts[c], stops.get(c), geo.municipalities[c], 2024)]
    need = target - len(without)
    if need > 0:
        pool = [c for c in l24 if c not in without and starts[c] is not None and starts[c] < date(2021, 1, 1)]
        for code in weighted_sample(rng, pool, [reg.pop(c) ** -0.4 for c in pool], need):
            stops[code] = _random_day(rng, first, last)
    for code in weighted_sample(rng, without, [1.0] * len(without), max(-need, 0)):
        starts[code] = max(_random_day(rng, date(2016, 1, 1), date(2022, 12, 31)),
                           geo.municipalities[code].valid_from)


def _x_channels(reg: Registry) -> dict[str, tuple[date | None, date | None]]:
    starts = _x_starts(reg)
    stops: dict[str, date | None] = {}
    _calibrate_2024(reg, starts, stops, TARGETS[2024].without_x, date(2022, 1, 1), date(2023, 12, 31))
    forms = ("Gemeente{}", "gem{}", "{}Gemeente", "Gem_{}", "gemeente{}")
    for code in reg.munis:
        if starts[code] is not None:
            name = ascii_name(reg.geo.municipalities[code].name)
            reg.add(code, "x", "algemeen", starts[code], stops.get(code), reg.rng.choice(forms).format(name))
    return {c: (starts[c], _alive_to(reg.geo.municipalities[c], stops.get(c))) for c in reg.munis}


def _facebook_starts(reg: Registry, x_windows: dict[str, tuple[date | None, date | None]]) -> dict[str, date | None]:
    """First day of each main Facebook page: 302 pages in 2014, 245 in 2013."""
    geo, rng = reg.geo, reg.rng
    l13, l14, _ = _year_sets(geo)
    new14 = sorted(l14 - l13)
    pool = sorted(l14 & l13)
    weights = [reg.pop(c) ** 0.5 * (1.5 if x_windows[c][0] else 0.4) for c in pool]
    fb14 = set(new14) | set(weighted_sample(rng, pool, weights, TARGETS[2014].with_facebook - len(new14)))
    only13 = sorted(l13 - l14)
    fb13_only = set(weighted_sample(rng, only13, [1.0] * len(only13), min(2, len(only13))))
    keep = sorted(fb14 & l13)
    early = set(weighted_sample(rng, keep, [1.0] * len(keep), TARGETS[2013].with_facebook - len(fb13_only)))
    starts: dict[str, date | None] = {}
    for code in reg.munis:
        muni = geo.municipalities[code]
        if code in early or code in fb13_only:
            starts[code] = max(_random_day(rng, date(2010, 6, 1), date(2013, 12, 31)), muni.valid_from)
        elif code in fb14:
            starts[code] = max(_random_day(rng, date(2014, 1, 2), date(2014, 12, 1)), muni.valid_from)
        elif code in l13 or code in l14:
            later = rng.random() < 0.6 and muni.valid_to is None
            starts[code] = _random_day(rng, date(2015, 1, 1), date(2021, 12, 31)) if later else None
        else:
            starts[code] = muni.valid_from if rng.random() < 0.85 else None
    return starts


def _facebook_channels(reg: Registry, x_windows: dict[str, tuple[date | None, date | None]]
                       ) -> dict[str, tuple[date | None, date | None]]:
    starts = _facebook_starts(reg, x_windows)
    stops: dict[str, date | None] = {}
    _calibrate_2024(reg, starts, stops, len(reg.geo.lists[2024]) - TARGETS[2024].with_facebook,
                    date(2019, 1, 1), date(2023, 12, 31))
    for code in reg.munis:
        if starts[code] is not None:
            name = ascii_name(reg.geo.municipalities[code].name).lower()
            reg.add(code, "facebook", "algemeen", starts[code], stops.get(code), f"gemeente{name}")
    return {c: (starts[c], _alive_to(reg.geo.municipalities[c], stops.get(c))) for c in reg.munis}


def _instagram_channels(reg: Registry) -> None:
    """Instagram accounts, only from 2015: exactly the target number active in 2024."""
    l24 = sorted(reg.geo.lists[2024])
    chosen = weighted_sample(reg.rng, l24, [reg.pop(c) ** 0.5 for c in l24], TARGETS[2024].with_instagram)
    for code in chosen:
        muni = reg.geo.municipalities[code]
        start = max(_random_day(reg.rng, date(2015, 1, 1), date(2023, 12, 31)), muni.valid_from)
        reg.add(code, "instagram", "algemeen", start, None, f"gemeente.{ascii_name(muni.name).lower()}")


#: Theme channels: (theme, platform, chance, earliest start, latest start, years active or None, handle form).
THEMES: tuple[tuple[str, str, float, date, date, int | None, str], ...] = (
    ("crisis", "x", 0.08, date(2011, 1, 1), date(2016, 12, 31), None, "{:.9}Crisis"),
    ("raad", "x", 0.11, date(2011, 1, 1), date(2020, 12, 31), None, "Raad{:.11}"),
    ("kcc", "x", 0.09, date(2012, 1, 1), date(2022, 12, 31), None, "{:.8}Webcare"),
    ("project", "x", 0.05, date(2012, 1, 1), date(2022, 12, 31), 3, "Bouw{:.11}"),
    ("project", "facebook", 0.05, date(2012, 1, 1), date(2022, 12, 31), 4, "project{}"),
)


def _theme_channels(reg: Registry, windows: dict[str, dict[str, tuple[date | None, date | None]]]) -> None:
    """Theme channels, each inside the lifetime of the municipality's main account on the same platform."""
    rng = reg.rng
    for code in reg.munis:
        name = ascii_name(reg.geo.municipalities[code].name)
        weight = min(1.0, (reg.pop(code) / 60_000) ** 0.5)
        for theme, platform, chance, first, last, years, form in THEMES:
            main_start, main_end = windows[platform][code]
            if main_start is None or rng.random() > chance * weight * 2:
                continue
            start = max(main_start, _random_day(rng, first, last))
            stop = start + timedelta(days=365 * years) if years else None
            if main_end is not None:
                stop = min(stop or main_end, main_end)
            if stop is None or start <= stop:
                base = form.format(name if platform == "x" else name.lower())
                reg.add(code, platform, theme, start, stop, base)
        x_start, x_end = windows["x"][code]
        if (code in reg.geo.lists[2014] and x_start is not None and x_start < date(2013, 11, 1)
                and rng.random() < 0.06 * weight * 2):
            reg.add(code, "x", "verkiezingen", date(2013, 12, 2), date(2014, 4, 30), f"{name:.10}Kiest")


def _archive_accounts(reg: Registry, count: int = 5) -> None:
    """A few main X accounts whose own tweets come as an account archive instead of API pages."""
    pool = [i for i, ch in enumerate(reg.channels) if ch.platform == "x" and ch.theme == "algemeen"
            and ch.active_from < date(2013, 1, 1) and ch.active_to is None]
    for index in weighted_sample(reg.rng, pool, [1.0] * len(pool), min(count, len(pool))):
        reg.channels[index] = replace(reg.channels[index], source="archive")


def build_registry(geography: Geography, seed: int) -> list[Channel]:
    """Every demo channel, sorted by municipality, platform, theme and handle."""
    reg = Registry(geography, seed)
    x_windows = _x_channels(reg)
    fb_windows = _facebook_channels(reg, x_windows)
    _instagram_channels(reg)
    _theme_channels(reg, {"x": x_windows, "facebook": fb_windows})
    _archive_accounts(reg)
    return sorted(reg.channels, key=lambda c: (c.gm_code, c.platform, c.theme, c.handle.lower()))


def did_plc(*parts: object) -> str:
    """A Bluesky ``did:plc:`` identifier (24 base32 characters) derived from the parts."""
    number = stable_int("did", *parts) << 64 | stable_int("plc", *parts)
    return "did:plc:" + "".join(BASE32[(number >> (5 * i)) & 31] for i in range(24))


def _recent_x(rng: random.Random, geo: Geography, channels: list[Channel], year: int) -> tuple[set[str], set[str]]:
    """Municipalities leaving and parking X in ``year``; their X channels change in place (from ``year`` on)."""
    target = RECENT_TARGETS[year]
    first = date(year, 1, 1)
    mains = {c.gm_code: c for c in channels if c.platform == "x" and c.theme == "algemeen"
             and c.active_from < first and c.active_to is None and c.gm_code in geo.lists[year]}
    codes = sorted(mains)
    pops = {c: float(geo.inhabitants(c, year)) for c in codes}
    forced = [c for c in LEFT_X_2025 if c in mains]
    rest = [c for c in codes if c not in forced]
    left = set(forced) | set(weighted_sample(rng, rest, [pops[c] ** 0.5 for c in rest], target.x_left - len(forced)))
    rest = [c for c in rest if c not in left]
    parked = set(weighted_sample(rng, rest, [pops[c] ** -0.3 for c in rest], target.x_parked))
    leave_day = {c: _random_day(rng, date(year, 1, 15), date(year, 11, 30)) for c in sorted(left)}
    for i, channel in enumerate(channels):
        if channel.platform != "x" or channel.gm_code not in left | parked:
            continue
        if channel.active_to is not None and channel.active_to < first:
            continue
        stop = leave_day.get(channel.gm_code)
        end = channel.active_to if stop is None else min(channel.active_to or stop, stop)
        channels[i] = replace(channel, active_to=end, quiet_from=year)
    return left, parked


def _open_accounts(rng: random.Random, geo: Geography, pool: list[str], weights: list[float], count: int,
                   parked: int, year: int, make: Callable[[str, date], Channel]) -> list[Channel]:
    """``count`` new accounts opened during ``year``; the first ``parked`` of a random order never post."""
    chosen = weighted_sample(rng, pool, weights, count)
    quiet = set(rng.sample(chosen, parked))
    opened = []
    for code in sorted(chosen):
        start = max(_random_day(rng, date(year, 1, 2), date(year, 6, 30)), geo.municipalities[code].valid_from)
        channel = make(code, start)
        opened.append(replace(channel, quiet_from=year) if code in quiet else channel)
    return opened


def recent_channels(geography: Geography, seed: int, channels: list[Channel]) -> list[Channel]:
    """The registry with the recent years laid over it (their own random stream: research years unchanged)."""
    out = list(channels)
    for year in sorted(RECENT_TARGETS):
        target = RECENT_TARGETS[year]
        rng = rng_for(seed, "registry", year)
        left, parked = _recent_x(rng, geography, out, year)
        codes = sorted(geography.lists[year])
        pops = {c: float(geography.inhabitants(c, year)) for c in codes}

        def plain(code: str) -> str:
            return ascii_name(geography.municipalities[code].name).lower()

        def label(code: str) -> str:
            return f"Gemeente {geography.municipalities[code].name}"

        def mastodon(code: str, start: date) -> Channel:
            address = f"gemeente{plain(code)}@{MASTODON_SERVER}"
            return Channel(code, "mastodon", address, address, "algemeen", start, None, label(code), "api")

        def bluesky(code: str, start: date) -> Channel:
            handle = f"gemeente{plain(code)}.bsky.social"
            return Channel(code, "bluesky", did_plc(seed, handle), handle, "algemeen", start, None, label(code), "api")

        def instagram(code: str, start: date) -> Channel:
            handle = f"gemeente.{plain(code)}"
            account = str(17_841_400_000_000_000 + stable_int(seed, "instagram", handle) % 10**12)
            return Channel(code, "instagram", account, handle, "algemeen", start, None, label(code), "webcare")

        # Those leaving or parking X are the likeliest to open an account on the alternatives.
        lean = [pops[c] ** 0.4 * (3.0 if c in left | parked else 1.0) for c in codes]
        fresh = _open_accounts(rng, geography, codes, lean, target.with_mastodon, target.mastodon_parked, year,
                               mastodon)
        speaking = [c for c in fresh if c.quiet_from is None]
        archived = {c.key for c in weighted_sample(rng, speaking, [1.0] * len(speaking), min(5, len(speaking)))}
        fresh = [replace(c, source="archive") if c.key in archived else c for c in fresh]
        fresh += _open_accounts(rng, geography, codes, lean, target.with_bluesky, target.bluesky_parked, year,
                                bluesky)
        on_instagram = {c.gm_code for c in out if c.platform == "instagram" and c.window(year)}
        pool = [c for c in codes if c not in on_instagram]
        fresh += _open_accounts(rng, geography, pool, [pops[c] ** 0.5 for c in pool],
                                target.with_instagram - len(on_instagram), 0, year, instagram)
        out += fresh
    return sorted(out, key=lambda c: (c.gm_code, c.platform, c.theme, c.handle.lower()))
