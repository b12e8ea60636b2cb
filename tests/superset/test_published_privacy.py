"""No citizen reaches the BI side: every text column of every published table is scanned for the citizens'
ids, handles and message texts of the build warehouse (raw messages and quarantined rows). The keyed
``citizen_key`` stays, as the contract says: it is an HMAC, not an identity."""

from __future__ import annotations

from pathlib import Path

import duckdb

#: Shorter values could be ordinary words or numbers of the marts by chance.
MIN_HANDLE, MIN_TEXT = 5, 20


def _citizens(build: duckdb.DuckDBPyConnection) -> None:
    """Fill ``citizens(value, kind)`` with every citizen id, handle and message text the build warehouse holds."""
    social = [row[0] for row in build.execute(
        "SELECT DISTINCT table_name FROM duckdb_columns() WHERE database_name = 'build' AND schema_name = 'raw' "
        "AND column_name = 'author_key'").fetchall()]
    assert social, "no social raw table in the build warehouse"
    official = """(SELECT lower(handle) FROM build.raw.channels WHERE handle IS NOT NULL
                   UNION SELECT account_id FROM build.raw.channels WHERE account_id IS NOT NULL)"""
    build.execute("CREATE TEMP TABLE citizens (value VARCHAR, kind VARCHAR)")
    for table in social:
        build.execute(f"""INSERT INTO citizens
            SELECT DISTINCT author_handle, 'handle' FROM build.raw."{table}"
            WHERE length(author_handle) >= {MIN_HANDLE} AND lower(author_handle) NOT IN {official}
            UNION SELECT DISTINCT author_id, 'id' FROM build.raw."{table}"
            WHERE length(author_id) >= {MIN_HANDLE} AND author_id NOT IN {official}
            UNION SELECT DISTINCT text, 'text' FROM build.raw."{table}"
            WHERE length(text) >= {MIN_TEXT} AND coalesce(direction, '') <> 'uitgaand'""")
    # a quarantined row's content is a citizen's record too (the fixture adds one by 'piet_test')
    build.execute(f"""INSERT INTO citizens SELECT DISTINCT content, 'quarantined content'
                      FROM build.dq.quarantined_rows WHERE length(content) >= {MIN_TEXT}""")
    build.execute("INSERT INTO citizens VALUES ('piet_test', 'handle')")


def test_no_citizen_id_handle_or_text_is_published(published_home: Path) -> None:
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS build (READ_ONLY)", [str(published_home / "warehouse" / "warehouse.duckdb")])
        con.execute("ATTACH ? AS pub (READ_ONLY)", [str(published_home / "serving" / "warehouse.duckdb")])
        _citizens(con)
        kinds = dict(con.execute("SELECT kind, count(*) FROM citizens GROUP BY kind").fetchall())
        assert kinds.get("handle", 0) > 100 and kinds.get("text", 0) > 100, kinds  # the scan has something to find
        columns = con.execute("""SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
            WHERE database_name = 'pub' AND (data_type = 'VARCHAR' OR data_type = 'VARCHAR[]')""").fetchall()
        assert len(columns) > 20
        found = []
        for schema, table, column, kind in columns:
            value = f'unnest(t."{column}")' if kind.endswith("[]") else f't."{column}"'
            hits = con.execute(f"""SELECT c.kind, any_value(c.value) FROM
                (SELECT DISTINCT {value} AS v FROM pub."{schema}"."{table}" AS t) AS p
                JOIN citizens AS c ON p.v = c.value GROUP BY c.kind""").fetchall()
            found += [(f"{schema}.{table}.{column}", kind_, example[:60]) for kind_, example in hits]
            if schema == "dq":  # free text (reasons, failing keys): no handle or text inside it either
                hits = con.execute(f"""SELECT c.kind, any_value(c.value) FROM
                    (SELECT DISTINCT {value} AS v FROM pub."{schema}"."{table}" AS t) AS p
                    JOIN citizens AS c ON c.kind <> 'id' AND contains(lower(p.v), lower(c.value))
                    GROUP BY c.kind""").fetchall()
                found += [(f"{schema}.{table}.{column}", f"{kind_} inside", example[:60]) for kind_, example in hits]
        assert found == []
    finally:
        con.close()
