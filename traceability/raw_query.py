"""One fixed SELECT run straight on a DBAPI connection: the look-up every QR scan makes.

Through the ORM session a scan's look-up costs about 350 µs of Python on SQLite (session
begin, pool checkout, result objects, commit); the statement itself about 10 µs. RawQuery
compiles a Core statement once per engine and runs it on this thread's own autocommit
connection, converting the result columns with their SQLAlchemy types (aware datetimes,
booleans), so callers see what Core would give them. A connection that fails is dropped and
the query tried once more on a new one. Not for one-connection pools (in-memory SQLite):
their only connection cannot be taken away (see `usable`).
"""
import threading
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.pool import StaticPool

from traceability import pid


@dataclass(frozen=True)
class _Compiled:
    compiled: object
    #: Parameter names in order for positional DBAPIs (sqlite3 "?"), None for named ones (psycopg).
    order: list | None
    names: list
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
        bound = plan.compiled.construct_params(params)
        args = [bound[name] for name in plan.order] if plan.order is not None else bound
        for attempt in (1, 2):
            connection = self._connection(engine)
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(plan.compiled.string, args)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                break
            except engine.dialect.loaded_dbapi.Error as error:
                if not engine.dialect.is_disconnect(error, connection, None):
                    raise  # the query's own error, not a lost connection
                self._drop(engine)
                if attempt == 2:
                    raise
        if row is None:
            return None
        return {name: process(value) if process else value
                for name, process, value in zip(plan.names, plan.processors, row)}

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
                processors=[column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns],
            )
            self._compiled[engine.dialect] = plan
        return plan

    def _connection(self, engine):
        key = (pid.current(), threading.get_ident(), engine)
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
        this_process = pid.current()
        with self._lock:
            mine = [key for key in self._open if key[2] is engine]
            connections = [self._open.pop(key) for key in mine]
        for key, connection in zip(mine, connections):
            if key[0] == this_process:  # a forked child must not close (and so end) its parent's sessions
                _close_quietly(connection)

    def _drop(self, engine) -> None:
        connection = self._open.pop((pid.current(), threading.get_ident(), engine), None)
        if connection is not None:
            _close_quietly(connection)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # already broken: nothing more to do
        pass
