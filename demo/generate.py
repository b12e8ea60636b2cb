"""Write the demo landing zone: channel registry, X API pages, X archives, Facebook feeds, webcare CSVs
and survey files, streaming month by month so memory stays flat at any scale; and a few bad files and rows
(:mod:`demo.bad_day`). The recent year (2025) follows the research years, with its own random streams and id
ranges, and adds Instagram Graph media pages, Mastodon API bodies and archives, and Bluesky feeds, threads and
notifications."""

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
from demo.channels import Channel, build_registry, did_plc, recent_channels
from demo.geography import load_geography
from demo.ids import IdMaker, rng_for, stable_int, tid
from demo.messages import Account, Msg
from demo.plan import INSTAGRAM_GRAPH_FROM, MuniYear, YearPlan, plan_year
from demo.recent_formats import HOME_SERVER, like_notification
from demo.targets import ALL_TARGETS, ALL_YEARS, RECENT_YEARS, YEARS
from demo.texts import FIRST_NAMES, LAST_NAMES, RETWEETED_PARTNERS
from demo.threads import Month, boosts, make_posts, questions_and_others, retweets
from demo.timing import ResponseSteering, epoch
from demo.writers import (
    ArchiveZip,
    BlueskyPages,
    FacebookPages,
    InstagramPages,
    MastodonArchive,
    MastodonPages,
    WebcareCsv,
    XPages,
    bluesky_thread,
    dump_json,
    mastodon_context,
)

SEASON = (1.15, 1.05, 1.0, 0.95, 0.95, 0.9, 0.8, 0.8, 1.0, 1.05, 1.05, 1.1)
#: Share of a webcare municipality's X months the API collection missed (only the webcare export has them).
API_GAP_SHARE = 0.15
ARCHIVE_TOOL = '<a href="https://www.obi4wan.com" rel="nofollow">OBI4wan</a>'
#: Servers the citizens who write to a municipality on Mastodon have their accounts on.
MASTODON_SERVERS = ("mastodon.social", "mastodon.nl", "mastodon.online", "toot.community", "mstdn.social")
#: Platforms whose messages also pass through webcare tools (CONTRACT.md §2 ``kanaal``).
WEBCARE_PLATFORMS = ("x", "facebook", "instagram")


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
        self.channels = recent_channels(self.geo, seed, build_registry(self.geo, seed))
        self.plans: dict[int, YearPlan] = {y: plan_year(self.geo, self.channels, seed, scale, y) for y in ALL_YEARS}
        self.steering = {y: ResponseSteering(ALL_TARGETS[y].avg_response_hours * 60, self.plans[y].answered_total,
                                             ALL_TARGETS[y].base_lag_minutes) for y in ALL_YEARS}
        self.ids = IdMaker(seed)
        #: The recent years' ids: a counter of their own and Facebook / Instagram ranges apart from the older ones.
        self.recent_ids = IdMaker(seed, "ids-recent", facebook_base=10_153_000_000_000_000,
                                  instagram_base=18_050_000_000_000_000)
        self.accounts = {c.key: Account(c.account_id, c.handle, c.display_name, True) for c in self.channels}
        self.volumes: Counter[str] = Counter()

    def run(self) -> Counter[str]:
        """Generate everything; returns message counts by year, platform and kind."""
        self.write_registry()
        codes = sorted({c.gm_code for c in self.channels})
        for code in codes:
            self.municipality([c for c in self.channels if c.gm_code == code])
        for year in RECENT_YEARS:
            for code in codes:
                self.recent_year([c for c in self.channels if c.gm_code == code], year)
        for year in ALL_YEARS:
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
            archive = self.open_archive(channel) if channel.platform == "x" and channel.source == "archive" else None
            for year in YEARS:
                muni = self.plans[year].munis.get(channel.gm_code)
                if muni is not None and channel.key in muni.quotas:
                    self.channel_year(channel, channels, muni, archive, self.ids)
            if archive is not None:
                archive.close()

    def recent_year(self, channels: list[Channel], year: int) -> None:
        """One municipality in a recent year. X account archives were taken in 2024: own tweets come from the API."""
        muni = self.plans[year].munis.get(channels[0].gm_code)
        for channel in channels:
            if muni is not None and channel.key in muni.quotas:
                self.channel_year(channel, channels, muni, None, self.recent_ids)

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
            elif platform == "mastodon":
                server = MASTODON_SERVERS[(h >> 16) % len(MASTODON_SERVERS)]
                ident = handle = f"{first.lower()}{compact}{h % 97}@{server}"
            elif platform == "bluesky":
                handle = f"{first.lower()}{compact}{h % 97}.bsky.social"
                ident = did_plc(self.seed, handle)
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
                     archive: ArchiveZip | None, ids: IdMaker) -> None:
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
            graph = channel.platform == "instagram" and year >= INSTAGRAM_GRAPH_FROM
            minute = gap or (channel.platform == "instagram" and not graph)
            month = Month(rng, channel.platform, channel.key, self.accounts[channel.key], channel.theme, muni,
                          start, end, 60 if minute else 1, self.steering[year], self.new_id(channel, ids),
                          citizen, siblings, self.url(channel), needs_media=graph)
            month_posts = make_posts(month, posts[index])
            share = {"x": 0.35, "facebook": 0.85, "instagram": 1.0, "mastodon": 0.5, "bluesky": 0.5}[channel.platform]
            messages = questions_and_others(month, month_posts, questions[index], answered[index],
                                            others[index], share)
            if channel.platform == "x":
                messages += retweets(month, month_posts)
            if channel.platform in ("mastodon", "bluesky") and muni.level >= 2:
                messages += boosts(month, self.partners(channel.platform))
            sinks.emit(month_posts, messages, gap)
        sinks.close()

    @staticmethod
    def new_id(channel: Channel, ids: IdMaker):  # noqa: ANN205 - returns a closure
        """Id maker of the channel's platform: snowflakes (X), object numbers (Facebook ``page_post`` /
        ``post_comment``, Instagram), status ids of the harvesting server (Mastodon), record keys (Bluesky)."""
        if channel.platform == "x":
            return ids.tweet
        if channel.platform == "mastodon":
            return ids.mastodon
        if channel.platform == "bluesky":
            return ids.bluesky
        if channel.platform == "instagram":
            return lambda ts: ids.instagram()
        return lambda ts: ids.facebook()

    def partners(self, platform: str) -> list[tuple[Account, str]]:
        """Partner organisations whose posts municipalities share on Mastodon and Bluesky."""
        out = []
        for name, line in RETWEETED_PARTNERS:
            if platform == "mastodon":
                address = f"{name}@{HOME_SERVER}"
                out.append((Account(address, address, name.capitalize()), line))
            else:
                handle = f"{name}.bsky.social"
                out.append((Account(did_plc(self.seed, handle), handle, name.capitalize()), line))
        return out

    def url(self, channel: Channel) -> str:
        token = format(stable_int(self.seed, "url", channel.handle), "x")[:10]
        return f"https://t.co/{token}" if channel.platform == "x" else f"https://bit.ly/{token[:7]}"

    def write_manifest(self) -> None:
        """What was generated and what it is calibrated on (outside the landing zone: not an input)."""
        path = self.home / "demo" / "manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        intended = {str(y): {"questions": sum(m.questions for m in p.munis.values()),
                             "answered": p.answered_total, **ALL_TARGETS[y].__dict__} for y, p in self.plans.items()}
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
        self.owner = gen.accounts[channel.key]
        self.open: dict[str, XPages | FacebookPages | WebcareCsv | InstagramPages | MastodonPages | BlueskyPages
                        | MastodonArchive] = {}

    def folder(self, source: str) -> Path:
        name = self.channel.handle.split("@")[0] if self.channel.platform == "mastodon" else self.channel.handle
        return self.gen.landing / source / str(self.year) / name

    def sink(self, kind: str):  # noqa: ANN201 - the writer of that kind
        if kind not in self.open:
            c, landing, year = self.channel, self.gen.landing, self.year
            if kind == "webcare":
                encoding = "cp1252" if year < 2020 else "utf-8-sig"
                path = landing / "webcare_csv" / str(year) / f"berichten-{c.handle.lower()}-{year}.csv"
                self.open[kind] = WebcareCsv(path, encoding)
            elif kind == "feed":
                self.open[kind] = FacebookPages(landing / "facebook_graph" / str(year) / c.handle, "feed",
                                                c.account_id)
            elif kind == "media":
                self.open[kind] = InstagramPages(self.folder("instagram_graph"), "media", self.owner)
            elif c.platform == "mastodon" and kind == "archive":
                token = format(stable_int(self.gen.seed, "mastodon-archive", c.handle), "016x")
                name = c.handle.split("@")[0]
                path = landing / "mastodon_archive" / f"archive-{year + 1}0105-{name}-{token[:8]}.tar.gz"
                self.open[kind] = MastodonArchive(path, self.owner)
            elif c.platform == "mastodon":
                self.open[kind] = MastodonPages(self.folder("mastodon_api"), kind, self.owner)
            elif c.platform == "bluesky":
                self.open[kind] = BlueskyPages(self.folder("bluesky"), kind, self.owner)
            else:
                self.open[kind] = XPages(landing / "x_api" / str(year) / c.handle, kind,
                                         self.gen.x_accounts_of(c.gm_code))
        return self.open[kind]

    def emit(self, posts: list[Msg], messages: list[Msg], gap: bool) -> None:
        """Route a month's messages to their files."""
        everything = sorted(posts + messages, key=lambda m: (m.ts, m.id))
        for msg in everything:
            self.gen.volumes[f"{self.year}/{msg.platform}/{msg.kind}"] += 1
        platform = self.channel.platform
        if platform in ("facebook", "instagram"):
            graph = "feed" if platform == "facebook" else "media" if self.year >= INSTAGRAM_GRAPH_FROM else ""
            for msg in everything:
                if graph and msg.reply_to is None:
                    if platform == "facebook":
                        compound_facebook_ids(msg, self.channel.account_id)
                    self.sink(graph).add(msg)
        for msg in everything:
            if platform == "x":
                self.route_x(msg, gap)
            elif platform == "mastodon":
                self.route_mastodon(msg)
            elif platform == "bluesky":
                self.route_bluesky(msg)
            if (self.muni.webcare and platform in WEBCARE_PLATFORMS
                    and (msg.kind != "post" or platform == "instagram")):
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

    def route_mastodon(self, msg: Msg) -> None:
        """Own statuses (and, for archive accounts, the outbox too); citizens' statuses as mention notifications;
        the context of every answered question."""
        if msg.author.id == self.channel.account_id:
            self.sink("statuses").add(msg)
            if self.channel.source == "archive":
                self.sink("archive").add(msg)
            return
        self.sink("notifications").add(msg)
        if msg.kind == "question" and any(c.author.is_channel for c in msg.comments):
            dump_json(self.folder("mastodon_api") / f"context-{msg.id}.json", mastodon_context(msg, self.owner))

    def route_bluesky(self, msg: Msg) -> None:
        """Own posts, replies and reposts in the author feed; citizens' posts as notifications (and some likes);
        the thread of every root that got an answer (now and then with a reply deleted since)."""
        own = msg.author.id == self.channel.account_id
        if own:
            self.sink("author-feed").add(msg)
            if msg.kind == "post" and msg.likes and stable_int("like", msg.id) % 4 == 0:
                liker = self.gen.partners("bluesky")[stable_int("liker", msg.id) % len(RETWEETED_PARTNERS)][0]
                self.sink("notifications").add(like_notification(msg, liker, msg.ts + 900))
        else:
            self.sink("notifications").add(msg)
        answered = any(c.author.is_channel for c in msg.comments) or any(
            r.author.is_channel for c in msg.comments for r in c.comments)
        if msg.reply_to is None and msg.retweet_of is None and answered:
            deleted = None
            if stable_int("deleted", msg.id) % 8 == 0:
                deleted = Msg(tid(msg.ts + 7200, stable_int("deleted-tid", msg.id)), msg.ts + 7200,
                              self.gen.partners("bluesky")[0][0], "", "other", msg.channel_key, "bluesky",
                              reply_to=msg)
            dump_json(self.folder("bluesky") / f"thread-{msg.id}.json", bluesky_thread(msg, self.owner, deleted))

    def webcare(self, msg: Msg) -> None:
        platform = self.channel.platform
        kanaal = ("twitter" if self.year < 2023 else "x") if platform == "x" else platform
        account = msg.author.handle if msg.author.is_channel else self.channel.handle
        self.sink("webcare").add(msg, kanaal, account, not msg.author.is_channel)  # type: ignore[call-arg]

    def close(self) -> None:
        for sink in self.open.values():
            sink.close()
