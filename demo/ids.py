"""Deterministic identifiers in the platforms' own shapes (X snowflakes, Facebook and Instagram ids, Mastodon
status ids, Bluesky record keys)."""

from __future__ import annotations

import hashlib
import random

TWITTER_EPOCH_MS = 1288834974657
SORTABLE32 = "234567abcdefghijklmnopqrstuvwxyz"


def tid(ts: int, counter: int) -> str:
    """A Bluesky record key (TID): microseconds since the epoch and a clock id, base32-sortable, 13 characters."""
    value = ((ts * 1_000_000 + counter % 1_000_000) << 10) | (counter % 1024)
    return "".join(SORTABLE32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def stable_int(*parts: object) -> int:
    """A 64-bit integer derived from the parts (same parts, same number, on every machine)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent random stream for one purpose, so streams do not depend on each other's order."""
    return random.Random(stable_int(seed, *parts))


class IdMaker:
    """Hands out unique message ids; a counter makes uniqueness certain, not merely likely."""

    def __init__(self, seed: int, purpose: str = "ids", facebook_base: int = 10_152_000_000_000_000,
                 instagram_base: int = 17_841_000_000_000_000) -> None:
        self.counter = stable_int(seed, purpose) % 1000
        self.fb_counter = 0
        self.ig_counter = 0
        self.facebook_base, self.instagram_base = facebook_base, instagram_base

    def tweet(self, ts: int) -> str:
        """A snowflake id whose embedded time is ``ts`` (epoch seconds)."""
        self.counter += 1
        millis = ts * 1000 + (self.counter * 37) % 1000
        return str(((millis - TWITTER_EPOCH_MS) << 22) | (self.counter % (1 << 22)))

    def facebook(self) -> str:
        """A Facebook object number (post or comment part of a compound id)."""
        self.fb_counter += 1
        return str(self.facebook_base + self.fb_counter * 7919)

    def instagram(self) -> str:
        """An Instagram media or comment id."""
        self.ig_counter += 1
        return str(self.instagram_base + self.ig_counter * 104_729)

    def mastodon(self, ts: int) -> str:
        """A Mastodon status id on the harvesting server: milliseconds since the epoch, then a 16-bit sequence."""
        self.counter += 1
        return str(((ts * 1000 + (self.counter * 37) % 1000) << 16) | (self.counter % (1 << 16)))

    def bluesky(self, ts: int) -> str:
        """A Bluesky record key (TID) whose embedded time is ``ts``."""
        self.counter += 1
        return tid(ts, self.counter)
