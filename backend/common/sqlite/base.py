"""Django's SQLite backend, keeping closed connections open for the next one to reuse.

Under ASGI, Django serves each request in a thread of its own and closes the request's database
connection when it ends. Opening a SQLite connection again costs about 3 ms on this project's
schema (Django registers its functions, then SQLite parses the schema on the first statement):
as much as the rest of a typical request. This backend keeps a few closed connections of a file
database per process and hands them out again, after rolling back anything left open and
applying Django's connection pragmas once more. In-memory databases are never kept: Django never
closes them.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from typing import Any

from django.db.backends.sqlite3 import base

# Connections kept per database file and process; more than this are closed.
IDLE_CONNECTIONS = 8


class _Idle:
    """The closed-but-open connections of one process, per set of connection parameters."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.connections: dict[tuple, deque[Any]] = {}

    def _forked(self) -> bool:
        # A connection must not cross fork(): a child drops what its parent kept, unclosed.
        if self.pid != os.getpid():
            self.pid = os.getpid()
            self.connections = {}
            return True
        return False

    def take(self, key: tuple) -> Any:
        with self.lock:
            self._forked()
            kept = self.connections.get(key)
            return kept.pop() if kept else None

    def keep(self, key: tuple, connection: Any) -> bool:
        with self.lock:
            if self._forked():
                return False
            kept = self.connections.setdefault(key, deque())
            if len(kept) >= IDLE_CONNECTIONS:
                return False
            kept.append(connection)
            return True

    def clear(self) -> None:
        with self.lock:
            kept, self.connections = self.connections, {}
        for connections in kept.values():
            for connection in connections:
                connection.close()


idle = _Idle()


def _key(conn_params: dict[str, Any]) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in conn_params.items()))


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if self.is_in_memory_db():
            return super().get_new_connection(conn_params)
        key = _key(conn_params)
        connection = idle.take(key)
        if connection is None:
            connection = super().get_new_connection(conn_params)
        else:
            # What the last user may have changed (a migration turns foreign keys off).
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA legacy_alter_table = OFF")
            for init_command in self.init_commands:
                if init_command := init_command.strip():
                    connection.execute(init_command)
        self._idle_key = key
        return connection

    def _close(self) -> None:
        connection, key = self.connection, getattr(self, "_idle_key", None)
        if connection is None or key is None or self.is_in_memory_db():
            return super()._close()
        with self.wrap_database_errors:
            if connection.in_transaction:
                connection.rollback()
            if not idle.keep(key, connection):
                connection.close()
        return None
