"""Work that runs once a transaction has committed, declared in create_app (no import-time listener).

    after_commit.on_change(app, (Batch, Product), callback)

After a flush that inserts, updates or deletes an instance of one of `models`, the session
notes it; once the outermost transaction commits, each callback whose models changed runs once,
as callback(session, changed_instances), outside the committed transaction (open a new one on
session.get_bind() to write). A rollback forgets what was noted; a savepoint's release waits for
its transaction. A callback that fails is logged: the commit stands.

An SQL UPDATE or DELETE run with session.execute() (inventory's guarded stock updates) changes
rows the flush never sees: the code that runs it reports them, naming the rows by one column,

    after_commit.note_rows(db.session, Stock, id=stock_id)

and the hooks on that model get a RowsChanged(Stock, "id", stock_id) among the changed objects.

Its counterpart undoes work done outside the database when the transaction does not commit:

    after_commit.undo_unless_committed(partial(store.delete, filename))

runs the function once the outermost transaction ends without a commit (a rollback, an error, a
session closed); a savepoint's release or rollback waits for its transaction. A commit drops it.
And work that needs the commit but no model hook (a job about a file the transaction names):

    after_commit.once_committed(partial(jobs.enqueue, "module:function", filename))

runs the function once the outermost transaction commits; a rollback drops it.

The listeners sit on Flask-SQLAlchemy's session factory only (not every SQLAlchemy Session),
installed by create_app (register), and call the hooks of the app in whose context the session works.
"""

import logging
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event

from storefront.extensions import db

log = logging.getLogger(__name__)
_NOTED = "after_commit.changed"
_UNDO = "after_commit.undo"
_ONCE = "after_commit.once"


def register(app) -> None:
    """Install the session listeners (once per process; create_app calls this)."""
    app.extensions.setdefault("after_commit", [])
    for name, listener in (
        ("after_flush", _note),
        ("after_commit", _run),
        ("after_rollback", _forget),
        ("after_transaction_end", _undo),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def on_change(app, models: tuple[type, ...], callback) -> None:
    """Run callback(session, changed instances) after each commit that changed one of `models`."""
    register(app)
    app.extensions["after_commit"].append((tuple(models), callback))


def undo_unless_committed(undo) -> None:
    """Run undo() if the current transaction of db.session ends without a commit."""
    db.session.info.setdefault(_UNDO, []).append(undo)


def once_committed(work) -> None:
    """Run work() once the current transaction of db.session commits (logged if it fails); a rollback drops it."""
    db.session.info.setdefault(_ONCE, []).append(work)


@dataclass(frozen=True)
class RowsChanged:
    """Rows of `model` whose `column` is `value`, changed by a statement the flush never sees."""

    model: type
    column: str
    value: object


def note_rows(session, model: type, **where) -> None:
    """Report rows an SQL statement changed outside the flush, by one column: note_rows(session, Stock, id=5)."""
    ((column, value),) = where.items()
    _add(session, [RowsChanged(model, column, value)], lambda change, models: issubclass(change.model, models))


def _hooks() -> list:
    return current_app.extensions.get("after_commit", []) if has_app_context() else []


def _note(session, _flush_context) -> None:
    _add(session, [*session.new, *session.dirty, *session.deleted], isinstance)


def _add(session, touched: list, matches) -> None:
    for index, (models, _callback) in enumerate(_hooks()):
        changed = [obj for obj in touched if matches(obj, models)]
        if changed:
            session.info.setdefault(_NOTED, {}).setdefault(index, []).extend(changed)


def _run(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is committed until its transaction is
    session.info.pop(_UNDO, None)  # committed: nothing to undo
    for work in session.info.pop(_ONCE, ()):
        try:
            work()
        except Exception:
            log.exception("after-commit work %r failed; the commit stands", work)
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    hooks = _hooks()
    for index, changed in noted.items():
        callback = hooks[index][1]
        try:
            callback(session, changed)
        except Exception:
            log.exception("after-commit work %s failed; the commit stands", getattr(callback, "__qualname__", callback))


def _forget(session) -> None:
    if not session.in_nested_transaction():  # a savepoint rolled back: earlier flushes still stand
        session.info.pop(_NOTED, None)


def _undo(session, transaction) -> None:
    # Runs after after_commit, which has dropped the undo list of a transaction that committed.
    if transaction.parent is not None:
        return  # a savepoint ended: its transaction may still commit or roll back
    session.info.pop(_ONCE, None)  # not committed (a commit has run and dropped them already)
    for undo in session.info.pop(_UNDO, ()):
        try:
            undo()
        except Exception:  # the rollback stands; what was not undone is logged
            log.exception("undoing %r failed", undo)
