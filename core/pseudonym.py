"""Citizen pseudonyms: a keyed hash, so no citizen identity leaves the raw layer in the clear."""

from __future__ import annotations

import hashlib
import hmac

#: An identity whose normalised form SQL computes exactly as :func:`citizen_key` does (ASCII, no spaces).
SQL_IDENTITY = "@*[A-Za-z0-9_]+"


def citizen_key(key: bytes, platform: str, identity: str) -> str:
    """HMAC-SHA256 (hex) of ``platform:identity``; identity is the author id, or the handle if that is all."""
    message = f"{platform}:{identity.strip().lower().lstrip('@')}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sql_citizen_key(platform: str, identity: str) -> str:
    """:func:`citizen_key` as a DuckDB expression over two SQL expressions, for identities matching
    :data:`SQL_IDENTITY` (NULL for any other). It takes two BLOB parameters, :func:`hmac_pads` of the key
    (outer first), so the key never appears in the SQL text. HMAC is ``H(outer || H(inner || message))``."""
    message = f"encode({platform} || ':' || lower(ltrim({identity}, '@')))"
    return (f"CASE WHEN regexp_full_match({identity}, '{SQL_IDENTITY}') "
            f"THEN sha256(?::BLOB || unhex(sha256(?::BLOB || {message}))) END")


def hmac_pads(key: bytes) -> list[bytes]:
    """The outer and inner HMAC-SHA256 pads of a key (RFC 2104), the parameters of :func:`sql_citizen_key`."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return [bytes(b ^ 0x5C for b in block), bytes(b ^ 0x36 for b in block)]
