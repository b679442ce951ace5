"""search: the database's own full-text index of library and element names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 08:00:00

``POST /api/v1/search`` matches words of names through each backend's full-text search:

- SQLite: an FTS5 table per searched table, with external content (the names are read from
  ``libraries`` / ``library_elements`` by rowid, not stored twice), kept in step by triggers, so
  every writer, the cascades included, keeps the index right. The index is filled here from the
  rows already present (``'rebuild'``).
- PostgreSQL: ``name_tsv``, a stored generated ``tsvector`` column of the name, with a GIN
  index. Stored, not an expression index: ranking and the recheck of prefix matches read it
  instead of parsing every matching name again (3x faster at 23,000 matches). Adding it
  rewrites each table once, under its lock (about 3 s per 100,000 elements).

Words are runs of letters and digits on both backends: ASCII punctuation and spaces separate
them (PostgreSQL's parser would keep ``logo.png`` whole where FTS5 splits it), case is folded,
diacritics are kept. The same statements create these objects in a new database
(``cclibs.storage.tables.search``); this revision keeps its own copy, as revisions do.

A later revision that re-creates ``libraries`` or ``library_elements`` (a batch copy on SQLite)
drops these triggers with the table and must create them again, then ``'rebuild'``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEARCHED = {"libraries": "libraries_fts", "library_elements": "library_elements_fts"}
_VECTOR = (
    "to_tsvector('simple'::regconfig, regexp_replace(name, '[[:space:][:punct:]]+', ' ', 'g'))"
)


def _sqlite_upgrade(table: str, fts: str) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(name, content='{table}', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 0', prefix='2 3')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "  # noqa: S608 - constant names
        f"INSERT INTO {fts}(rowid, name) VALUES (new.rowid, new.name); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "  # noqa: S608 - constant names
        f"INSERT INTO {fts}({fts}, rowid, name) VALUES ('delete', old.rowid, old.name); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF name ON {table} "  # noqa: S608 - constant names
        "WHEN old.name IS NOT new.name BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, name) VALUES ('delete', old.rowid, old.name); "
        f"INSERT INTO {fts}(rowid, name) VALUES (new.rowid, new.name); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608 - constant names


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, fts in _SEARCHED.items():
        if sqlite:
            _sqlite_upgrade(table, fts)
        else:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN name_tsv tsvector "
                f"GENERATED ALWAYS AS ({_VECTOR}) STORED"
            )
            op.execute(f"CREATE INDEX ix_{fts} ON {table} USING gin (name_tsv)")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, fts in _SEARCHED.items():
        if sqlite:
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{trigger}")
            op.execute(f"DROP TABLE {fts}")
        else:
            op.execute(f"DROP INDEX ix_{fts}")
            op.execute(f"ALTER TABLE {table} DROP COLUMN name_tsv")
