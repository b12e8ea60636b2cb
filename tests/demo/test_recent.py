"""The recent year (2025): files in every new format, shaped as ``../shared/data/FORMATS.md`` §5, §9–11 describe
them (copied below where a test relies on it), a registry with parked and left X accounts, the figures it was
generated for, and research years left exactly as they were."""

from __future__ import annotations

import csv
import json
import tarfile
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from demo.channels import build_registry, recent_channels
from demo.geography import load_geography
from demo.measure import measure_landing, measure_platforms, read_landing
from demo.plan import plan_year
from demo.targets import RECENT_TARGETS

TARGET = RECENT_TARGETS[2025]


def bodies(landing: Path, source: str, pattern: str = "*.json") -> dict[Path, object]:
    return {p: json.loads(p.read_text(encoding="utf-8")) for p in sorted((landing / source).rglob(pattern))}


def test_every_new_format_has_2025_files(demo_home: Path) -> None:
    landing = demo_home / "landing"
    for source in ("instagram_graph", "mastodon_api", "bluesky"):
        years = {p.relative_to(landing / source).parts[0] for p in (landing / source).rglob("*.json")}
        assert years == {"2025"}, source
    assert len(list((landing / "mastodon_archive").glob("*.tar.gz"))) >= 3  # an account that wrote nothing has none
    for source in ("x_api", "facebook_graph", "webcare_csv"):
        assert any((landing / source / "2025").iterdir()), source
    assert (landing / "survey" / "enquete-sociale-media-2025.csv").exists()


def _status(status: dict) -> None:
    """FORMATS §9 Status: string ids, the global ``uri``, ISO UTC milliseconds, HTML content, ``acct``."""
    assert isinstance(status["id"], str) and status["id"].isdigit()
    assert status["uri"].startswith("https://") and "/statuses/" in status["uri"]
    assert status["created_at"].endswith("Z") and len(status["created_at"]) == 24
    assert status["visibility"] in ("public", "direct")
    assert set(status["account"]) >= {"id", "username", "acct", "display_name"}
    if status["reblog"] is None:
        assert status["content"].startswith("<p>") and status["content"].endswith("</p>")
    for mention in status["mentions"]:
        assert set(mention) == {"id", "username", "acct", "url"}


def test_mastodon_api_bodies_have_the_three_documented_shapes(demo_home: Path) -> None:
    kinds: Counter[str] = Counter()
    for path, body in bodies(demo_home / "landing", "mastodon_api").items():
        if path.name.startswith("context-"):
            assert isinstance(body, dict) and set(body) == {"ancestors", "descendants"}
            for status in body["ancestors"] + body["descendants"]:
                _status(status)
            kinds["context"] += 1
        elif path.name.startswith("notifications-"):
            assert isinstance(body, list) and body
            for item in body:
                assert item["type"] == "mention" and set(item) == {"id", "type", "created_at", "account", "status"}
                _status(item["status"])
                # a mention as FORMATS §9 shows it: the h-card link of the municipality's account
                assert 'class="u-url mention">@<span>' in item["status"]["content"]
            kinds["notifications"] += 1
        else:
            assert path.name.startswith("statuses-") and isinstance(body, list) and body
            for status in body:
                _status(status)
                assert status["account"]["acct"] == status["account"]["username"]  # the municipality's own
            kinds["statuses"] += 1
    assert min(kinds.values()) >= 5, kinds
    statuses = [s for p, b in bodies(demo_home / "landing", "mastodon_api").items()
                if p.name.startswith("statuses-") for s in b]
    assert any(s["reblog"] for s in statuses) and any(s["in_reply_to_id"] for s in statuses)


def test_mastodon_archives_hold_outbox_and_actor(demo_home: Path) -> None:
    api_uris = {s["uri"] for p, b in bodies(demo_home / "landing", "mastodon_api").items()
                if p.name.startswith("statuses-") for s in b}
    for path in sorted((demo_home / "landing" / "mastodon_archive").glob("*.tar.gz")):
        with tarfile.open(path) as archive:
            assert {"outbox.json", "actor.json"} <= set(archive.getnames())
            outbox = json.load(archive.extractfile("outbox.json"))  # type: ignore[arg-type]
            actor = json.load(archive.extractfile("actor.json"))  # type: ignore[arg-type]
        assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == len(outbox["orderedItems"]) > 0
        assert actor["preferredUsername"] and actor["url"].startswith("https://social.overheid.nl/@")
        for activity in outbox["orderedItems"]:
            assert activity["type"] in ("Create", "Announce")
            if activity["type"] == "Announce":
                assert isinstance(activity["object"], str) and activity["object"].startswith("https://")
            else:
                note = activity["object"]
                assert note["type"] == "Note" and note["id"] in api_uris  # linked to the API by URI
                assert all(t["type"] == "Mention" and t["name"].count("@") == 2 for t in note["tag"])


def test_bluesky_bodies_have_the_documented_shapes(demo_home: Path) -> None:
    reasons: Counter[str] = Counter()
    files: Counter[str] = Counter()
    for path, body in bodies(demo_home / "landing", "bluesky").items():
        assert isinstance(body, dict)
        if path.name.startswith("author-feed-"):
            for item in body["feed"]:
                assert item["post"]["uri"].startswith("at://did:plc:")
                if "reason" in item:
                    assert item["reason"]["$type"] == "app.bsky.feed.defs#reasonRepost"
                    reasons["repost"] += 1
                if "reply" in item:
                    assert item["post"]["record"]["reply"]["parent"]["uri"] == item["reply"]["parent"]["uri"]
        elif path.name.startswith("notifications-"):
            reasons.update(n["reason"] for n in body["notifications"])
        else:
            assert path.name.startswith("thread-")
            assert body["thread"]["$type"] == "app.bsky.feed.defs#threadViewPost"
        files[path.name.split("-")[0]] += 1
    assert set(files) == {"author", "notifications", "thread"}
    assert reasons["mention"] and reasons["reply"] and reasons["like"] and reasons["repost"], reasons


def test_bluesky_facets_index_utf8_bytes_and_clocks_follow_the_rule(demo_home: Path) -> None:
    ahead = 0
    for body in bodies(demo_home / "landing", "bluesky", "notifications-*.json").values():
        for item in body["notifications"]:
            record = item["record"]
            if item["reason"] == "like":
                continue
            for facet in record.get("facets", []):
                start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
                assert record["text"].encode()[start:end].decode().startswith("@")
                assert facet["features"][0]["did"].startswith("did:plc:")
            ahead += record["createdAt"] > item["indexedAt"]
    assert ahead > 0  # some clients' clocks run ahead: then the message's time is indexedAt (CONTRACT §7)


def test_instagram_graph_media_pages(demo_home: Path) -> None:
    registry = list(csv.DictReader((demo_home / "landing" / "channels" / "kanalenregister.csv").open()))
    accounts = {r["account_id"] for r in registry if r["platform"] == "instagram"}
    replies = 0
    for body in bodies(demo_home / "landing", "instagram_graph").values():
        assert set(body) == {"data", "paging"} and "cursors" in body["paging"]  # type: ignore[operator]
        for media in body["data"]:  # type: ignore[index]
            assert media["owner"]["id"] in accounts and media["timestamp"].endswith("+0000")
            for comment in media.get("comments", {}).get("data", []):
                assert set(comment["from"]) == {"id", "username"} and comment["username"] == comment["from"]["username"]
                for reply in comment.get("replies", {}).get("data", []):
                    assert reply["parent_id"] == comment["id"] and "replies" not in reply  # one level only
                    replies += 1
    assert replies > 100


def test_registry_has_parked_and_left_x_and_the_new_platforms(demo_home: Path) -> None:
    rows = list(csv.DictReader((demo_home / "landing" / "channels" / "kanalenregister.csv").open()))
    platforms = Counter(r["platform"] for r in rows)
    assert platforms["mastodon"] == TARGET.with_mastodon and platforms["bluesky"] == TARGET.with_bluesky
    assert all(r["account_id"] == r["handle"] and r["handle"].endswith("@social.overheid.nl")
               for r in rows if r["platform"] == "mastodon")
    assert all(r["account_id"].startswith("did:plc:") and r["handle"].endswith(".bsky.social")
               for r in rows if r["platform"] == "bluesky")
    left = {r["gm_code"] for r in rows if r["platform"] == "x" and r["active_to"].startswith("2025")}
    assert {"GM0855", "GM0796"} <= left  # Tilburg and 's-Hertogenbosch left X in 2025
    figures = measure_platforms(demo_home / "landing")["2025"]
    assert figures["x"]["left"] == TARGET.x_left
    assert figures["x"]["parked"] >= TARGET.x_parked  # and a few small municipalities' X accounts went quiet
    assert figures["bluesky"]["parked"] >= TARGET.bluesky_parked
    assert figures["mastodon"]["parked"] >= TARGET.mastodon_parked
    assert figures["instagram"]["present"] == TARGET.with_instagram
    for platform in ("mastodon", "bluesky", "instagram"):
        assert figures[platform]["answered"] > 20 and figures[platform]["questions"] > figures[platform]["answered"]


def test_2025_reproduces_its_figures(demo_home: Path) -> None:
    figures = measure_landing(demo_home / "landing")["2025"]
    assert figures["municipalities"] == 342
    assert figures["without_x"] == TARGET.without_x
    assert figures["pct_with_facebook"] == TARGET.with_facebook / 342
    assert figures["pct_structural"] == TARGET.structural / 342
    assert figures["answer_rate"] == pytest.approx(TARGET.answer_rate, abs=0.001)
    assert figures["avg_response_hours"] == pytest.approx(TARGET.avg_response_hours, abs=0.5)
    assert figures["pct_comms_responsible"] == pytest.approx(TARGET.comms_responses / TARGET.survey_responses)
    assert figures["survey_rows_unmatched"] == 0


def test_classifier_sees_the_new_platforms_questions(demo_home: Path) -> None:
    from demo.labels import is_intended_question
    from question_classifier.classifier import classify
    from question_classifier.rules import load_rules

    zone = read_landing(demo_home / "landing")
    rules = load_rules()
    pairs = [(is_intended_question(m.text), classify(m.text, rules).is_question)
             for (platform, _), m in zone.messages.items()
             if m.inbound and platform in ("mastodon", "bluesky", "instagram") and m.ts >= 1_735_686_000]
    assert len(pairs) > 500 and sum(q for q, _ in pairs) > 300
    agreement = sum(a == b for a, b in pairs) / len(pairs)
    assert agreement >= 0.999, agreement


def test_the_recent_year_leaves_the_research_years_alone() -> None:
    """The 2025 layer changes no channel's life before 2025 and no quota of the research years."""
    geo = load_geography()
    before = build_registry(geo, 11)
    after = recent_channels(geo, 11, before)
    old = {c.key: c for c in before}
    for channel in after:
        if channel.key not in old:
            assert channel.active_from >= date(2025, 1, 1)
        elif channel != old[channel.key]:
            # parked (still open) or left (closed in 2025), silent from 2025 on
            assert channel.quiet_from == 2025 and (channel.active_to is None or channel.active_to.year == 2025)
            assert channel == replace(old[channel.key], active_to=channel.active_to, quiet_from=2025)
    for year in (2013, 2014, 2024):
        plans = plan_year(geo, before, 11, 0.02, year), plan_year(geo, after, 11, 0.02, year)
        assert {c: m.quotas for c, m in plans[0].munis.items()} == {c: m.quotas for c, m in plans[1].munis.items()}
