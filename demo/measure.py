"""Recompute the national figures of CONTRACT.md §4 straight from the generated landing files.

An independent check of the calibration: it parses the exports as files (not the generator's memory),
merges copies of one message (platform exports win over webcare CSVs), finds inbound questions with the
demo's intended labels and their replies, and aggregates as ``rpt_national_year`` defines. Holds the
messages in memory: meant for demo scales, not for load tests.
"""

from __future__ import annotations

import csv
import html
import io
import json
import statistics
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from demo.bad_day import is_bad_day
from demo.geography import load_geography
from demo.labels import is_intended_question
from demo.survey import ALIASES, normalise
from demo.targets import YEARS
from demo.timing import AMSTERDAM


@dataclass
class Seen:
    """One message as the files show it."""

    ts: int
    author: str  # platform author id, or "handle:<name>" from a webcare export
    text: str
    reply_to: str
    channel: str  # registry key of the channel that wrote it or that it addresses ("" if unknown)
    inbound: bool
    retweet: bool = False


class Landing:
    """The parsed landing zone."""

    def __init__(self, landing: Path) -> None:
        self.landing = landing
        self.registry = list(csv.DictReader((landing / "channels" / "kanalenregister.csv").open(encoding="utf-8")))
        for row in self.registry:
            row["platform"] = "x" if row["platform"] == "twitter" else row["platform"]
        self.by_id = {(r["platform"], r["account_id"]): r for r in self.registry}
        self.by_handle = {(r["platform"], r["handle"].lower()): r for r in self.registry}
        self.messages: dict[tuple[str, str], Seen] = {}

    def key(self, platform: str, account_id: str) -> str:
        row = self.by_id.get((platform, account_id))
        return f"{platform}:{row['account_id']}" if row else ""

    def gm(self, channel_key: str) -> str:
        platform, account = channel_key.split(":", 1)
        return self.by_id[(platform, account)]["gm_code"]

    def add(self, platform: str, message_id: str, seen: Seen) -> None:
        self.messages.setdefault((platform, message_id), seen)

    def read_x_api(self) -> None:
        for path in sorted((self.landing / "x_api").rglob("*.json")):
            if is_bad_day(self.landing, path):
                continue
            for tweet in json.loads(path.read_text(encoding="utf-8"))["data"]:
                refs = {r["type"]: r["id"] for r in tweet.get("referenced_tweets", [])}
                mentioned = [m["username"] for m in tweet.get("entities", {}).get("mentions", [])]
                self.add("x", tweet["id"], self.x_seen(
                    _parse(tweet["created_at"], "%Y-%m-%dT%H:%M:%S.%f%z"), tweet["author_id"], tweet["text"],
                    refs.get("replied_to", ""), tweet.get("in_reply_to_user_id", ""), mentioned,
                    "retweeted" in refs))

    def x_seen(self, ts: int, author: str, text: str, reply_to: str, reply_user: str, mentioned: list[str],
               retweet: bool) -> Seen:
        own = self.key("x", author)
        if own:
            return Seen(ts, author, text, reply_to, own, False, retweet)
        target = self.key("x", reply_user)
        for handle in mentioned:
            row = self.by_handle.get(("x", handle.lower()))
            target = target or (f"x:{row['account_id']}" if row else "")
        return Seen(ts, author, text, reply_to, target, True, retweet or text.startswith("RT @"))

    def read_x_archives(self) -> None:
        for path in sorted((self.landing / "x_archive").glob("*.zip")):
            with zipfile.ZipFile(path) as archive:
                owner = _js(archive.read("data/account.js"))[0]["account"]["accountId"]
                for name in sorted(n for n in archive.namelist() if n.startswith("data/tweets")):
                    for item in _js(archive.read(name)):
                        tweet = item["tweet"]
                        self.add("x", tweet["id_str"], self.x_seen(
                            _parse(tweet["created_at"], "%a %b %d %H:%M:%S %z %Y"), owner,
                            html.unescape(tweet["full_text"]), tweet.get("in_reply_to_status_id_str") or "",
                            tweet.get("in_reply_to_user_id_str") or "", [], False))

    def read_facebook(self) -> None:
        for path in sorted((self.landing / "facebook_graph").rglob("*.json")):
            for post in json.loads(path.read_text(encoding="utf-8"))["data"]:
                page = f"facebook:{post['id'].split('_', 1)[0]}"
                self.facebook_item(post, page, "")

    def facebook_item(self, item: dict, page: str, parent: str) -> None:
        author = item["from"]["id"]
        seen = Seen(_parse(item["created_time"], "%Y-%m-%dT%H:%M:%S%z"), author, item.get("message", ""),
                    parent, page, f"facebook:{author}" != page)
        self.add("facebook", item["id"], seen)
        for comment in item.get("comments", {}).get("data", []):
            self.facebook_item(comment, page, comment.get("parent", {}).get("id", item["id"]))

    def read_webcare(self) -> None:
        for path in sorted((self.landing / "webcare_csv").rglob("*.csv")):
            if is_bad_day(self.landing, path):
                continue
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252")
            for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=";"):
                platform = "x" if row["kanaal"] in ("twitter", "x") else row["kanaal"]
                channel = self.by_handle[(platform, row["account"].lower())]
                key = f"{platform}:{channel['account_id']}"
                inbound = row["richting"] == "inkomend"
                local = datetime.strptime(row["datum"], "%d-%m-%Y %H:%M").replace(tzinfo=AMSTERDAM)
                author = f"handle:{row['auteur']}" if inbound else channel["account_id"]
                self.add(platform, row["bericht_id"], Seen(int(local.timestamp()), author, row["tekst"],
                                                           row["in_antwoord_op"], key, inbound,
                                                           row["tekst"].startswith("RT @")))


def _parse(text: str, pattern: str) -> int:
    return int(datetime.strptime(text, pattern).timestamp())


def _js(data: bytes) -> list:
    text = data.decode("utf-8")
    return json.loads(text[text.index("["):].rstrip().rstrip(";"))


def local_year(ts: int) -> int:
    """The Europe/Amsterdam year of an instant."""
    return datetime.fromtimestamp(ts, UTC).astimezone(AMSTERDAM).year


def first_replies(zone: Landing) -> dict[tuple[str, str], int]:
    """Per question the instant of its first reply (a reply to it, or to a later message of the same citizen
    that continues it)."""
    found: dict[tuple[str, str], int] = {}
    for (platform, _), msg in zone.messages.items():
        if msg.inbound or not msg.reply_to:
            continue
        target = zone.messages.get((platform, msg.reply_to))
        current_id = msg.reply_to
        while target is not None:
            if target.inbound and target.channel and zone.gm(target.channel) == zone.gm(msg.channel):
                key = (platform, current_id)
                found[key] = min(found.get(key, msg.ts), msg.ts)
            parent = zone.messages.get((platform, target.reply_to)) if target.reply_to else None
            if parent is None or parent.author != target.author:
                break
            current_id, target = target.reply_to, parent
    return found


def _registry_counts(zone: Landing, year: int, codes: list[str]) -> tuple[int, int]:
    first, last = date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()
    active: dict[str, set[str]] = defaultdict(set)
    for row in zone.registry:
        if row["active_from"] <= last and (not row["active_to"] or row["active_to"] >= first):
            active[row["gm_code"]].add(row["platform"])
    return (sum(1 for c in codes if "x" not in active[c]), sum(1 for c in codes if "facebook" in active[c]))


def _survey(landing: Path, year: int, names: dict[str, str]) -> tuple[float | None, float | None, int]:
    """Share naming communicatie, their mean mark, and rows whose name did not match one municipality."""
    path = landing / "survey" / f"enquete-sociale-media-{year}.csv"
    if not path.exists():
        return None, None, 0
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    normalised = {normalise(n): c for c, n in names.items()}
    normalised.update({normalise(alias): normalised[normalise(name)] for name, alias in ALIASES.items()
                       if normalise(name) in normalised})
    rows, unmatched = [], 0
    for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=";"):
        typed = normalise(row["gemeente"])
        close = [c for n, c in normalised.items() if Levenshtein.distance(typed, n, score_cutoff=2) <= 2]
        if typed not in normalised and len(set(close)) != 1:
            unmatched += 1
            continue
        rows.append((row["verantwoordelijke_afdeling"] in ("communicatie", "1"),
                     float(row["rapportcijfer"].replace(",", "."))))
    comms = [mark for is_comms, mark in rows if is_comms]
    return len(comms) / len(rows), statistics.fmean(comms), unmatched


def measure_landing(landing: Path) -> dict[str, dict[str, float | int | None]]:
    """The ``rpt_national_year`` figures per generated year, computed from the files alone."""
    zone = Landing(landing)
    zone.read_x_api()
    zone.read_x_archives()
    zone.read_facebook()
    zone.read_webcare()
    replies = first_replies(zone)
    geo = load_geography()
    per_muni: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0])  # messages, questions, answered
    minutes: dict[int, list[float]] = defaultdict(list)
    for (platform, message_id), msg in zone.messages.items():
        if not msg.channel:
            continue
        year, gm = local_year(msg.ts), zone.gm(msg.channel)
        if not msg.inbound:
            per_muni[(gm, year)][0] += 1
        elif not msg.retweet and is_intended_question(msg.text):
            per_muni[(gm, year)][1] += 1
            if (platform, message_id) in replies:
                per_muni[(gm, year)][2] += 1
                minutes[year].append((replies[(platform, message_id)] - msg.ts) / 60)
    result = {}
    for year in YEARS:
        codes = geo.on_first_january(year)
        without_x, with_fb = _registry_counts(zone, year, codes)
        stats = [per_muni[(c, year)] for c in codes]
        structural = sum(1 for m, q, a in stats if m >= 52 and q >= 1 and a / q >= 0.5)
        questions, answered = sum(s[1] for s in stats), sum(s[2] for s in stats)
        comms, mark, unmatched = _survey(landing, year, geo.lists[year])
        hours = [m / 60 for m in minutes[year]]
        result[str(year)] = {
            "municipalities": len(codes), "without_x": without_x, "pct_with_facebook": with_fb / len(codes),
            "pct_structural": structural / len(codes), "questions": questions, "answered": answered,
            "answer_rate": answered / questions if questions else None,
            "avg_response_hours": statistics.fmean(hours) if hours else None,
            "median_response_hours": statistics.median(hours) if hours else None,
            "pct_comms_responsible": comms, "avg_self_rating_comms": mark, "survey_rows_unmatched": unmatched,
        }
    return result
