"""The shapes of the recent platforms' exports (``../shared/data/FORMATS.md`` §5, §9, §10, §11), built from one
generated message. Identities as CONTRACT.md §7 fixes them: a Mastodon status is known by its ``uri``, a Bluesky
post by its ``at://`` uri, an Instagram comment by its id; Mastodon accounts by ``name@server``, Bluesky ones by DID.

A generated message (:class:`demo.messages.Msg`) carries its platform-local id: the status id on the harvesting
server (Mastodon), the record key (Bluesky), the comment or media id (Instagram). The global keys are derived here,
the same way in every file, so one message in several files is recognisably one message.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from demo.ids import stable_int
from demo.messages import Account, Msg

#: The server the municipalities' Mastodon accounts live on (and the harvester reads from).
HOME_SERVER = "social.overheid.nl"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def iso_millis(ts: float) -> str:
    """``2025-03-04T09:12:44.000Z``: the Mastodon and Bluesky time shape (UTC, milliseconds)."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- Mastodon (§9, §10) ---------------------------------------------------------------------------------------


def split_address(address: str) -> tuple[str, str]:
    """``name@server`` → (name, server)."""
    name, _, server = address.partition("@")
    return name, server or HOME_SERVER


def account_number(address: str) -> str:
    """The account's numeric id on the harvesting server (ids are local to a server; the address is global)."""
    return str(109_000_000_000_000_000 + stable_int("mastodon-account", address) % 10**15)


def status_uri(msg: Msg) -> str:
    """The status's global ``uri``: its author's server and that server's own id for it."""
    name, server = split_address(msg.author.handle)
    if server == HOME_SERVER:
        return f"https://{server}/users/{name}/statuses/{msg.id}"
    remote = int(msg.id) - ((stable_int("server", server) % 4096 + 1) << 16)  # the origin server's id differs
    return f"https://{server}/users/{name}/statuses/{remote}"


def status_url(msg: Msg) -> str:
    name, server = split_address(msg.author.handle)
    return f"https://{server}/@{name}/{status_uri(msg).rsplit('/', 1)[1]}"


def mastodon_account(account: Account) -> dict[str, object]:
    """An Account as the harvesting server shows it (``acct`` is ``name`` for its own accounts)."""
    name, server = split_address(account.handle)
    return {"id": account_number(account.handle), "username": name,
            "acct": name if server == HOME_SERVER else account.handle, "display_name": account.name,
            "url": f"https://{server}/@{name}", "bot": False}


def addressee(msg: Msg, channel: Account) -> Account | None:
    """Whom a message's leading ``@name`` mentions: the parent's author, else the channel (a citizen's new
    mention or follow-up); a channel's own post mentions nobody."""
    if msg.reply_to is not None and msg.reply_to.author.id != msg.author.id:
        return msg.reply_to.author
    return None if msg.author.id == channel.id else channel


def visibility(msg: Msg) -> str:
    """``direct`` for a whole thread that a citizen opened as a private mention (one in twelve), else ``public``."""
    root = msg
    while root.reply_to is not None:
        root = root.reply_to
    private = root.kind == "question" and stable_int("direct", root.id) % 12 == 0
    return "direct" if private else "public"


def mastodon_html(msg: Msg, mentioned: Account | None) -> str:
    """The HTML ``content``: paragraphs, and the leading mention as Mastodon's h-card link."""
    text = msg.text
    if mentioned is not None:
        name, server = split_address(mentioned.handle)
        prefix = f"@{name} "
        if text.startswith(prefix):
            link = (f'<span class="h-card" translate="no"><a href="https://{server}/@{name}" '
                    f'class="u-url mention">@<span>{html.escape(name)}</span></a></span> ')
            return f"<p>{link}{html.escape(text[len(prefix):], quote=False)}</p>"
    return f"<p>{html.escape(text, quote=False)}</p>"


def mastodon_status(msg: Msg, mentioned: Account | None, visibility: str = "public") -> dict[str, object]:
    """A Status (§9): the string id is the harvesting server's, ``uri`` the global key."""
    parent = msg.reply_to
    boosted = msg.retweet_of
    status: dict[str, object] = {
        "id": msg.id, "uri": status_uri(msg), "url": status_url(msg), "created_at": iso_millis(msg.ts),
        "edited_at": None, "in_reply_to_id": parent.id if parent is not None else None,
        "in_reply_to_account_id": account_number(parent.author.handle) if parent is not None else None,
        "reblog": None, "content": "" if boosted is not None else mastodon_html(msg, mentioned),
        "spoiler_text": "", "visibility": visibility, "language": "nl", "account": mastodon_account(msg.author),
        "mentions": [], "tags": [], "replies_count": len(msg.comments), "reblogs_count": 0,
        "favourites_count": msg.likes,
    }
    if mentioned is not None:
        status["mentions"] = [{key: mastodon_account(mentioned)[key] for key in ("id", "username", "acct", "url")}]
    if boosted is not None:
        status["reblog"] = mastodon_status(boosted, None)
        status["uri"] = f"{status_uri(msg)}/activity"
    return status


def mention_notification(msg: Msg, mentioned: Account | None, visibility: str) -> dict[str, object]:
    """A Notification of type ``mention`` carrying the citizen's status."""
    number = stable_int("notification", msg.id) % 10**9
    return {"id": str(10**8 + number), "type": "mention", "created_at": iso_millis(msg.ts + (number % 900) / 1000),
            "account": mastodon_account(msg.author), "status": mastodon_status(msg, mentioned, visibility)}


def outbox_activity(msg: Msg, mentioned: Account | None, visibility: str) -> dict[str, object]:
    """An outbox Activity (§10): ``Create`` of a Note, or ``Announce`` of a boosted status's URI."""
    name, server = split_address(msg.author.handle)
    actor = f"https://{server}/users/{name}"
    uri = status_uri(msg)
    if msg.retweet_of is not None:
        return {"id": f"{uri}/activity", "type": "Announce", "actor": actor, "published": iso_millis(msg.ts)[:-5] + "Z",
                "to": [PUBLIC], "cc": [f"{actor}/followers"], "object": status_uri(msg.retweet_of)}
    to, cc = ([PUBLIC], [f"{actor}/followers"]) if visibility == "public" else ([], [])
    tags: list[dict[str, str]] = []
    if mentioned is not None:
        mname, mserver = split_address(mentioned.handle)
        href = f"https://{mserver}/users/{mname}"
        tags.append({"type": "Mention", "href": href, "name": f"@{mname}@{mserver}"})
        (cc if visibility == "public" else to).append(href)
    content = mastodon_html(msg, mentioned)
    note = {"id": uri, "type": "Note", "summary": None,
            "inReplyTo": status_uri(msg.reply_to) if msg.reply_to is not None else None,
            "published": iso_millis(msg.ts)[:-5] + "Z", "url": status_url(msg), "attributedTo": actor,
            "to": to, "cc": cc, "sensitive": False, "content": content, "contentMap": {"nl": content},
            "attachment": [], "tag": tags}
    return {"id": f"{uri}/activity", "type": "Create", "actor": actor, "published": note["published"],
            "to": to, "cc": cc, "object": note}


def actor_document(account: Account) -> dict[str, object]:
    """``actor.json`` of an archive: the owner."""
    name, server = split_address(account.handle)
    actor = f"https://{server}/users/{name}"
    return {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"], "id": actor,
            "type": "Person", "following": f"{actor}/following", "followers": f"{actor}/followers",
            "inbox": f"{actor}/inbox", "outbox": "outbox.json", "preferredUsername": name, "name": account.name,
            "summary": f"<p>Het officiële account van {html.escape(account.name)}.</p>",
            "url": f"https://{server}/@{name}", "manuallyApprovesFollowers": False, "discoverable": True,
            "published": "2025-01-01T00:00:00Z"}


# --- Bluesky (§11) ------------------------------------------------------------------------------------------------


def post_uri(msg: Msg) -> str:
    """The post's ``at://`` uri: its author's DID and its record key."""
    return f"at://{msg.author.id}/app.bsky.feed.post/{msg.id}"


def cid(uri: str) -> str:
    """A content id (``bafyrei`` and 52 base32 characters) standing in for the record's hash."""
    number = 0
    for part in range(4):
        number = number << 64 | stable_int("cid", part, uri)
    return "bafyrei" + "".join(BASE32[(number >> (5 * i)) & 31] for i in range(52))


def bluesky_times(msg: Msg) -> tuple[str, str]:
    """``record.createdAt`` and ``indexedAt``. A few clients' clocks run ahead: then ``createdAt`` lies after
    ``indexedAt`` and the message's time is ``indexedAt`` (CONTRACT.md §7); otherwise it is ``createdAt``."""
    number = stable_int("bluesky-clock", msg.id)
    millis = (number % 1000) / 1000
    if not msg.author.is_channel and number % 40 == 0:
        return iso_millis(msg.ts + 3600 * (1 + number % 20)), iso_millis(msg.ts + millis)
    return iso_millis(msg.ts + millis), iso_millis(msg.ts + millis + 1 + number % 3)


def _root(msg: Msg) -> Msg:
    while msg.reply_to is not None:
        msg = msg.reply_to
    return msg


def post_record(msg: Msg, mentioned: Account | None) -> dict[str, object]:
    """The ``app.bsky.feed.post`` record: text, time, reply refs and mention facets (indices are UTF-8 bytes)."""
    record: dict[str, object] = {"$type": "app.bsky.feed.post", "text": msg.text, "createdAt": bluesky_times(msg)[0],
                                 "langs": ["nl"]}
    if msg.reply_to is not None:
        root, parent = post_uri(_root(msg)), post_uri(msg.reply_to)
        record["reply"] = {"root": {"uri": root, "cid": cid(root)}, "parent": {"uri": parent, "cid": cid(parent)}}
    if mentioned is not None and msg.text.startswith(f"@{mentioned.handle}"):
        end = len(f"@{mentioned.handle}".encode())
        record["facets"] = [{"index": {"byteStart": 0, "byteEnd": end},
                             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": mentioned.id}]}]
    return record


def bluesky_profile(account: Account) -> dict[str, object]:
    return {"did": account.id, "handle": account.handle, "displayName": account.name}


def post_view(msg: Msg, mentioned: Account | None) -> dict[str, object]:
    """A PostView (§11)."""
    uri = post_uri(msg)
    return {"uri": uri, "cid": cid(uri), "author": bluesky_profile(msg.author), "record": post_record(msg, mentioned),
            "replyCount": len(msg.comments), "repostCount": 0, "likeCount": msg.likes, "quoteCount": 0,
            "indexedAt": bluesky_times(msg)[1], "labels": []}


def feed_view(msg: Msg, mentioned: Account | None, channel: Account) -> dict[str, object]:
    """A FeedViewPost of the author feed: the post, its thread refs, or a repost of someone else's post."""
    if msg.retweet_of is not None:
        return {"post": post_view(msg.retweet_of, None),
                "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": bluesky_profile(channel),
                           "indexedAt": iso_millis(msg.ts)}}
    item: dict[str, object] = {"post": post_view(msg, mentioned)}
    if msg.reply_to is not None:
        root = _root(msg)
        item["reply"] = {"root": {"$type": "app.bsky.feed.defs#postView", **post_view(root, None)},
                         "parent": {"$type": "app.bsky.feed.defs#postView", **post_view(msg.reply_to, None)}}
    return item


def notification(msg: Msg, mentioned: Account | None, channel: Account) -> dict[str, object]:
    """A ``mention`` or ``reply`` notification carrying the citizen's post."""
    uri = post_uri(msg)
    item: dict[str, object] = {"uri": uri, "cid": cid(uri), "author": bluesky_profile(msg.author),
                               "reason": "mention", "record": post_record(msg, mentioned), "isRead": True,
                               "indexedAt": bluesky_times(msg)[1], "labels": []}
    if msg.reply_to is not None and msg.reply_to.author.id == channel.id:
        item["reason"], item["reasonSubject"] = "reply", post_uri(msg.reply_to)
    return item


def like_notification(post: Msg, liker: Account, ts: int) -> dict[str, object]:
    """A ``like`` notification: no message, a harvester keeps it anyway."""
    uri = f"at://{liker.id}/app.bsky.feed.like/{post.id}"
    subject = post_uri(post)
    return {"uri": uri, "cid": cid(uri), "author": bluesky_profile(liker), "reason": "like",
            "reasonSubject": subject, "isRead": True, "indexedAt": iso_millis(ts), "labels": [],
            "record": {"$type": "app.bsky.feed.like", "subject": {"uri": subject, "cid": cid(subject)},
                       "createdAt": iso_millis(ts)}}


# --- Instagram Graph (§5) -----------------------------------------------------------------------------------------


def instagram_comment(msg: Msg, parent: str | None = None) -> dict[str, object]:
    """A comment of a media item; replies (one level) sit under ``replies.data`` and name their ``parent_id``."""
    comment: dict[str, object] = {
        "id": msg.id, "text": msg.text, "timestamp": datetime.fromtimestamp(msg.ts, UTC).strftime(
            "%Y-%m-%dT%H:%M:%S+0000"),
        "username": msg.author.handle, "from": {"id": msg.author.id, "username": msg.author.handle},
        "like_count": msg.likes, "hidden": False,
    }
    if parent is not None:
        comment["parent_id"] = parent
        del comment["hidden"], comment["like_count"]
    elif msg.comments:
        comment["replies"] = {"data": [instagram_comment(c, msg.id) for c in sorted(msg.comments,
                                                                                  key=lambda m: (m.ts, m.id))]}
    return comment


def instagram_media(msg: Msg, owner: Account) -> dict[str, object]:
    """A media item of the account's media page, with its comments."""
    item: dict[str, object] = {
        "id": msg.id, "caption": msg.text,
        "timestamp": datetime.fromtimestamp(msg.ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "username": owner.handle, "owner": {"id": owner.id},
    }
    if msg.comments:
        item["comments"] = {"data": [instagram_comment(c) for c in sorted(msg.comments, key=lambda m: (m.ts, m.id))]}
    return item
