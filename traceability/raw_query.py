"""One fixed SELECT run straight on a DBAPI connection: the look-up every QR scan makes.

Through the ORM session a scan's look-up costs about 350 µs of Python on SQLite (session
begin, pool checkout, result objects, commit); the statement itself about 10 µs. RawQuery
compiles a Core statement once per engine and runs it on this thread's own autocommit
connection, converting the result columns with their SQLAlchemy types (aware datetimes,
booleans), so callers see what Core would give them. A connection that fails is dropped and
the query tried once more on a new one. Not for one-connection pools (in-memory SQLite):
their only connection cannot be taken away (see `usable`).

On PostgreSQL (psycopg) the statement is prepared once per connection and run through libpq
itself (psycopg.pq: PQexecPrepared, the row read by psycopg's C loaders): psycopg's cursor
machinery (query conversion, its prepare manager, the cursor object) costs a scan about
70 µs of the worker's CPU more than the query's own round trip (bench/ measures it).
"""

import itertools
import os
import threading
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.pool import StaticPool

_names = itertools.count(1)
#: SQLSTATEs after which the statement is prepared again: invalid_sql_statement_name (the server
#: forgot it) and feature_not_supported (its cached plan no longer fits the table).
_PREPARE_AGAIN = (b"26000", b"0A000")


@dataclass(frozen=True)
class _Compiled:
    compiled: object
    #: Parameter names in order for positional DBAPIs (sqlite3 "?"), None for named ones (psycopg).
    order: list | None
    names: list
    #: (column name, result processor) for the columns that have one.
    processors: list
    #: Values bound in the statement itself (LIMIT 1), by parameter name.
    fixed: dict
    #: PostgreSQL: the statement with $n parameters (libpq's own), and their names in order.
    libpq_sql: bytes | None = None
    libpq_order: list | None = None


class RawQuery:
    def __init__(self, statement):
        self.statement = statement
        #: Compiled per dialect (keyed by the engine's dialect object: no URL rendering per scan).
        self._compiled: dict[object, _Compiled] = {}
        #: (pid, thread, engine) → that thread's own DBAPI connection to the engine's database.
        self._open: dict[tuple, object] = {}
        #: Connection key → row loader, for the connections on which the statement is prepared (PostgreSQL).
        self._prepared: dict[tuple, object] = {}
        self._statement_name = f"ocop_raw_{next(_names)}".encode()
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
                if plan.libpq_sql is not None:
                    row = self._first_libpq(connection, key, plan, params)
                else:
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

    def _first_libpq(self, connection, key: tuple, plan: _Compiled, params: dict):
        from psycopg import pq

        pgconn = connection.pgconn
        loader = self._prepared.get(key)
        if loader is None:
            loader = self._prepare(connection, key, plan)
        # Text parameters of unknown type: the statement's own casts ($1::VARCHAR) type them.
        values = [_text(params[name] if name in params else plan.fixed[name]) for name in plan.libpq_order]
        result = pgconn.exec_prepared(self._statement_name, values)
        try:
            state = (
                result.error_field(pq.DiagnosticField.SQLSTATE) if result.status == pq.ExecStatus.FATAL_ERROR else None
            )
            if state in _PREPARE_AGAIN:
                # The server forgot the statement (DISCARD ALL by a connection pooler), or a migration
                # changed a selected column's type ("cached plan must not change result type").
                result.clear()
                if state == b"0A000":
                    _check(pgconn.exec_(b'DEALLOCATE "' + self._statement_name + b'"'), connection)
                loader = self._prepare(connection, key, plan)
                result = pgconn.exec_prepared(self._statement_name, values)
            if result.status != pq.ExecStatus.TUPLES_OK:
                raise _error(result, connection)
            if not result.ntuples:
                return None
            loader.set_pgresult(result)  # psycopg's loaders (C), as its cursor would use them
            return loader.load_row(0, tuple)
        finally:
            result.clear()

    def _prepare(self, connection, key: tuple, plan: _Compiled):
        """Prepare the statement on the connection; return the row loader kept for it."""
        from psycopg.adapt import Transformer

        _check(connection.pgconn.prepare(self._statement_name, plan.libpq_sql), connection)
        loader = self._prepared[key] = Transformer(connection)
        return loader

    def _plan(self, engine) -> _Compiled:
        plan = self._compiled.get(engine.dialect)
        if plan is None:
            dialect = engine.dialect
            compiled = self.statement.compile(dialect=dialect)
            columns = self.statement.selected_columns
            libpq_sql = libpq_order = None
            if dialect.name == "postgresql" and dialect.driver == "psycopg":
                numbered = self.statement.compile(dialect=type(dialect)(paramstyle="numeric_dollar"))  # $1, $2…
                libpq_sql, libpq_order = numbered.string.encode(), list(numbered.positiontup)
            plan = _Compiled(
                compiled=compiled,
                order=list(compiled.positiontup) if compiled.positional else None,
                names=[column.key for column in columns],
                processors=[
                    (column.key, process)
                    for column in columns
                    if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
                ],
                fixed={name: bind.value for name, bind in compiled.binds.items() if not bind.required},
                libpq_sql=libpq_sql,
                libpq_order=libpq_order,
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
                self._prepared.pop(key, None)
            if not event.contains(engine, "engine_disposed", self.close):
                event.listen(engine, "engine_disposed", self.close)
        return connection

    def close(self, engine) -> None:
        """Close this process's connections of the engine (on engine.dispose())."""
        this_process = os.getpid()
        with self._lock:
            mine = [key for key in self._open if key[2] is engine]
            connections = [self._open.pop(key) for key in mine]
            for key in mine:
                self._prepared.pop(key, None)
        for key, connection in zip(mine, connections):
            if key[0] == this_process:  # a forked child must not close (and so end) its parent's sessions
                _close_quietly(connection)

    def _drop(self, key: tuple) -> None:
        with self._lock:
            connection = self._open.pop(key, None)
            self._prepared.pop(key, None)
        if connection is not None:
            _close_quietly(connection)


def _check(result, connection) -> None:
    """Raise psycopg's error for a failed libpq command (PQprepare, DEALLOCATE)."""
    from psycopg import pq

    try:
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise _error(result, connection)
    finally:
        result.clear()


def _error(result, connection):
    """psycopg's exception for a failed libpq result (its class from the SQLSTATE)."""
    from psycopg import errors

    return errors.error_from_result(result, encoding=connection.info.encoding)


def _text(value) -> bytes | None:
    """A parameter in PostgreSQL's text format (the look-ups bind strings and integers)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, (str, int)):
        return str(value).encode()
    raise TypeError(f"RawQuery binds str and int parameters on PostgreSQL, not {type(value).__name__}")


def _is_disconnect(engine, error, connection) -> bool:
    """Whether the error means the connection is gone (and a new one may succeed)."""
    if engine.dialect.is_disconnect(error, connection, None):
        return True
    # libpq used directly: psycopg's connection object may not have noticed that its socket died.
    pgconn = getattr(connection, "pgconn", None)
    if pgconn is None:
        return False
    from psycopg import pq

    return pgconn.status != pq.ConnStatus.OK


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # already broken: nothing more to do
        pass
