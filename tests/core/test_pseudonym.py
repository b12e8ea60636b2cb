"""The citizen pseudonym computed in SQL is the HMAC Python computes, for every key length."""

from __future__ import annotations

import duckdb
import pytest

from core.pseudonym import citizen_key, hmac_pads, sql_citizen_key

IDENTITIES = ["1234567890123456789", "@Gemeente_Utrecht", "@@jan_1", "Jan Jansen", " jan", "Éléonore", ""]


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"0123456789abcdef" * 5], ids=["short", "block", "long"])
def test_sql_pseudonyms_are_the_python_hmac_or_left_to_python(key: bytes) -> None:
    con = duckdb.connect()
    expression = sql_citizen_key("'x'", "identity")
    rows = con.execute(f"SELECT identity, {expression} FROM unnest(?) AS t(identity)",
                       [*hmac_pads(key), IDENTITIES]).fetchall()
    got = dict(rows)
    for identity in IDENTITIES:
        simple = identity and " " not in identity and identity.isascii()
        assert got[identity] == (citizen_key(key, "x", identity) if simple else None), identity
