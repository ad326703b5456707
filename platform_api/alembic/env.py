"""Alembic takes its URL from the platform settings (or from -x url=... / a passed connection)."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from platform_api.config import settings
from platform_api.database import UtcDateTime
from platform_api.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def render_item(type_: str, obj: object, _autogen_context: object) -> str | bool:
    """New migrations spell UtcDateTime as the column it is, importing nothing of the app."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Message search (migration 0013_lists) is not a model: FTS5's tables (SQLite) and the
    GIN expression index (PostgreSQL) are left out of the comparison with the models."""
    if type_ == "table" and name and name.startswith("message_fts"):
        return False
    return not (type_ == "index" and name == "ix_message_text_search")


def database_url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or settings.sqlalchemy_url


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    section = config.get_section(config.config_ini_section, {})
    section["sqlalchemy.url"] = database_url()
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
