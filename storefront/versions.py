"""Single-row version numbers that tell every worker its in-process cache is out of date.

A table of one row (id 1) whose `version` goes up after each committed change the cache shows:
origin_versions (traceability/origin/cache.py) and catalogue_versions (catalog/indexing.py).
"""

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def bump(engine, table) -> None:
    """Move the number on, in a short transaction of its own after the change's commit: no
    transaction holds the row's lock while it waits for others."""
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(id=1, version=1)
        .on_conflict_do_update(index_elements=[table.c.id], set_={"version": table.c.version + 1})
    )
    with engine.begin() as connection:
        connection.execute(statement)
