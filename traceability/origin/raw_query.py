"""One fixed SELECT run straight on a DBAPI connection: the look-up every QR scan makes.

The ORM session's machinery (session begin, pool checkout, result objects, commit) costs a scan
far more than the statement itself (BENCHMARKS.md, scan path mechanisms), and the scan fast
path answers without an app context, so without a session. RawQuery compiles a Core statement once per engine and runs it on this thread's own autocommit
connection, converting the result columns with their SQLAlchemy types (aware datetimes,
booleans), so callers see what Core would give them. A connection that fails is dropped and
the query tried once more on a new one. Not for one-connection pools (in-memory SQLite):
their only connection cannot be taken away (see `usable`).
"""

import os
import threading
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.pool import StaticPool


@dataclass(frozen=True)
class _Compiled:
    compiled: object
    #: Parameter names in order for positional DBAPIs (sqlite3 "?"), None for named ones (psycopg).
    order: list | None
    names: list
    #: (column name, result processor) for the columns that have one.
    processors: list


class RawQuery:
    def __init__(self, statement):
        self.statement = statement
        #: Compiled per dialect (keyed by the engine's dialect object: no URL rendering per scan).
        self._compiled: dict[object, _Compiled] = {}
        #: (pid, thread, engine) → that thread's own DBAPI connection to the engine's database.
        self._open: dict[tuple, object] = {}
        self._lock = threading.Lock()

    @staticmethod
    def usable(engine) -> bool:
        return not isinstance(engine.pool, StaticPool)

    def first(self, engine, params: dict) -> dict | None:
        """Return the first row as a dict of column name → value, or None."""
        plan = self._plan(engine)
        for attempt in (1, 2):
            key = (os.getpid(), threading.get_ident(), engine)
            connection = self._connection(engine, key)
            try:
                row = self._first_dbapi(connection, plan, plan.compiled.construct_params(params))
                break
            except engine.dialect.loaded_dbapi.Error as error:
                if not _is_disconnect(engine, error, connection):
                    raise  # the query's own error, not a lost connection
                self._drop(key)
                if attempt == 2:
                    raise
        if row is None:
            return None
        found = dict(zip(plan.names, row))
        for name, process in plan.processors:
            found[name] = process(found[name])
        return found

    @staticmethod
    def _first_dbapi(connection, plan: _Compiled, bound: dict):
        args = [bound[name] for name in plan.order] if plan.order is not None else bound
        cursor = connection.cursor()
        try:
            cursor.execute(plan.compiled.string, args)
            return cursor.fetchone()
        finally:
            cursor.close()

    def _plan(self, engine) -> _Compiled:
        plan = self._compiled.get(engine.dialect)
        if plan is None:
            dialect = engine.dialect
            compiled = self.statement.compile(dialect=dialect)
            columns = self.statement.selected_columns
            plan = _Compiled(
                compiled=compiled,
                order=list(compiled.positiontup) if compiled.positional else None,
                names=[column.key for column in columns],
                processors=[
                    (column.key, process)
                    for column in columns
                    if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
                ],
            )
            self._compiled[engine.dialect] = plan
        return plan

    def _connection(self, engine, key: tuple | None = None):
        if key is None:
            key = (os.getpid(), threading.get_ident(), engine)
        connection = self._open.get(key)
        if connection is None:
            pooled = engine.raw_connection()
            pooled.detach()  # ours alone, for the life of this thread
            connection = pooled.dbapi_connection
            if engine.dialect.name == "postgresql":
                connection.autocommit = True  # a lone SELECT needs no transaction to end
            else:
                connection.isolation_level = None
            with self._lock:
                self._open[key] = connection
            if not event.contains(engine, "engine_disposed", self.close):
                event.listen(engine, "engine_disposed", self.close)
        return connection

    def close(self, engine) -> None:
        """Close this process's connections of the engine (on engine.dispose())."""
        this_process = os.getpid()
        with self._lock:
            mine = [key for key in self._open if key[2] is engine]
            connections = [self._open.pop(key) for key in mine]
        for key, connection in zip(mine, connections):
            if key[0] == this_process:  # a forked child must not close (and so end) its parent's sessions
                _close_quietly(connection)

    def _drop(self, key: tuple) -> None:
        with self._lock:
            connection = self._open.pop(key, None)
        if connection is not None:
            _close_quietly(connection)


def _is_disconnect(engine, error, connection) -> bool:
    """Whether the error means the connection is gone (and a new one may succeed)."""
    return engine.dialect.is_disconnect(error, connection, None)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # already broken: nothing more to do
        pass
