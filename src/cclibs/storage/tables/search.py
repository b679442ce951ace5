"""The full-text index of library and element names, which ``POST /api/v1/search`` reads.

These objects are not in the models: an FTS5 virtual table (SQLite), a generated ``tsvector``
column that exists on one backend only and its GIN index (PostgreSQL) have no declarative form
that both backends share. A new database gets them from the DDL below, run
after ``libraries`` and ``library_elements`` are created (``Base.metadata.create_all``);
migration 0014 creates the same objects in an existing one. ``is_search_object`` tells Alembic's
comparison to leave them out (FTS5's shadow tables included): tests hold them present on both
paths and both backends (tests/api/test_search.py).

Words are runs of letters and digits: ASCII punctuation and spaces separate them on both
backends, case is folded, diacritics are kept (see migration 0014).
"""

from __future__ import annotations

from sqlalchemy import DDL, ColumnElement, event, literal_column
from sqlalchemy.sql.elements import ColumnClause

from cclibs.storage.tables.libraries import LibraryElementRow, LibraryRow

__all__ = ["FTS_TABLES", "VECTOR_COLUMN", "is_search_object", "name_vector"]

FTS_TABLES = {"libraries": "libraries_fts", "library_elements": "library_elements_fts"}
"""Searched table → its FTS5 table (SQLite); PostgreSQL's index is ``ix_`` + that name."""

_FTS_NAMES = tuple(FTS_TABLES.values())
_SEPARATORS = "'[[:space:][:punct:]]+'"
VECTOR_COLUMN = "name_tsv"
"""PostgreSQL: the stored generated ``tsvector`` of ``name`` in each searched table."""


def name_vector(table: str) -> ColumnElement[object]:
    """The ``tsvector`` of ``table.name`` (PostgreSQL): the stored column the index covers."""
    clause: ColumnClause[object] = literal_column(f"{table}.{VECTOR_COLUMN}")
    return clause


def is_search_object(name: str | None) -> bool:
    """The FTS5 tables, their shadow tables (``<name>_data``, ``_idx``, ...), the ``tsvector``
    columns and their GIN indexes: objects outside the models that Alembic's comparison must
    not report."""
    if name is None:
        return False
    if name == VECTOR_COLUMN:
        return True
    return any(name == f or name.startswith(f"{f}_") or name == f"ix_{f}" for f in _FTS_NAMES)


def _sqlite_ddl(table: str, fts: str) -> list[str]:
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(name, content='{table}', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "  # noqa: S608 - constant names
        f"INSERT INTO {fts}(rowid, name) VALUES (new.rowid, new.name); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "  # noqa: S608 - constant names
        f"INSERT INTO {fts}({fts}, rowid, name) VALUES ('delete', old.rowid, old.name); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF name ON {table} "  # noqa: S608 - constant names
        "WHEN old.name IS NOT new.name BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, name) VALUES ('delete', old.rowid, old.name); "
        f"INSERT INTO {fts}(rowid, name) VALUES (new.rowid, new.name); END",
    ]


def _postgres_ddl(table: str, fts: str) -> list[str]:
    vector = f"to_tsvector('simple'::regconfig, regexp_replace(name, {_SEPARATORS}, ' ', 'g'))"
    return [
        f"ALTER TABLE {table} ADD COLUMN {VECTOR_COLUMN} tsvector "
        f"GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX ix_{fts} ON {table} USING gin ({VECTOR_COLUMN})",
    ]


def _ddl(statement: str, dialect: str) -> DDL:
    ddl = DDL(statement)  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it untyped
    return ddl.execute_if(dialect=dialect)


def _listen() -> None:
    for row in (LibraryRow, LibraryElementRow):
        table = row.__tablename__
        fts = FTS_TABLES[table]
        for statement in _sqlite_ddl(table, fts):
            event.listen(row.__table__, "after_create", _ddl(statement, "sqlite"))
        for statement in _postgres_ddl(table, fts):
            event.listen(row.__table__, "after_create", _ddl(statement, "postgresql"))


_listen()
