"""A tweet in a page's `data` that is also expanded in `includes.tweets` is one message, not two."""

from __future__ import annotations

import json
from pathlib import Path

from ingestion.framework import Record
from ingestion.social import x_api


def _tweet(tweet_id: str, text: str) -> dict[str, str]:
    return {"id": tweet_id, "text": text, "created_at": "2014-04-17T07:42:05.000Z", "author_id": "98765432"}


def test_expanded_copy_of_a_data_tweet_is_skipped(tmp_path: Path) -> None:
    page = {
        "data": [_tweet("1", "@gemeente Wanneer is de milieustraat open?"), _tweet("2", "@jan morgen tot 16 uur")],
        "includes": {"tweets": [_tweet("1", "@gemeente Wanneer is de milieustraat open?"),
                                _tweet("3", "@gemeente Is het park open?")],
                     "users": [{"id": "98765432", "username": "jan"}]},
        "meta": {"result_count": 2},
    }
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    records = [r for r in x_api.parse(path) if isinstance(r, Record)]
    assert [(r.values["message_id"], r.position) for r in records] == [
        ("1", "data[0]"), ("2", "data[1]"), ("3", "includes.tweets[1]")
    ]
