"""The three ways each landing format is read in the benchmark: ours, the DuckDB floor and a pandas peer.

*Ours* is the real loader (``load_source``: SHA-256, per-file atomicity, lineage, pseudonyms, rejects).
The *floor* is DuckDB reading the same files with its own readers (``read_json_objects``, ``read_text``,
``read_csv``) into a table, with no Python per row: the least work any loader of these files can do. The
*peer* is the naive loader a data engineer writes first: pandas reads each file whole, one insert per file.
CSV floors read as Latin-1, which never fails (the landing zone mixes UTF-8 and Windows-1252 files).

Both read every message object the format holds and no more (a floor neither deduplicates nor interprets): the
same objects the parser turns into messages, so a floor reads at least the rows ours loads. DuckDB cannot read
inside an archive: for X archives (ZIP) and Mastodon archives (``.tar.gz``) the floor first extracts the files
it reads to a temporary folder, and that extraction is part of its time.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ingestion.framework import Source

if TYPE_CHECKING:
    import pandas as pd

FORMATS: tuple[str, ...] = ("x_api", "x_archive", "facebook_graph", "instagram_graph", "mastodon_api",
                            "mastodon_archive", "bluesky", "webcare_csv", "survey", "channels")
_BIG = 1 << 30  # maximum_object_size: a page file is one JSON object


def our_source(fmt: str, con: duckdb.DuckDBPyConnection) -> Source:
    """The project's Source for a format (the survey's matcher needs the CBS lists already loaded)."""
    if fmt == "channels":
        from ingestion.channels import CHANNELS

        return CHANNELS
    if fmt == "survey":
        from ingestion.survey import MunicipalityMatcher, survey_source

        return survey_source(MunicipalityMatcher.from_warehouse(con))
    from ingestion import social

    return {s.name: s for s in social.SOURCES}[fmt]


def floor(fmt: str, con: duckdb.DuckDBPyConnection, landing: Path) -> int:
    """Read the format's files with DuckDB's own readers into a table; returns the messages (rows) read."""
    folder = (landing / fmt).as_posix()
    if fmt == "x_archive":
        with tempfile.TemporaryDirectory() as tmp:
            files = [str(f) for f in _archive_tweet_files(Path(folder), Path(tmp))]
            con.execute("""CREATE TABLE floor AS SELECT unnest(json_extract(
                rtrim(rtrim(regexp_replace(content, '^[^\\[]*', '')), ';')::JSON, '$[*]')) AS tweet
                FROM read_text(?)""", [files])
    elif fmt == "mastodon_archive":
        with tempfile.TemporaryDirectory() as tmp:
            files = [str(f) for f in _archive_outboxes(Path(folder), Path(tmp))]
            con.execute(f"""CREATE TABLE floor AS SELECT unnest(json_extract(json, '$.orderedItems[*]')) AS activity
                FROM read_json_objects(?, maximum_object_size={_BIG})""", [files])
    else:
        con.execute(f"CREATE TABLE floor AS {_FLOOR_SQL[fmt].format(folder=folder, big=_BIG)}")
    return con.execute("SELECT count(*) FROM floor").fetchone()[0]


def _archive_tweet_files(folder: Path, tmp: Path) -> list[Path]:
    """The tweet files of every archive: ZIPs extracted under ``tmp`` (DuckDB cannot read inside a ZIP)."""
    files: list[Path] = []
    for index, archive in enumerate(sorted(folder.iterdir())):
        if archive.is_dir():
            files += sorted(archive.glob("data/tweet*.js"))
        elif zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(tmp / str(index))
            files += sorted((tmp / str(index)).glob("data/tweet*.js"))
    return files


def _archive_outboxes(folder: Path, tmp: Path) -> list[Path]:
    """The ``outbox.json`` of every Mastodon archive, extracted under ``tmp`` (DuckDB cannot read inside a tar)."""
    files: list[Path] = []
    for index, archive in enumerate(sorted(p for p in folder.rglob("*") if p.is_file())):
        with tarfile.open(archive, "r:*") as tar:
            member = next((m for m in tar if m.isfile() and Path(m.name).name == "outbox.json"), None)
            handle = tar.extractfile(member) if member is not None else None
            if handle is not None:
                target = tmp / f"{index}.json"
                target.write_bytes(handle.read())
                files.append(target)
    return files


_FLOOR_SQL: dict[str, str] = {
    "x_api": """WITH pages AS (SELECT json FROM read_json_objects('{folder}/**/*.json', maximum_object_size={big}))
        SELECT unnest(json_extract(json, '$.data[*]')) AS tweet FROM pages
        UNION ALL SELECT unnest(json_extract(json, '$.includes.tweets[*]')) FROM pages""",
    "facebook_graph": """WITH
        pages AS (SELECT json FROM read_json_objects('{folder}/**/*.json', maximum_object_size={big})),
        posts AS (SELECT unnest(json_extract(json, '$.data[*]')) AS post FROM pages),
        comments AS (SELECT unnest(json_extract(post, '$.comments.data[*]')) AS c FROM posts)
        SELECT post AS m FROM posts UNION ALL SELECT c FROM comments
        UNION ALL SELECT unnest(json_extract(c, '$.comments.data[*]')) FROM comments""",
    # Media items (a media page), their comments, and the replies of every comment (also a comments page's items).
    "instagram_graph": """WITH
        pages AS (SELECT json FROM read_json_objects('{folder}/**/*.json', maximum_object_size={big})),
        items AS (SELECT unnest(json_extract(json, '$.data[*]')) AS item FROM pages),
        comments AS (SELECT unnest(json_extract(item, '$.comments.data[*]')) AS c FROM items)
        SELECT item AS m FROM items UNION ALL SELECT c FROM comments
        UNION ALL SELECT unnest(json_extract(c, '$.replies.data[*]')) FROM comments
        UNION ALL SELECT unnest(json_extract(item, '$.replies.data[*]')) FROM items""",
    # A body is a list of statuses, a list of notifications (their status), or a context; a boost's status too.
    "mastodon_api": """WITH
        bodies AS (SELECT json FROM read_json_objects('{folder}/**/*.json', format='unstructured',
                                                      maximum_object_size={big})),
        listed AS (SELECT unnest(json_extract(json, '$[*]')) AS e FROM bodies WHERE json_type(json) = 'ARRAY'),
        statuses AS (SELECT coalesce(json_extract(e, '$.status'), e) AS s FROM listed
                     WHERE json_extract(e, '$.uri') IS NOT NULL OR json_extract(e, '$.status') IS NOT NULL
                     UNION ALL SELECT unnest(json_extract(json, '$.ancestors[*]')) FROM bodies
                     WHERE json_type(json) = 'OBJECT'
                     UNION ALL SELECT unnest(json_extract(json, '$.descendants[*]')) FROM bodies
                     WHERE json_type(json) = 'OBJECT')
        SELECT s FROM statuses UNION ALL
        SELECT json_extract(s, '$.reblog') FROM statuses WHERE json_type(s, '$.reblog') = 'OBJECT'""",
    # A feed's posts and the posts they reply to (not a deleted one's stub: no record), every post of a thread (any
    # depth), the notifications that carry a message.
    "bluesky": """WITH
        bodies AS (SELECT json FROM read_json_objects('{folder}/**/*.json', maximum_object_size={big})),
        feed AS (SELECT unnest(json_extract(json, '$.feed[*]')) AS item FROM bodies)
        SELECT json_extract(item, '$.post') AS post FROM feed
        UNION ALL SELECT json_extract(item, '$.reply.parent') FROM feed
        WHERE json_extract(item, '$.reply.parent.record') IS NOT NULL
        UNION ALL SELECT json_extract(item, '$.reply.root') FROM feed
        WHERE json_extract(item, '$.reply.root.record') IS NOT NULL
        UNION ALL SELECT unnest(json_extract(json, '$.thread..post')) FROM bodies
        WHERE json_extract(json, '$.thread') IS NOT NULL
        UNION ALL SELECT n FROM (SELECT unnest(json_extract(json, '$.notifications[*]')) AS n FROM bodies)
        WHERE json_extract_string(n, '$.reason') IN ('mention', 'reply', 'quote')""",
    # A 4 MB buffer per file (DuckDB's default is 32 MB): with union_by_name DuckDB holds one per file, and on the
    # demo's 800-odd small exports (2013 to 2025) the default ran out of memory at 19 GB.
    "webcare_csv": """SELECT * FROM read_csv('{folder}/**/*.csv', delim=';', header=true, all_varchar=true,
        union_by_name=true, encoding='latin-1', buffer_size=4194304, max_line_size=2097152)""",
    "survey": """SELECT * FROM read_csv('{folder}/**/*.csv', header=true, all_varchar=true, union_by_name=true,
        encoding='latin-1')""",
    "channels": """SELECT * FROM read_csv('{folder}/**/*.csv', header=true, all_varchar=true, union_by_name=true,
        encoding='latin-1')""",
}


def peer(fmt: str, con: duckdb.DuckDBPyConnection, landing: Path) -> int:
    """Read each file whole with pandas and insert it (one statement per file); returns the rows inserted."""
    reader = _PEER_READERS[fmt]
    total = 0
    con.execute("CREATE TABLE peer (id VARCHAR, created_at VARCHAR, author VARCHAR, text VARCHAR, "
                "source_file VARCHAR)")
    for path in _peer_units(landing / fmt, fmt):
        try:
            frame = reader(path).astype("string")
        except (ValueError, KeyError, TypeError, zipfile.BadZipFile, tarfile.TarError):
            continue  # a broken export: the peer skips it
        frame["source_file"] = str(path)
        con.execute("INSERT INTO peer SELECT * FROM frame")
        total += len(frame)
    return total


def _peer_units(folder: Path, fmt: str) -> list[Path]:
    """Files, and for X archives the archives themselves (ZIPs or unzipped folders)."""
    if fmt == "x_archive":
        return sorted(folder.iterdir()) if folder.is_dir() else []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _tweets(path: Path) -> pd.DataFrame:
    import pandas as pd

    page = json.loads(path.read_bytes())
    tweets = pd.json_normalize(page.get("data", []) + (page.get("includes") or {}).get("tweets", []))
    return _pick(tweets, "id", "created_at", "author_id", "text")


def _archive(path: Path) -> pd.DataFrame:
    import pandas as pd

    texts = []
    if path.is_dir():
        texts = [f.read_text("utf-8") for f in sorted(path.glob("data/tweet*.js"))]
    else:
        with zipfile.ZipFile(path) as zipped:
            texts = [zipped.read(n).decode("utf-8") for n in zipped.namelist() if n.startswith("data/tweet")]
    frames = [pd.json_normalize(json.loads(t[t.index("["):].rstrip().rstrip(";"))) for t in texts]
    frame = pd.concat(frames) if frames else pd.DataFrame()
    return _pick(frame, "tweet.id_str", "tweet.created_at", "tweet.in_reply_to_user_id_str", "tweet.full_text")


def _feed(path: Path) -> pd.DataFrame:
    import pandas as pd

    posts = json.loads(path.read_bytes()).get("data", [])
    comments = [c for p in posts for c in (p.get("comments") or {}).get("data", [])]
    replies = [r for c in comments for r in (c.get("comments") or {}).get("data", [])]
    return _pick(pd.json_normalize(posts + comments + replies), "id", "created_time", "from.id", "message")


def _instagram(path: Path) -> pd.DataFrame:
    import pandas as pd

    items = json.loads(path.read_bytes()).get("data", [])
    comments = [c for i in items for c in (i.get("comments") or {}).get("data", [])]
    replies = [r for c in items + comments for r in (c.get("replies") or {}).get("data", [])]
    frame = pd.json_normalize(items + comments + replies)
    return _pick(frame, "id", "timestamp", "username", "text")


def _mastodon(path: Path) -> pd.DataFrame:
    import pandas as pd

    body = json.loads(path.read_bytes())
    if isinstance(body, dict):
        statuses = body.get("ancestors", []) + body.get("descendants", [])
    else:
        statuses = [e.get("status") if "type" in e and "uri" not in e else e for e in body]
        statuses = [s for s in statuses if s]
    statuses += [s["reblog"] for s in statuses if s.get("reblog")]
    return _pick(pd.json_normalize(statuses), "uri", "created_at", "account.acct", "content")


def _mastodon_archive(path: Path) -> pd.DataFrame:
    import pandas as pd

    with tarfile.open(path, "r:*") as tar:
        member = next(m for m in tar if m.isfile() and Path(m.name).name == "outbox.json")
        outbox = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    frame = pd.json_normalize(outbox.get("orderedItems", []))
    return _pick(frame, "object.id", "published", "actor", "object.content")


def _bluesky(path: Path) -> pd.DataFrame:
    import pandas as pd

    body = json.loads(path.read_bytes())
    posts = []
    for item in body.get("feed", []):
        posts += [item["post"], *[p for p in ((item.get("reply") or {}).get(k) for k in ("parent", "root"))
                                  if isinstance(p, dict) and "record" in p]]
    nodes = [body["thread"]] if isinstance(body.get("thread"), dict) else []
    while nodes:  # the thread's nodes: each node's post, its parent chain and its replies
        node = nodes.pop()
        if "post" in node:
            posts.append(node["post"])
        nodes += [n for n in [node.get("parent"), *node.get("replies", [])] if isinstance(n, dict)]
    posts += [n for n in body.get("notifications", []) if n.get("reason") in ("mention", "reply", "quote")]
    return _pick(pd.json_normalize(posts), "uri", "record.createdAt", "author.handle", "record.text")


def _csv(path: Path) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="latin-1")
    columns = [*frame.columns, None, None, None, None]
    return _pick(frame, *columns[:4])


def _pick(frame: pd.DataFrame, *columns: str | None) -> pd.DataFrame:
    """The four peer columns of a frame (missing ones empty)."""
    import pandas as pd

    names = ("id", "created_at", "author", "text")
    return pd.DataFrame({n: frame[c] if c in frame.columns else None for n, c in zip(names, columns, strict=True)},
                        index=frame.index)


_PEER_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "x_api": _tweets, "x_archive": _archive, "facebook_graph": _feed, "instagram_graph": _instagram,
    "mastodon_api": _mastodon, "mastodon_archive": _mastodon_archive, "bluesky": _bluesky,
    "webcare_csv": _csv, "survey": _csv, "channels": _csv,
}
