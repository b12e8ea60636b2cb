"""Conversations of one channel in one month: posts, citizens' questions and other messages, replies.

Each function returns the month's messages; nothing outlives the month except what the writers keep.
Rules that keep the research definitions unambiguous (CONTRACT.md §3):
- a citizen writes at most once per conversation (apart from the designed follow-up and thanks), so a
  reply to one message of a citizen never silently "answers" another of their questions;
- the municipality never replies inside the thread of a question it leaves unanswered.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from demo import texts
from demo.messages import Account, Msg
from demo.plan import MuniYear
from demo.timing import (
    INBOUND_DAYS,
    INBOUND_HOURS,
    POST_DAYS,
    POST_HOURS,
    ResponseSteering,
    avoid_ambiguous_hour,
    next_opening,
    random_instant,
    to_local,
)

DAY = 86_400


@dataclass
class Month:
    """What the generator hands a month: where, when, how many, and the shared services."""

    rng: random.Random
    platform: str
    channel_key: str
    channel: Account
    theme: str
    muni: MuniYear
    start: int
    end: int
    granularity: int  # 60 for messages only a webcare export carries (minute timestamps)
    steering: ResponseSteering
    new_id: Callable[[int], str]
    citizen: Callable[[random.Random], Account]
    siblings: list[Account]  # other channels of the municipality that may answer (kcc)
    url: str
    #: Every citizen message must sit under a post of the month (Instagram Graph: comments only exist on media).
    needs_media: bool = False


def _at(month: Month, ts: int) -> int:
    return avoid_ambiguous_hour(ts - ts % month.granularity)


def _message(month: Month, ts: int, author: Account, text: str, kind: str, **extra: object) -> Msg:
    ts = _at(month, ts)
    return Msg(month.new_id(ts), ts, author, text, kind, month.channel_key, month.platform, **extra)


def _prefix(month: Month, account: Account) -> str:
    """X and Bluesky messages to someone start with their handle; Instagram replies too; Mastodon ones with the
    mention its HTML shows (``@name``, the server in the link); Facebook never."""
    if month.platform == "x" or (month.platform == "instagram" and not account.is_channel):
        return f"@{account.handle} "
    if month.platform == "mastodon":
        return f"@{account.handle.split('@')[0]} "
    if month.platform == "bluesky":
        return f"@{account.handle} "
    return ""


def make_posts(month: Month, count: int) -> list[Msg]:
    """The channel's own posts (some are retweets of partner organisations on X)."""
    rng = month.rng
    posts = []
    for _ in range(count):
        ts = random_instant(rng, month.start, month.end, POST_HOURS, POST_DAYS)
        if month.platform == "x" and rng.random() < 0.1:
            partner, line = rng.choice(texts.RETWEETED_PARTNERS)
            text = f"RT @{partner}_nl: {line}"
        else:
            text = texts.post(rng, month.theme, month.url)
        post = _message(month, ts, month.channel, text, "post", likes=rng.randint(0, 25))
        post.conversation = post.id
        posts.append(post)
    return sorted(posts, key=lambda m: (m.ts, m.id))


def _free_post(month: Month, posts: list[Msg], ts: int, citizen: Account) -> Msg | None:
    """A recent post the citizen has not yet written under (None if there is none)."""
    recent = [p for p in posts if p.ts < ts - 60 and ts - p.ts < 14 * DAY and not p.text.startswith("RT @")
              and len(p.comments) < 90 and all(c.author.id != citizen.id for c in p.comments)]
    return month.rng.choice(recent) if recent else None


def _media(month: Month, posts: list[Msg], ts: int, citizen: Account) -> Msg:
    """A post of the month before ``ts`` the citizen has not commented on; if there is none, the account posted
    one shortly before (added to ``posts``)."""
    earlier = [p for p in posts if p.ts < ts - 60 and len(p.comments) < 90
               and all(c.author.id != citizen.id for c in p.comments)]
    if earlier:
        return month.rng.choice(earlier)
    rng = month.rng
    post = _message(month, max(month.start, ts - rng.randrange(3600, 3 * DAY)), month.channel,
                    texts.post(rng, month.theme, month.url), "post", likes=rng.randint(0, 25))
    post.conversation = post.id
    posts.append(post)
    return post


def inbound(month: Month, posts: list[Msg], ts: int, citizen: Account, text: str, kind: str,
            on_post: bool) -> Msg:
    """A citizen's message to the channel: under a recent post, or a mention / visitor post of its own."""
    target = _free_post(month, posts, ts, citizen) if on_post else None
    if target is None and month.needs_media:
        target = _media(month, posts, ts, citizen)
    if target is None:
        msg = _message(month, ts, citizen, _prefix(month, month.channel) + text, kind)
        msg.conversation = msg.id
        return msg
    msg = _message(month, max(ts, target.ts + 60), citizen, _prefix(month, month.channel) + text, kind,
                   reply_to=target, conversation=target.id)
    target.comments.append(msg)
    return msg


def reply(month: Month, author: Account, to: Msg, ts: int, text: str, kind: str = "reply") -> Msg:
    """A message answering ``to`` in its thread (nested under it on Facebook)."""
    addressee = month.channel if author.id == to.author.id else to.author  # a follow-up still mentions the channel
    msg = _message(month, max(ts, to.ts + 60), author, _prefix(month, addressee) + text, kind,
                   reply_to=to, conversation=to.conversation or to.id)
    to.comments.append(msg)
    return msg


def _signature(month: Month, author: Account) -> str:
    if month.platform == "facebook" and month.rng.random() < 0.4:
        return f"Groet, {month.rng.choice(texts.FIRST_NAMES)} (team Communicatie)"
    return month.rng.choice(month.muni.initials)


def answered_thread(month: Month, question: Msg) -> list[Msg]:
    """The municipality's first reply to a question (steered in time), and what may follow it."""
    rng, muni = month.rng, month.muni
    replied = month.steering.reply_instant(rng, question.ts, muni.service)
    author = rng.choice(month.siblings) if month.siblings and rng.random() < 0.15 else month.channel
    out: list[Msg] = []
    target = question
    if month.platform == "x" and replied - question.ts > 3 * 3600 and rng.random() < 0.04:
        asked_again = question.ts + int((replied - question.ts) * rng.uniform(0.3, 0.7))
        target = reply(month, question.author, question, asked_again, rng.choice(texts.FOLLOW_UPS), "followup")
        out.append(target)
    hour = to_local(replied).hour
    first_name = question.author.name.split()[0]
    text = texts.answer(rng, question.topic, first_name, hour, _signature(month, author))
    first = reply(month, author, target, replied, text)
    out.append(first)
    if muni.level >= 2 and rng.random() < 0.05:
        extra = f"Aanvulling: {rng.choice(texts.ANSWERS.get(question.topic, texts.ANSWERS['afval']))}."
        out.append(reply(month, author, question, replied + rng.randrange(600, DAY), extra))
    if rng.random() < 0.15:  # on Facebook and Instagram thanks go under the question (two levels only)
        thanked = question if month.platform in ("facebook", "instagram") else first
        out.append(reply(month, question.author, thanked, replied + rng.randrange(300, 6 * 3600),
                         rng.choice(texts.THANKS), "thanks"))
    return out


def unanswered_extras(month: Month, question: Msg) -> list[Msg]:
    """Now and then a citizen chases an unanswered question (the municipality stays silent)."""
    if month.platform == "x" and month.rng.random() < 0.03:
        later = question.ts + month.rng.randrange(2 * 3600, 3 * DAY)
        return [reply(month, question.author, question, later, month.rng.choice(texts.FOLLOW_UPS), "followup")]
    return []


def reply_to_other(month: Month, msg: Msg) -> list[Msg]:
    """Sometimes the municipality reacts to a complaint or a compliment (not a question)."""
    rng, muni = month.rng, month.muni
    chance = 0.0 if muni.level < 2 else 0.35 if muni.structural else 0.12
    if msg.kind != "other" or rng.random() >= chance:
        return []
    lines = texts.COMPLAINT_REPLIES if msg.topic == "complaint" else texts.THANKS_REPLIES
    lag = int(rng.lognormvariate(6.0, 1.0) * 60)
    ts = next_opening(msg.ts + lag, muni.service) + rng.randrange(300, 5400)
    return [reply(month, month.channel, msg, ts, f"{rng.choice(lines)} {_signature(month, month.channel)}")]


def retweets(month: Month, posts: list[Msg]) -> list[Msg]:
    """Citizens sharing the channel's posts: native retweets, and a few old-style ``comment RT @`` ones."""
    rng, out = month.rng, []
    for post in posts:
        if post.text.startswith("RT @") or rng.random() > 0.3:
            continue
        citizen = month.citizen(rng)
        ts = post.ts + rng.randrange(60, 2 * DAY)
        shared = f"RT @{month.channel.handle}: {post.text}"
        if rng.random() < 0.1:
            own = rng.choice(texts.OWN_COMMENTS_BEFORE_RT)
            out.append(_message(month, ts, citizen, f"{own} {shared}"[:140], "other", topic="praise"))
        else:
            out.append(_message(month, ts, citizen, shared[:140], "retweet", retweet_of=post))
    for msg in out:
        msg.conversation = msg.id
    return out


def questions_and_others(month: Month, posts: list[Msg], questions: int, answered: int, others: int,
                         on_post_share: float) -> list[Msg]:
    """Citizens' questions (exactly ``answered`` of them get a reply) and their other messages."""
    rng = month.rng
    out: list[Msg] = []
    chosen = set(rng.sample(range(questions), answered))
    for index in range(questions):
        ts = random_instant(rng, month.start, month.end, INBOUND_HOURS, INBOUND_DAYS)
        topic, text = texts.question(rng, month.theme)
        msg = inbound(month, posts, ts, month.citizen(rng), text, "question", rng.random() < on_post_share)
        msg.topic = topic
        out.append(msg)
        out.extend(answered_thread(month, msg) if index in chosen else unanswered_extras(month, msg))
    for _ in range(others):
        ts = random_instant(rng, month.start, month.end, INBOUND_HOURS, INBOUND_DAYS)
        kind, text = texts.non_question(rng)
        msg = inbound(month, posts, ts, month.citizen(rng), text, "other", rng.random() < on_post_share)
        msg.topic = kind
        out.append(msg)
        out.extend(reply_to_other(month, msg))
    return out


def boosts(month: Month, partners: list[tuple[Account, str]]) -> list[Msg]:
    """The channel sharing partner organisations' posts (a Mastodon boost, a Bluesky repost): not its message."""
    rng, out = month.rng, []
    for _ in range(rng.choice((0, 0, 0, 1))):
        partner, line = rng.choice(partners)
        ts = random_instant(rng, month.start, month.end, POST_HOURS, POST_DAYS)
        original = _message(month, max(month.start, ts - rng.randrange(600, 6 * 3600)), partner, line, "post")
        shared = _message(month, max(ts, original.ts + 60), month.channel, line, "retweet", retweet_of=original)
        shared.conversation = original.conversation = original.id
        out.append(shared)
    return out
