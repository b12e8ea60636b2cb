"""The benchmark's "hourly increment": one hour of new exports dropped into a landing zone the demo wrote.

The loaders look for new files every hour, and what an hour brings is small next to the history: new citizen
questions to the municipalities' accounts and the answers given within the hour, answers to questions asked
days or months ago (a late reply changes the facts of an old question, and the report rows of its year), and
now and then a file delivered again with a message edited (same message, new SHA-256: loaded again, and its
copy wins). :func:`write_hourly_increment` writes such an hour with the demo's own writers and message shapes
(:mod:`demo.writers`, :mod:`demo.messages`): X API v2 pages, Facebook Graph feed pages, and the webcare-tool
CSV of the municipalities that have one. Every file name carries the hour, so each hour adds files and never
overwrites the demo's; the same landing zone, hour and seed give the same bytes.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from core.platforms import normalise_platform
from demo import texts
from demo.generate import compound_facebook_ids
from demo.ids import IdMaker, rng_for, stable_int
from demo.labels import is_intended_question
from demo.messages import Account, Msg
from demo.targets import RECENT_YEARS
from demo.timing import to_local
from demo.writers import FacebookPages, PagedSink, WebcareCsv, XPages, dump_json

#: The year the increments fall in: the demo's most recent one (a later year would have no CBS list).
INCREMENT_YEAR = RECENT_YEARS[-1]
#: Hour 0 of the increments; hour ``n`` is the ``n``-th hour after it.
FIRST_HOUR = datetime(INCREMENT_YEAR, 12, 30, 8, tzinfo=UTC)
#: New messages an hour brings at national scale (issue 30: "about 2,000 messages").
HOURLY_MESSAGES = 2_000
#: Share of an hour's new messages that answer questions asked before it.
LATE_REPLY_SHARE = 0.05
#: A late reply answers a question at least this old.
LATE_AFTER = timedelta(days=2)
#: Share of the hour's new questions answered within the hour.
ANSWERED_WITHIN_HOUR = 0.6
#: Accounts per platform that receive the hour's new messages (all of them when there are fewer).
CHANNELS_PER_PLATFORM = 60
#: Facebook object numbers of the increments: apart from the demo's (10_152… and 10_153…), one range per hour.
FACEBOOK_BASE = 10_154_000_000_000_000
DEFAULT_SEED = 30
#: The demo's own mentions pages (``mentions-0001.json``): only these are delivered again, never an increment's.
DEMO_MENTIONS_PAGE = re.compile(r"mentions-\d{4}\.json")


@dataclass(frozen=True)
class RegistryChannel:
    """A municipal account as the landing zone's channel registry lists it."""

    gm_code: str
    platform: str  # registry code: x, facebook, ...
    account_id: str
    handle: str
    theme: str
    active_from: date
    active_to: date | None

    def active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


@dataclass
class _Hour:
    """One call: where and when it writes, and what it has queued and counted so far."""

    landing: Path
    hour: int
    seed: int
    start: int  # epoch seconds
    label: str  # the hour in every file name, e.g. 20251230T0800Z
    ids: IdMaker
    #: account id → registry entry, of every municipal account (any platform): who counts as a channel.
    channels: dict[str, RegistryChannel]
    #: (account id, kind) → the messages or posts the hour writes to that file kind of that account.
    queued: dict[tuple[str, str], list[Msg]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("questions", "replies", "posts", "late_replies", "copies"), 0))
    late_reply_targets: list[dict[str, str]] = field(default_factory=list)
    #: account id → the name the account's own pages show (the registry has none), read with them.
    names: dict[str, str] = field(default_factory=dict)
    citizens: int = 0

    @property
    def end(self) -> int:
        return self.start + 3600

    def queue(self, channel: RegistryChannel, kind: str, msg: Msg) -> None:
        self.queued.setdefault((channel.account_id, kind), []).append(msg)

    def account(self, channel: RegistryChannel) -> Account:
        """The channel as an author, with the name its pages show (its handle before they are read)."""
        return Account(channel.account_id, channel.handle, self.names.get(channel.account_id, channel.handle), True)


def write_hourly_increment(landing: Path, hour: int = 0, seed: int = DEFAULT_SEED,
                           messages: int = HOURLY_MESSAGES) -> dict:
    """Write one hour of new exports into ``landing`` (a landing zone ``python -m demo`` wrote).

    About ``messages`` new messages: citizens' questions to active X accounts (mentions pages) and Facebook pages
    (comments under the page's post of the hour), the channels' answers to part of them within the hour, and
    late replies: channel answers to questions already in the landing zone, asked at least two days before and
    not answered so far, by the channel's own account and replying to the old message. The webcare-tool export of
    a municipality that has one repeats its channels' messages of the hour. One of the demo's X API pages is
    delivered again under a new name with one message's text edited.

    Returns what was written: ``files`` (count) and ``paths`` (relative to ``landing``), ``messages`` (new
    messages, late replies included), ``questions``, ``replies``, ``posts``, ``late_replies``,
    ``late_reply_targets`` (``{"platform", "message_id", "reply_id"}`` each), ``copies`` (messages delivered
    again: webcare rows, the old messages a late reply is shown with, the re-delivered page's), ``redelivered``
    and ``redelivered_from`` (paths relative to ``landing``) and ``edited_message_id``.
    """
    start = FIRST_HOUR + timedelta(hours=hour)
    state = _Hour(landing=landing, hour=hour, seed=seed, start=int(start.timestamp()),
                  label=start.strftime("%Y%m%dT%H%MZ"),
                  ids=IdMaker(seed, f"hourly-increment-{hour}", facebook_base=FACEBOOK_BASE + hour * 10**12),
                  channels=_registry(landing))
    rng = rng_for(seed, "hourly-increment", hour)
    chosen = {platform: _receiving(state, rng, platform, start.date()) for platform in ("x", "facebook")}
    if not chosen["x"] or not chosen["facebook"]:
        raise ValueError(f"{landing}: no X API or no Facebook Graph account active on {start.date()} with "
                         f"exports in {INCREMENT_YEAR}; is this a landing zone the demo wrote?")
    _late_replies(state, chosen, round(messages * LATE_REPLY_SHARE))
    _new_conversations(state, rng, chosen, messages - state.counts["late_replies"])
    paths = _write(state)
    redelivered, original, edited = _redeliver(state, chosen["x"])
    paths.append(redelivered)
    counts = state.counts
    return {"hour": hour, "started_at": start.isoformat(), "files": len(paths),
            "paths": sorted(str(p.relative_to(landing)) for p in paths),
            "messages": counts["questions"] + counts["replies"] + counts["posts"] + counts["late_replies"],
            **counts, "late_reply_targets": state.late_reply_targets,
            "redelivered": str(redelivered.relative_to(landing)),
            "redelivered_from": str(original.relative_to(landing)), "edited_message_id": edited}


def _registry(landing: Path) -> dict[str, RegistryChannel]:
    """Every account of the landing zone's channel registry (``channels/*.csv``), by account id."""
    found: dict[str, RegistryChannel] = {}
    for path in sorted((landing / "channels").glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                platform = normalise_platform(row["platform"])
                if platform is None:
                    continue
                found[row["account_id"]] = RegistryChannel(
                    row["gm_code"], platform, row["account_id"], row["handle"], row["theme"],
                    date.fromisoformat(row["active_from"]),
                    date.fromisoformat(row["active_to"]) if row["active_to"] else None)
    return found


def _folder(landing: Path, platform: str, handle: str, year: int = INCREMENT_YEAR) -> Path:
    """Where the demo writes an account's API pages of a year (as :class:`demo.generate.ChannelSinks` does)."""
    return landing / ("x_api" if platform == "x" else "facebook_graph") / str(year) / handle


def _receiving(state: _Hour, rng: random.Random, platform: str, day: date) -> list[RegistryChannel]:
    """The accounts of a platform that get the hour's messages: active that day and with API pages that year
    (a parked account has none), at most :data:`CHANNELS_PER_PLATFORM` of them."""
    candidates = sorted((c for c in state.channels.values() if c.platform == platform and c.active_on(day)
                         and _folder(state.landing, platform, c.handle).is_dir()), key=lambda c: c.account_id)
    return sorted(rng.sample(candidates, min(CHANNELS_PER_PLATFORM, len(candidates))), key=lambda c: c.account_id)


def _citizen(state: _Hour, platform: str) -> Account:
    """A citizen, new with every message (so nobody writes twice in one conversation), in the demo's shapes."""
    state.citizens += 1
    h = stable_int(state.seed, "hourly-increment-citizen", state.hour, state.citizens)
    first, last = texts.FIRST_NAMES[h % len(texts.FIRST_NAMES)], texts.LAST_NAMES[(h >> 8) % len(texts.LAST_NAMES)]
    if platform == "x":
        handle = f"{first.lower()}_{last.replace(' ', '').lower()}"[:12] + str(h % 97)
        return Account(str(10**18 + h % (9 * 10**17)), handle, f"{first} {last}")
    return Account(str(10**14 + h % (9 * 10**15)), f"{first} {last}", f"{first} {last}")


def _answer(state: _Hour, rng: random.Random, channel: RegistryChannel, question: Msg, ts: int, topic: str,
            late: bool) -> Msg:
    """The channel's answer to ``question`` at ``ts``, nested under it (X answers start with the citizen's
    handle; a Facebook answer's id is compound as its question's: ``{post}_{comment}``)."""
    signature = f"Groet, {rng.choice(texts.FIRST_NAMES)}"
    if late:
        signature = f"Excuses voor de late reactie. {signature}"
    text = texts.answer(rng, topic, question.author.name.split()[0], to_local(ts).hour, signature)
    if channel.platform == "x":
        text, msg_id = f"@{question.author.handle} {text}", state.ids.tweet(ts)
    else:
        msg_id = state.ids.facebook()
        if "_" in question.id:  # an old comment: its post's ids are compound already
            msg_id = f"{question.id.split('_', 1)[0]}_{msg_id}"
    msg = Msg(msg_id, ts, state.account(channel), text, "reply", channel.account_id, channel.platform,
              reply_to=question, conversation=question.conversation or question.id)
    question.comments.append(msg)
    return msg


def _new_conversations(state: _Hour, rng: random.Random, chosen: dict[str, list[RegistryChannel]],
                       budget: int) -> None:
    """Questions asked in the hour's first 50 minutes, part of them answered before the hour ends; on Facebook
    as comments under the page's post of the hour (written in its first ten minutes)."""
    posts: dict[str, Msg] = {}
    for channel in chosen["facebook"]:
        ts = state.start + rng.randrange(0, 600)
        url = f"https://bit.ly/{format(stable_int(state.seed, 'url', channel.handle), 'x')[:7]}"
        post = Msg(state.ids.facebook(), ts, state.account(channel), texts.post(rng, channel.theme, url), "post",
                   channel.account_id, "facebook", likes=rng.randint(0, 25))
        post.conversation = post.id
        posts[channel.account_id] = post
        state.counts["posts"] += 1
    receiving = [*chosen["x"], *chosen["facebook"]]
    written: dict[str, list[Msg]] = {}
    total = state.counts["posts"]
    while total < budget:
        channel = rng.choice(receiving)
        topic, text = texts.question(rng, channel.theme)
        post = posts.get(channel.account_id)
        ts = state.start + rng.randrange(660 if post else 0, 3000)
        if post is None:
            question = Msg(state.ids.tweet(ts), ts, _citizen(state, "x"), f"@{channel.handle} {text}", "question",
                           channel.account_id, "x")
            question.conversation = question.id
        else:
            question = Msg(state.ids.facebook(), ts, _citizen(state, "facebook"), text, "question",
                           channel.account_id, "facebook", reply_to=post, conversation=post.id)
            post.comments.append(question)
        thread = written.setdefault(channel.account_id, [])
        thread.append(question)
        state.counts["questions"] += 1
        total += 1
        if total < budget and rng.random() < ANSWERED_WITHIN_HOUR:
            thread.append(_answer(state, rng, channel, question, rng.randrange(ts + 60, state.end), topic, False))
            state.counts["replies"] += 1
            total += 1
    for channel in receiving:
        if channel.platform == "facebook":
            compound_facebook_ids(posts[channel.account_id], channel.account_id)
            state.queue(channel, "feed", posts[channel.account_id])
        for msg in written.get(channel.account_id, []):
            if channel.platform == "x":
                state.queue(channel, "timeline" if msg.author.is_channel else "mentions", msg)
            state.queue(channel, "webcare", msg)


# --- late replies ----------------------------------------------------------------------------------------------

@dataclass
class _OldQuestion:
    """A question in the landing zone that no channel has answered, rebuilt as the demo's message."""

    channel: RegistryChannel
    ts: int
    question: Msg
    #: Facebook: the post it was asked under; the export shows the answer in its post, under the question.
    post: Msg | None = None


def _late_replies(state: _Hour, chosen: dict[str, list[RegistryChannel]], wanted: int) -> None:
    """Answer up to ``wanted`` unanswered old questions of the receiving accounts, half on X and half on Facebook
    as far as there are. Their random draws are their own, so the hour's other messages do not depend on what
    the landing zone holds."""
    rng = rng_for(state.seed, "hourly-increment-late", state.hour)
    cutoff = state.start - int(LATE_AFTER.total_seconds())
    found = {platform: [q for channel in chosen[platform] for q in _unanswered(state, channel) if q.ts < cutoff]
             for platform in ("x", "facebook")}
    on_x = min(len(found["x"]), max(wanted - len(found["facebook"]), (wanted + 1) // 2))
    picked = [*rng.sample(found["x"], on_x), *rng.sample(found["facebook"], min(len(found["facebook"]), wanted - on_x))]
    posts: dict[str, Msg] = {}  # one copy of a post, however many of its questions are answered
    for old in picked:
        channel = old.channel
        ts = state.start + rng.randrange(0, 3540)
        reply = _answer(state, rng, channel, old.question, ts, rng.choice(sorted(texts.ANSWERS)), True)
        state.counts["copies"] += 1  # the old question, in the page's includes (X) or under its post (Facebook)
        if old.post is None:
            state.queue(channel, "timeline", reply)
        else:
            if old.post.id not in posts:
                posts[old.post.id] = old.post
                state.queue(channel, "feed", old.post)
                state.counts["copies"] += 1
            posts[old.post.id].comments.append(old.question)
        state.queue(channel, "webcare", reply)
        state.late_reply_targets.append({"platform": channel.platform, "message_id": old.question.id,
                                         "reply_id": reply.id})
    state.counts["late_replies"] = len(picked)


def _pages(folder: Path, label: str) -> Iterator[dict]:
    """The JSON pages of an account's folder, in name order, without those of the hour being written."""
    for path in sorted(folder.glob("*.json")):
        if label not in path.name:
            yield json.loads(path.read_text(encoding="utf-8"))


def _unanswered(state: _Hour, channel: RegistryChannel) -> list[_OldQuestion]:
    """The channel's questions of this year and the year before that no municipal account has answered, in id
    order: X mentions that start a conversation, Facebook comments directly under a post of the page. (The demo
    writes every answer to an account's question in that account's folder of the question's year.)"""
    questions: dict[str, _OldQuestion] = {}
    answered: set[str] = set()
    for year in (INCREMENT_YEAR - 1, INCREMENT_YEAR):
        for page in _pages(_folder(state.landing, channel.platform, channel.handle, year), state.label):
            read = _read_x_page if channel.platform == "x" else _read_feed_page
            read(state, channel, page, questions, answered)
    return [old for key, old in sorted(questions.items()) if key not in answered]


def _read_x_page(state: _Hour, channel: RegistryChannel, page: dict, questions: dict[str, _OldQuestion],
                 answered: set[str]) -> None:
    users = {u["id"]: u for u in page.get("includes", {}).get("users", [])}
    if channel.account_id in users:
        state.names[channel.account_id] = users[channel.account_id]["name"]
    for tweet in [*page.get("data", []), *page.get("includes", {}).get("tweets", [])]:
        if tweet["author_id"] in state.channels:
            answered.update(r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "replied_to")
        elif (not tweet.get("referenced_tweets") and tweet["author_id"] in users
              and is_intended_question(tweet["text"])):
            user = users[tweet["author_id"]]
            ts = int(datetime.strptime(tweet["created_at"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp())
            msg = Msg(tweet["id"], ts, Account(user["id"], user["username"], user["name"]), tweet["text"],
                      "question", channel.account_id, "x", conversation=tweet.get("conversation_id", tweet["id"]))
            questions.setdefault(tweet["id"], _OldQuestion(channel, ts, msg))


def _graph_time(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp())


def _read_feed_page(state: _Hour, channel: RegistryChannel, page: dict, questions: dict[str, _OldQuestion],
                    answered: set[str]) -> None:
    for item in page.get("data", []):
        if item.get("from", {}).get("id") != channel.account_id:
            continue
        state.names[channel.account_id] = item["from"]["name"]
        for comment in item.get("comments", {}).get("data", []):
            if any(n.get("from", {}).get("id") in state.channels for n in comment.get("comments", {}).get("data", [])):
                answered.add(comment["id"])
            author = comment.get("from")
            if author is None or author["id"] in state.channels or not is_intended_question(comment.get("message", "")):
                continue
            # Rebuilt as the demo's messages (ids compound already): FacebookPages writes the post as it was, with
            # only the threads the hour answers under it.
            post = Msg(item["id"], _graph_time(item["created_time"]), state.account(channel), item.get("message", ""),
                       "post", channel.account_id, "facebook")
            ts = _graph_time(comment["created_time"])
            msg = Msg(comment["id"], ts, Account(author["id"], author["name"], author["name"]), comment["message"],
                      "question", channel.account_id, "facebook", reply_to=post, conversation=post.id)
            questions.setdefault(comment["id"], _OldQuestion(channel, ts, msg, post))


# --- the files ------------------------------------------------------------------------------------------------

def _x_accounts(state: _Hour, gm_code: str) -> dict[str, Account]:
    """The municipality's X accounts by handle: the mentions an X page marks as entities."""
    return {c.handle: state.account(c) for c in state.channels.values() if c.gm_code == gm_code and c.platform == "x"}


def _write(state: _Hour) -> list[Path]:
    """Write what the hour queued, each file's messages in time order; the paths written."""
    paths: list[Path] = []
    for (account_id, kind), msgs in sorted(state.queued.items()):
        channel = state.channels[account_id]
        msgs = sorted(msgs, key=lambda m: (m.ts, m.id))
        if kind == "webcare":
            year_file = (state.landing / "webcare_csv" / str(INCREMENT_YEAR)
                         / f"berichten-{channel.handle.lower()}-{INCREMENT_YEAR}.csv")
            if not year_file.exists():  # the municipality exports no webcare file
                continue
            path = year_file.with_name(f"berichten-{channel.handle.lower()}-{state.label}.csv")
            webcare = WebcareCsv(path, "utf-8-sig")
            for msg in msgs:
                account = msg.author.handle if msg.author.is_channel else channel.handle
                webcare.add(msg, channel.platform, account, not msg.author.is_channel)
            webcare.close()
            state.counts["copies"] += len(msgs)
            paths.append(path)
            continue
        folder = _folder(state.landing, channel.platform, channel.handle)
        pages: PagedSink = (XPages(folder, f"{kind}-{state.label}", _x_accounts(state, channel.gm_code))
                            if channel.platform == "x" else FacebookPages(folder, f"{kind}-{state.label}", account_id))
        for msg in msgs:
            pages.add(msg)
        pages.close()
        paths += [folder / f"{pages.stem}-{page:04d}.json" for page in range(1, pages.pages + 1)]
    return paths


def _redeliver(state: _Hour, x_channels: list[RegistryChannel]) -> tuple[Path, Path, str]:
    """One of the demo's X mentions pages of a receiving account, written again under a new name with one
    message's text edited (in ``data`` and wherever the page repeats it in ``includes.tweets``)."""
    pages = [p for c in x_channels for p in sorted(_folder(state.landing, "x", c.handle).glob("mentions-*.json"))
             if DEMO_MENTIONS_PAGE.fullmatch(p.name)]
    if not pages:
        raise ValueError(f"{state.landing}: no X API mentions page of {INCREMENT_YEAR} to deliver again")
    rng = rng_for(state.seed, "hourly-increment-redelivered", state.hour)
    original = rng.choice(pages)
    page = json.loads(original.read_text(encoding="utf-8"))
    edited = rng.choice(page["data"])["id"]
    for tweet in [*page["data"], *page.get("includes", {}).get("tweets", [])]:
        if tweet["id"] == edited:
            tweet["text"] += " Alvast bedankt."
    state.counts["copies"] += len(page["data"])
    target = original.with_name(f"{original.stem}-redelivered-{state.label}.json")
    dump_json(target, page)
    return target, original, edited
