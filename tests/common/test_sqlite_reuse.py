"""The SQLite backend keeps closed connections of a file database and hands them out again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler

from backend.common.sqlite.base import IDLE_CONNECTIONS, idle


@pytest.fixture
def databases(tmp_path: Path, django_db_blocker: Any) -> Iterator[Any]:
    """Makes connection wrappers of one database file, as Django's settings would describe.

    The file is the test's own, outside the test database, so its access is unblocked."""
    made: list[Any] = []

    def make(name: str | None = None) -> Any:
        handler = ConnectionHandler(
            {
                "default": {
                    "ENGINE": "backend.common.sqlite",
                    "NAME": name or str(tmp_path / "db.sqlite3"),
                    "OPTIONS": {
                        "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    },
                }
            }
        )
        wrapper = handler["default"]
        made.append(wrapper)
        return wrapper

    idle.clear()
    with django_db_blocker.unblock():
        yield make
        for wrapper in made:
            wrapper.close()
    idle.clear()


def rows(wrapper: Any, sql: str) -> list[tuple]:
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_a_closed_connection_is_handed_out_again(databases: Any) -> None:
    first = databases()
    first.ensure_connection()
    raw = first.connection
    first.close()
    assert first.connection is None
    second = databases()
    second.ensure_connection()
    assert second.connection is raw
    assert rows(second, "PRAGMA journal_mode") == [("wal",)]


def test_connections_in_use_are_never_shared(databases: Any) -> None:
    one, two = databases(), databases()
    one.ensure_connection()
    two.ensure_connection()
    assert one.connection is not two.connection


def test_what_was_left_uncommitted_is_rolled_back(databases: Any) -> None:
    writer = databases()
    with writer.cursor() as cursor:
        cursor.execute("CREATE TABLE notes (text TEXT)")
        cursor.execute("BEGIN")
        cursor.execute("INSERT INTO notes VALUES ('draft')")
    writer.close()
    reader = databases()
    assert rows(reader, "SELECT COUNT(*) FROM notes") == [(0,)]
    assert not reader.connection.in_transaction


def test_connection_pragmas_are_applied_again(databases: Any) -> None:
    first = databases()
    with first.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
    first.close()
    second = databases()
    assert rows(second, "PRAGMA foreign_keys") == [(1,)]


def test_a_few_connections_are_kept_the_rest_closed(databases: Any) -> None:
    wrappers = [databases() for _ in range(IDLE_CONNECTIONS + 3)]
    for wrapper in wrappers:
        wrapper.ensure_connection()
    raws = [wrapper.connection for wrapper in wrappers]
    for wrapper in wrappers:
        wrapper.close()
    kept = [raw for keptset in idle.connections.values() for raw in keptset]
    assert len(kept) == IDLE_CONNECTIONS
    closed = [raw for raw in raws if raw not in kept]
    for raw in closed:
        with pytest.raises(sqlite3.ProgrammingError):
            raw.execute("SELECT 1")


def test_in_memory_databases_are_never_kept(databases: Any) -> None:
    memory = databases(":memory:")
    memory.ensure_connection()
    memory.close()
    assert idle.connections == {}


def test_a_forked_process_does_not_reuse_its_parents_connections(databases: Any) -> None:
    first = databases()
    first.ensure_connection()
    raw = first.connection
    first.close()
    idle.pid = -1  # as a child sees the state it inherited
    second = databases()
    second.ensure_connection()
    assert second.connection is not raw
