"""Column types shared by every table: UTC-aware datetimes on every backend."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from bot.clock.now import as_utc, utcnow


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes on every backend (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store UTC-aware datetimes")
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def when(*, nullable: bool = False, index: bool = False, default: bool = False):
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime(),
        nullable=nullable,
        index=index,
    )
