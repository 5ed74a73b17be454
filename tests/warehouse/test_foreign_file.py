"""A DuckDB file that is not a Tacit warehouse is refused before anything is written to it."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from warehouse import WarehouseError, connect


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() ORDER BY table_name, column_index"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture
def foreign(tmp_path):
    path = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE personas (id INTEGER, nickname VARCHAR, shoe_size DOUBLE)")
    con.execute("INSERT INTO personas VALUES (1, 'ada', 38.5), (2, 'bo', 44)")
    con.close()
    return path


def test_foreign_file_is_refused_and_left_unchanged(foreign):
    before_bytes, before_tables = _digest(foreign), _tables(foreign)
    with pytest.raises(WarehouseError) as err:
        connect(foreign)
    message = str(err.value)
    assert str(foreign) in message and "not a Tacit warehouse" in message
    assert "personas" in message  # says what it found
    assert _digest(foreign) == before_bytes
    assert _tables(foreign) == before_tables


def test_empty_file_and_tacit_warehouse_still_open(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    connect(empty).close()  # a DuckDB file with no tables becomes a warehouse
    connect(empty).close()  # and reopens as one
    con = duckdb.connect(str(empty), read_only=True)
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] > 0
    con.close()
