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
import re
import statistics
import tarfile
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
from demo.targets import ALL_YEARS
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


    def read_recent(self) -> None:
        """The recent platforms' exports (FORMATS.md §5, §9–11), keyed as CONTRACT.md §7 says."""
        self.read_instagram_graph()
        self.read_mastodon_api()
        self.read_mastodon_archives()
        self.read_bluesky()

    def read_instagram_graph(self) -> None:
        for path in sorted((self.landing / "instagram_graph").rglob("*.json")):
            for media in json.loads(path.read_text(encoding="utf-8"))["data"]:
                channel = self.key("instagram", media["owner"]["id"])
                self.add("instagram", media["id"], Seen(_parse(media["timestamp"], "%Y-%m-%dT%H:%M:%S%z"),
                                                        media["owner"]["id"], media.get("caption", ""), "",
                                                        channel, False))
                for comment in media.get("comments", {}).get("data", []):
                    for item, parent in [(comment, media["id"]), *((r, comment["id"]) for r in
                                                                    comment.get("replies", {}).get("data", []))]:
                        author = item["from"]["id"]
                        self.add("instagram", item["id"], Seen(_parse(item["timestamp"], "%Y-%m-%dT%H:%M:%S%z"),
                                                               author, item["text"], item.get("parent_id", parent),
                                                               channel, not self.key("instagram", author)))

    def mastodon_status(self, status: dict, local_uris: dict[str, str], server: str) -> None:
        def address(account: dict) -> str:
            return account["acct"].lower() if "@" in account["acct"] else f"{account['acct'].lower()}@{server}"

        if status.get("reblog"):
            return
        author = address(status["account"])
        parent = local_uris.get(status["in_reply_to_id"] or "", "")
        own = self.key("mastodon", author)
        target = own
        for mention in status.get("mentions", []):
            target = target or self.key("mastodon", address(mention))
        self.add("mastodon", status["uri"], Seen(_iso(status["created_at"]), author, _html_text(status["content"]),
                                                 parent, target, not own))

    def read_mastodon_api(self) -> None:
        bodies = [json.loads(p.read_text(encoding="utf-8"))
                  for p in sorted((self.landing / "mastodon_api").rglob("*.json"))]
        statuses: list[dict] = []
        for body in bodies:
            if isinstance(body, dict):
                statuses += body["ancestors"] + body["descendants"]
            else:
                statuses += [item["status"] if item.get("type") == "mention" else item for item in body]
        local_uris = {status["id"]: status["uri"] for status in statuses}
        for status in statuses:
            self.mastodon_status(status, local_uris, "social.overheid.nl")

    def read_mastodon_archives(self) -> None:
        for path in sorted((self.landing / "mastodon_archive").glob("*.tar.gz")):
            with tarfile.open(path) as archive:
                actor = json.load(archive.extractfile("actor.json"))  # type: ignore[arg-type]
                outbox = json.load(archive.extractfile("outbox.json"))  # type: ignore[arg-type]
            owner = f"{actor['preferredUsername'].lower()}@{actor['url'].split('/')[2]}"
            for activity in outbox["orderedItems"]:
                if activity["type"] != "Create":
                    continue
                note = activity["object"]
                self.add("mastodon", note["id"], Seen(_iso(note["published"]), owner, _html_text(note["content"]),
                                                      note.get("inReplyTo") or "", self.key("mastodon", owner),
                                                      False))

    def bluesky_post(self, view: dict) -> None:
        author, record = view["author"]["did"], view["record"]
        created, indexed = _iso(record["createdAt"]), _iso(view["indexedAt"])
        own = self.key("bluesky", author)
        target = own
        parent = record.get("reply", {}).get("parent", {}).get("uri", "")
        if parent and not target:
            target = self.key("bluesky", parent.split("/")[2])
        for facet in record.get("facets", []):
            for feature in facet["features"]:
                target = target or self.key("bluesky", feature.get("did", ""))
        self.add("bluesky", view["uri"], Seen(indexed if created > indexed else created, author, record["text"],
                                              parent, target, not own))

    def read_bluesky(self) -> None:
        for path in sorted((self.landing / "bluesky").rglob("*.json")):
            body = json.loads(path.read_text(encoding="utf-8"))
            for item in body.get("feed", []):
                if "reason" not in item:
                    self.bluesky_post(item["post"])
            for item in body.get("notifications", []):
                if item["reason"] in ("mention", "reply", "quote"):
                    self.bluesky_post({**item, "author": item["author"]})
            stack = [body["thread"]] if "thread" in body else []
            while stack:
                node = stack.pop()
                if node.get("$type") == "app.bsky.feed.defs#threadViewPost":
                    self.bluesky_post(node["post"])
                    stack += node.get("replies", [])


def _iso(text: str) -> int:
    """Epoch seconds of an ISO 8601 UTC time (``…Z``, with or without milliseconds)."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _html_text(content: str) -> str:
    """Mastodon HTML as text: line breaks and paragraph ends as spaces, tags stripped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>|</p>", " ", content))).strip()


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


def read_landing(landing: Path) -> Landing:
    """Every message of the landing zone (platform exports first: they win over webcare copies)."""
    zone = Landing(landing)
    zone.read_x_api()
    zone.read_x_archives()
    zone.read_facebook()
    zone.read_recent()
    zone.read_webcare()
    return zone


def measure_platforms(landing: Path) -> dict[str, dict[str, dict[str, int]]]:
    """Per year and platform what ``rpt_platform_year`` counts (CONTRACT.md §7): municipalities present, left
    and parked, and the questions and answered questions of that platform."""
    zone = read_landing(landing)
    replies = first_replies(zone)
    geo = load_geography()
    spoke: set[tuple[str, str, int]] = set()
    asked: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for (platform, message_id), msg in zone.messages.items():
        if not msg.channel:
            continue
        year = local_year(msg.ts)
        if not msg.inbound:
            spoke.add((zone.gm(msg.channel), platform, year))
        elif not msg.retweet and is_intended_question(msg.text):
            asked[(platform, year)][0] += 1
            asked[(platform, year)][1] += (platform, message_id) in replies
    result: dict[str, dict[str, dict[str, int]]] = {}
    for year in ALL_YEARS:
        first, last = date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()
        codes = set(geo.on_first_january(year))
        rows = [r for r in zone.registry if r["gm_code"] in codes and r["active_from"] <= last]
        figures: dict[str, dict[str, int]] = {}
        for platform in sorted({r["platform"] for r in rows}):
            mine = [r for r in rows if r["platform"] == platform]
            active = {r["gm_code"] for r in mine if not r["active_to"] or r["active_to"] >= first}
            present = {c for c in active if (c, platform, year) in spoke}
            ends: dict[str, str] = {}
            for r in mine:
                ends[r["gm_code"]] = max(ends.get(r["gm_code"], ""), r["active_to"] or "9999")
            left = {c for c, end in ends.items() if first <= end <= last} - present
            parked = active - present - left
            questions, answered = asked[(platform, year)]
            figures[platform] = {"present": len(present), "left": len(left), "parked": len(parked),
                                 "questions": questions, "answered": answered}
        result[str(year)] = figures
    return result


def measure_landing(landing: Path) -> dict[str, dict[str, float | int | None]]:
    """The ``rpt_national_year`` figures per generated year, computed from the files alone."""
    zone = read_landing(landing)
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
    for year in ALL_YEARS:
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
