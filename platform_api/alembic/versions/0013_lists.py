"""search across message text (issue 18): SQLite FTS5 table and triggers, PostgreSQL GIN index

Revision ID: 0013_lists
Revises: 0010_admin
Create Date: 2026-12-02 08:00:00

Not models (alembic/env.py leaves them out of `alembic check`); platform_api/conversations/
search.py reads them. On SQLite, triggers keep `message_fts` in step with every write to
`message`. A later migration that rebuilds `message` with batch_alter_table (move and copy)
drops those triggers with the old table: it must create them again (create_sqlite_triggers).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_lists"
down_revision: str | None = "0010_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same fold as platform_api.conversations.search (copied: a migration imports no app code).
ACCENTED = "áàäâãåéèëêíìïîóòöôõúùüûñçÁÀÄÂÃÅÉÈËÊÍÌÏÎÓÒÖÔÕÚÙÜÛÑÇ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuncAAAAAAEEEEIIIIOOOOOUUUUNC"

SQLITE_TRIGGERS = (
    """CREATE TRIGGER message_fts_after_insert AFTER INSERT ON message BEGIN
         INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text);
       END""",
    """CREATE TRIGGER message_fts_after_delete AFTER DELETE ON message BEGIN
         INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text);
       END""",
    """CREATE TRIGGER message_fts_after_update AFTER UPDATE OF text ON message BEGIN
         INSERT INTO message_fts(message_fts, rowid, text) VALUES ('delete', old.id, old.text);
         INSERT INTO message_fts(rowid, text) VALUES (new.id, new.text);
       END""",
)


def create_sqlite_triggers() -> None:
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # An external-content index: the text stays in `message` only; remove_diacritics 2
        # makes "cotizacion" find "cotización".
        op.execute(
            "CREATE VIRTUAL TABLE message_fts USING fts5(text, content='message', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        create_sqlite_triggers()
        op.execute("INSERT INTO message_fts(message_fts) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_message_text_search ON message USING gin "
            "(to_tsvector('simple'::regconfig, lower(translate(coalesce(text, ''), "
            f"'{ACCENTED}', '{PLAIN}'))))"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS message_fts_after_{name}")
        op.execute("DROP TABLE IF EXISTS message_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_message_text_search")
