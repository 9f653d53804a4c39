"""Alembic environment: the URL comes from the caller's Config (see bot.db.alembic_config)."""

from alembic import context
from sqlmodel import SQLModel

# Every domain's tables, registered on SQLModel.metadata for autogenerate and comparisons.
import bot.comments.models  # noqa: F401
import bot.core.models  # noqa: F401
import bot.drafting.models  # noqa: F401
import bot.drills.models  # noqa: F401
import bot.followups.models  # noqa: F401
import bot.incidents.models  # noqa: F401
import bot.retro.models  # noqa: F401
import bot.sandbox.models  # noqa: F401
import bot.scheduling.models  # noqa: F401
import bot.steps.models  # noqa: F401
import bot.timeline.models  # noqa: F401
from bot.core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
