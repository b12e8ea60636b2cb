"""Citizen pseudonyms: a keyed hash, so no citizen identity leaves the raw layer in the clear."""

from __future__ import annotations

import hashlib
import hmac


def citizen_key(key: bytes, platform: str, identity: str) -> str:
    """HMAC-SHA256 (hex) of ``platform:identity``; identity is the author id, or the handle if that is all."""
    message = f"{platform}:{identity.strip().lower().lstrip('@')}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
