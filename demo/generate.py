"""Write the demo landing zone: channel registry, X API pages, X archives, Facebook feeds, webcare CSVs
and survey files, streaming month by month so memory stays flat at any scale; and a few bad files and rows
(:mod:`demo.bad_day`)."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from demo import survey
from demo.allocation import apportion
from demo.bad_day import write_bad_day
from demo.channels import Channel, build_registry
from demo.geography import load_geography
from demo.ids import IdMaker, rng_for, stable_int
from demo.messages import Account, Msg
from demo.plan import MuniYear, YearPlan, plan_year
from demo.targets import TARGETS, YEARS
from demo.texts import FIRST_NAMES, LAST_NAMES
from demo.threads import Month, make_posts, questions_and_others, retweets
from demo.timing import ResponseSteering, epoch
from demo.writers import ArchiveZip, FacebookPages, WebcareCsv, XPages

SEASON = (1.15, 1.05, 1.0, 0.95, 0.95, 0.9, 0.8, 0.8, 1.0, 1.05, 1.05, 1.1)
#: Share of a webcare municipality's X months the API collection missed (only the webcare export has them).
API_GAP_SHARE = 0.15
ARCHIVE_TOOL = '<a href="https://www.obi4wan.com" rel="nofollow">OBI4wan</a>'


def month_windows(channel: Channel, year: int) -> list[tuple[int, int, float]]:
    """(start, end, weight) in epoch seconds of each month the channel is active in ``year``."""
    window = channel.window(year)
    if window is None:
        return []
    first, last = window
    out = []
    for month in range(1, 13):
        begin = date(year, month, 1)
        after = date(year + (month == 12), month % 12 + 1, 1)
        start, stop = max(begin, first), min(after, last + timedelta(days=1))
        if start < stop:
            out.append((epoch(start), epoch(stop), (stop - start).days * SEASON[month - 1]))
    return out


class Generator:
    """One generation run: plan in memory (small), messages streamed to the landing zone."""

    def __init__(self, home: Path, scale: float, seed: int, bad_day: bool = True) -> None:
        self.landing = home / "landing"
        self.home, self.scale, self.seed, self.bad_day = home, scale, seed, bad_day
        self.geo = load_geography()
        self.channels = build_registry(self.geo, seed)
        self.plans: dict[int, YearPlan] = {y: plan_year(self.geo, self.channels, seed, scale, y) for y in YEARS}
        self.steering = {y: ResponseSteering(TARGETS[y].avg_response_hours * 60, self.plans[y].answered_total,
                                             TARGETS[y].base_lag_minutes) for y in YEARS}
        self.ids = IdMaker(seed)
        self.accounts = {c.key: Account(c.account_id, c.handle, c.display_name, True) for c in self.channels}
        self.volumes: Counter[str] = Counter()

    def run(self) -> Counter[str]:
        """Generate everything; returns message counts by year, platform and kind."""
        self.write_registry()
        for code in sorted({c.gm_code for c in self.channels}):
            self.municipality([c for c in self.channels if c.gm_code == code])
        for year in YEARS:
            survey.write_survey(self.landing / "survey", self.geo, self.plans[year], self.seed,
                                self.platforms_in(year))
        if self.bad_day:
            write_bad_day(self.landing)
        self.write_manifest()
        return self.volumes

    def platforms_in(self, year: int) -> dict[str, str]:
        """Per municipality the platforms it had that year, as a survey respondent lists them."""
        found: dict[str, set[str]] = {}
        for c in self.channels:
            if c.window(year):
                found.setdefault(c.gm_code, set()).add("twitter" if c.platform == "x" and year < 2023 else c.platform)
        return {code: ",".join(sorted(names)) for code, names in found.items()}

    def write_registry(self) -> None:
        path = self.landing / "channels" / "kanalenregister.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["gm_code", "platform", "account_id", "handle", "theme", "active_from", "active_to"])
            for c in self.channels:
                writer.writerow([c.gm_code, c.registry_platform(), c.account_id, c.handle, c.theme,
                                 c.active_from.isoformat(), c.active_to.isoformat() if c.active_to else ""])

    def municipality(self, channels: list[Channel]) -> None:
        for channel in channels:
            archive = self.open_archive(channel) if channel.source == "archive" else None
            for year in YEARS:
                muni = self.plans[year].munis.get(channel.gm_code)
                if muni is not None and channel.key in muni.quotas:
                    self.channel_year(channel, channels, muni, archive)
            if archive is not None:
                archive.close()

    def open_archive(self, channel: Channel) -> ArchiveZip:
        token = format(stable_int(self.seed, "archive", channel.handle), "016x")
        path = self.landing / "x_archive" / f"twitter-2024-11-05-{token}.zip"
        owner = self.accounts[channel.key]
        created = f"{channel.active_from.isoformat()}T09:00:00.000Z"
        return ArchiveZip(path, owner, created, ARCHIVE_TOOL, self.x_accounts_of(channel.gm_code))

    def x_accounts_of(self, gm_code: str) -> dict[str, Account]:
        return {c.handle: self.accounts[c.key] for c in self.channels if c.gm_code == gm_code and c.platform == "x"}

    def citizen_maker(self, muni: MuniYear, platform: str, pool: int):  # noqa: ANN201 - returns a closure
        """A function drawing a citizen of this municipality (frequent writers come back often)."""
        def draw(rng: random.Random) -> Account:
            index = int(pool * rng.random() ** 1.7)
            h = stable_int(self.seed, muni.gm_code, platform, index)
            first, last = FIRST_NAMES[h % len(FIRST_NAMES)], LAST_NAMES[(h >> 8) % len(LAST_NAMES)]
            compact = last.replace(" ", "").lower()
            if platform == "x":
                modern = muni.year >= 2024 and h % 10 < 3
                ident = str(10**18 + h % (9 * 10**17)) if modern else str(10**8 + h % (9 * 10**8))
                handle = f"{first.lower()}_{compact}"[:12] + str(h % 97)
            elif platform == "instagram":
                ident, handle = str(17_841_400_000_000_000 + h % 10**15), f"{first.lower()}.{compact}{h % 89}"
            else:
                ident, handle = str(10**14 + h % (9 * 10**15)), f"{first} {last}"
            return Account(ident, handle, f"{first} {last}")
        return draw

    def siblings(self, channel: Channel, channels: list[Channel], year: int) -> list[Account]:
        """The municipality's full-year X webcare (kcc) accounts that may answer for this X account."""
        if channel.platform != "x" or channel.source != "api" or channel.theme == "kcc":
            return []
        full = (date(year, 1, 1), date(year, 12, 31))
        return [self.accounts[c.key] for c in channels if c.platform == "x" and c.theme == "kcc"
                and c.source == "api" and c.window(year) == full]

    def channel_year(self, channel: Channel, channels: list[Channel], muni: MuniYear,
                     archive: ArchiveZip | None) -> None:
        quota, year = muni.quotas[channel.key], muni.year
        windows = month_windows(channel, year)
        weights = [w for _, _, w in windows]
        questions = apportion(quota.questions, weights)
        answered = apportion(quota.answered, [float(q) for q in questions], questions)
        posts, others = apportion(quota.posts, weights), apportion(quota.others, weights)
        sinks = ChannelSinks(self, channel, muni, archive)
        citizen = self.citizen_maker(muni, channel.platform, max(20, int((quota.questions + quota.others) * 0.7)))
        siblings = self.siblings(channel, channels, year)
        for index, (start, end, _) in enumerate(windows):
            rng = rng_for(self.seed, "month", channel.key, year, index)
            gap = channel.platform == "x" and muni.webcare and rng.random() < API_GAP_SHARE
            minute = gap or channel.platform == "instagram"
            month = Month(rng, channel.platform, channel.key, self.accounts[channel.key], channel.theme, muni,
                          start, end, 60 if minute else 1, self.steering[year], self.ids.tweet
                          if channel.platform == "x" else self.other_id(channel), citizen, siblings,
                          self.url(channel))
            month_posts = make_posts(month, posts[index])
            share = {"x": 0.35, "facebook": 0.85, "instagram": 1.0}[channel.platform]
            messages = questions_and_others(month, month_posts, questions[index], answered[index],
                                            others[index], share)
            if channel.platform == "x":
                messages += retweets(month, month_posts)
            sinks.emit(month_posts, messages, gap)
        sinks.close()

    def other_id(self, channel: Channel):  # noqa: ANN201 - returns a closure
        """Id maker for Facebook (``page_post`` / ``post_comment``) and Instagram messages."""
        if channel.platform == "instagram":
            return lambda ts: self.ids.instagram()
        return lambda ts: self.ids.facebook()

    def url(self, channel: Channel) -> str:
        token = format(stable_int(self.seed, "url", channel.handle), "x")[:10]
        return f"https://t.co/{token}" if channel.platform == "x" else f"https://bit.ly/{token[:7]}"

    def write_manifest(self) -> None:
        """What was generated and what it is calibrated on (outside the landing zone: not an input)."""
        path = self.home / "demo" / "manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        intended = {str(y): {"questions": sum(m.questions for m in p.munis.values()),
                             "answered": p.answered_total, **TARGETS[y].__dict__} for y, p in self.plans.items()}
        payload = {"scale": self.scale, "seed": self.seed, "intended": intended,
                   "messages": dict(sorted(self.volumes.items()))}
        path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def compound_facebook_ids(top: Msg, page_id: str) -> None:
    """Give a feed item and its comments Graph ids: ``{page}_{post}`` and ``{post}_{comment}``."""
    number = top.id
    top.id = f"{page_id}_{number}"
    stack = list(top.comments)
    while stack:
        comment = stack.pop()
        comment.id = f"{number}_{comment.id}"
        stack.extend(comment.comments)


class ChannelSinks:
    """The files one channel-year writes to, opened lazily so no empty file is ever written."""

    def __init__(self, gen: Generator, channel: Channel, muni: MuniYear, archive: ArchiveZip | None) -> None:
        self.gen, self.channel, self.muni, self.archive = gen, channel, muni, archive
        self.year = muni.year
        self.open: dict[str, XPages | FacebookPages | WebcareCsv] = {}

    def sink(self, kind: str) -> XPages | FacebookPages | WebcareCsv:
        if kind not in self.open:
            c, landing, year = self.channel, self.gen.landing, self.year
            if kind == "webcare":
                encoding = "cp1252" if year < 2020 else "utf-8-sig"
                path = landing / "webcare_csv" / str(year) / f"berichten-{c.handle.lower()}-{year}.csv"
                self.open[kind] = WebcareCsv(path, encoding)
            elif kind == "feed":
                self.open[kind] = FacebookPages(landing / "facebook_graph" / str(year) / c.handle, "feed",
                                                c.account_id)
            else:
                self.open[kind] = XPages(landing / "x_api" / str(year) / c.handle, kind,
                                         self.gen.x_accounts_of(c.gm_code))
        return self.open[kind]

    def emit(self, posts: list[Msg], messages: list[Msg], gap: bool) -> None:
        """Route a month's messages to their files."""
        everything = sorted(posts + messages, key=lambda m: (m.ts, m.id))
        for msg in everything:
            self.gen.volumes[f"{self.year}/{msg.platform}/{msg.kind}"] += 1
        if self.channel.platform == "facebook":
            for msg in everything:
                if msg.reply_to is None:
                    compound_facebook_ids(msg, self.channel.account_id)
                    self.sink("feed").add(msg)
        for msg in everything:
            if self.channel.platform == "x":
                self.route_x(msg, gap)
            if self.muni.webcare and (msg.kind != "post" or self.channel.platform == "instagram"):
                self.webcare(msg)

    def route_x(self, msg: Msg, gap: bool) -> None:
        own = msg.author.id == self.channel.account_id
        if own and self.archive is not None:
            self.archive.add(msg)
        elif gap and msg.kind != "post":
            return
        elif own:
            self.sink("timeline").add(msg)
        elif msg.author.is_channel:
            self.sink("conversations").add(msg)
        else:
            self.sink("mentions").add(msg)

    def webcare(self, msg: Msg) -> None:
        platform = self.channel.platform
        kanaal = ("twitter" if self.year < 2023 else "x") if platform == "x" else platform
        account = msg.author.handle if msg.author.is_channel else self.channel.handle
        self.sink("webcare").add(msg, kanaal, account, not msg.author.is_channel)  # type: ignore[call-arg]

    def close(self) -> None:
        for sink in self.open.values():
            sink.close()
