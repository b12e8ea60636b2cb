"""Deterministic identifiers in the platforms' own shapes (X snowflakes, Facebook and Instagram ids)."""

from __future__ import annotations

import hashlib
import random

TWITTER_EPOCH_MS = 1288834974657


def stable_int(*parts: object) -> int:
    """A 64-bit integer derived from the parts (same parts, same number, on every machine)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent random stream for one purpose, so streams do not depend on each other's order."""
    return random.Random(stable_int(seed, *parts))


class IdMaker:
    """Hands out unique message ids; a counter makes uniqueness certain, not merely likely."""

    def __init__(self, seed: int) -> None:
        self.counter = stable_int(seed, "ids") % 1000
        self.fb_counter = 0
        self.ig_counter = 0

    def tweet(self, ts: int) -> str:
        """A snowflake id whose embedded time is ``ts`` (epoch seconds)."""
        self.counter += 1
        millis = ts * 1000 + (self.counter * 37) % 1000
        return str(((millis - TWITTER_EPOCH_MS) << 22) | (self.counter % (1 << 22)))

    def facebook(self) -> str:
        """A Facebook object number (post or comment part of a compound id)."""
        self.fb_counter += 1
        return str(10_152_000_000_000_000 + self.fb_counter * 7919)

    def instagram(self) -> str:
        """An Instagram media or comment id."""
        self.ig_counter += 1
        return str(17_841_000_000_000_000 + self.ig_counter * 104_729)
