from alembic import command
from alembic.config import Config

from platform_api.config import REPO_ROOT


def test_migrations_describe_exactly_the_models(migrated_database) -> None:
    """`alembic check` fails when a model changed without a migration."""
    config = Config(str(REPO_ROOT / "platform_api" / "alembic.ini"))
    config.attributes["configure_logger"] = False
    command.check(config)
