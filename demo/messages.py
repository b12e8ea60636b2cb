"""The in-memory shape of one generated message, and the export shapes it is written in."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from demo.timing import utc_text


@dataclass(frozen=True, slots=True)
class Account:
    """An author: a citizen or a municipal channel."""

    id: str
    handle: str
    name: str
    is_channel: bool = False


@dataclass(slots=True)
class Msg:
    """One post, tweet or comment. ``channel_key`` is the municipal channel it is addressed to or written by."""

    id: str
    ts: int
    author: Account
    text: str
    kind: str  # post, question, other, retweet, reply, followup, thanks
    channel_key: str
    platform: str
    reply_to: Msg | None = None
    conversation: str = ""
    retweet_of: Msg | None = None
    webcare_only: bool = False
    topic: str = ""
    likes: int = 0
    comments: list[Msg] = field(default_factory=list)


def mention_entities(text: str, accounts: dict[str, Account]) -> list[dict[str, object]]:
    """X API v2 ``entities.mentions`` for every ``@handle`` of a known account in the text."""
    found = []
    for handle, account in accounts.items():
        start = text.find("@" + handle)
        if start >= 0:
            found.append({"start": start, "end": start + len(handle) + 1, "username": handle, "id": account.id})
    return sorted(found, key=lambda m: int(str(m["start"])))


def _mentioned(msg: Msg) -> dict[str, Account]:
    accounts = {}
    if msg.reply_to is not None:
        accounts[msg.reply_to.author.handle] = msg.reply_to.author
    if msg.retweet_of is not None:
        accounts[msg.retweet_of.author.handle] = msg.retweet_of.author
    return accounts


def tweet_v2(msg: Msg, channel_accounts: dict[str, Account]) -> dict[str, object]:
    """The X API v2 tweet object (all ids as strings)."""
    accounts = {**channel_accounts, **_mentioned(msg)}
    tweet: dict[str, object] = {
        "id": msg.id, "text": msg.text, "edit_history_tweet_ids": [msg.id],
        "created_at": utc_text(msg.ts, "v2"), "author_id": msg.author.id,
        "conversation_id": msg.conversation or msg.id,
    }
    refs = []
    if msg.reply_to is not None:
        tweet["in_reply_to_user_id"] = msg.reply_to.author.id
        refs.append({"type": "replied_to", "id": msg.reply_to.id})
    if msg.retweet_of is not None:
        refs.append({"type": "retweeted", "id": msg.retweet_of.id})
    if refs:
        tweet["referenced_tweets"] = refs
    mentions = mention_entities(msg.text, accounts)
    if mentions:
        tweet["entities"] = {"mentions": mentions}
    tweet["lang"] = "nl"
    tweet["public_metrics"] = {"retweet_count": 0, "reply_count": 0, "like_count": msg.likes, "quote_count": 0}
    return tweet


def user_v2(account: Account) -> dict[str, str]:
    """The X API v2 user object of an author."""
    return {"id": account.id, "username": account.handle, "name": account.name}


def tweet_archive(msg: Msg, channel_accounts: dict[str, Account], tool: str) -> dict[str, object]:
    """The element of ``data/tweets.js`` of an account archive: v1.1 shapes, every number a string."""
    accounts = {**channel_accounts, **_mentioned(msg)}
    text = msg.text
    prefix = len(msg.reply_to.author.handle) + 2 if msg.reply_to is not None else 0
    mentions = [{"name": accounts[m["username"]].name, "screen_name": m["username"],
                 "indices": [str(m["start"]), str(m["end"])], "id_str": m["id"], "id": m["id"]}
                for m in mention_entities(text, accounts)]
    tweet: dict[str, object] = {
        "edit_info": {"initial": {"editTweetIds": [msg.id], "editableUntil": utc_text(msg.ts + 3600, "v2"),
                                  "editsRemaining": "5", "isEditEligible": False}},
        "retweeted": False, "source": tool,
        "entities": {"hashtags": [], "symbols": [], "user_mentions": mentions, "urls": []},
        "display_text_range": [str(prefix), str(len(text))],
        "favorite_count": str(msg.likes), "id_str": msg.id, "truncated": False, "retweet_count": "0",
        "id": msg.id, "created_at": utc_text(msg.ts, "v1"), "favorited": False,
        "full_text": html.escape(text, quote=False), "lang": "nl",
    }
    if msg.reply_to is not None:
        tweet.update({"in_reply_to_status_id_str": msg.reply_to.id, "in_reply_to_status_id": msg.reply_to.id,
                      "in_reply_to_user_id": msg.reply_to.author.id,
                      "in_reply_to_user_id_str": msg.reply_to.author.id,
                      "in_reply_to_screen_name": msg.reply_to.author.handle})
    return {"tweet": tweet}


def facebook_comment(msg: Msg, parent: str | None = None) -> dict[str, object]:
    """A Graph API comment; replies to it are nested under its ``comments.data`` and name it as ``parent``."""
    comment: dict[str, object] = {"id": msg.id, "created_time": utc_text(msg.ts, "graph"), "message": msg.text,
                                  "from": {"id": msg.author.id, "name": msg.author.name}}
    if parent is not None:
        comment["parent"] = {"id": parent}
    comment["comment_count"] = len(msg.comments)
    if msg.comments:
        comment["comments"] = {"data": [facebook_comment(c, msg.id) for c in sorted(msg.comments, key=_order)],
                               "paging": _cursors(msg.id)}
    return comment


def _order(msg: Msg) -> tuple[int, str]:
    return msg.ts, msg.id


def _cursors(key: str) -> dict[str, dict[str, str]]:
    token = format(abs(hash_text(key)), "x")
    return {"cursors": {"before": f"QVFIU{token[:8]}", "after": f"QVFIU{token[8:16]}"}}


def hash_text(text: str) -> int:
    """A stable small hash (Python's ``hash`` is salted per process)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % (1 << 63)
    return value


def facebook_post(msg: Msg, page_id: str) -> dict[str, object]:
    """A Graph API feed item with its comments (``filter=toplevel``: replies under their comment)."""
    post_number = msg.id.split("_", 1)[1]
    post: dict[str, object] = {
        "id": msg.id, "created_time": utc_text(msg.ts, "graph"), "message": msg.text,
        "permalink_url": f"https://www.facebook.com/{page_id}/posts/{post_number}",
        "from": {"id": msg.author.id, "name": msg.author.name},
    }
    if msg.comments:
        post["comments"] = {
            "data": [facebook_comment(c) for c in sorted(msg.comments, key=_order)],
            "paging": _cursors(msg.id),
            "summary": {"order": "chronological", "total_count": len(msg.comments), "can_comment": True},
        }
    return post
