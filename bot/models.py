"""Tables. Every datetime is stored as UTC and read back UTC-aware."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from bot.timeutil import as_utc, utcnow


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


def _when(*, nullable: bool = False, index: bool = False, default: bool = False):
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime(),
        nullable=nullable,
        index=index,
    )


class InboxEvent(SQLModel, table=True):
    """A raw inbound event, persisted before it is acknowledged."""

    __tablename__ = "inbox_event"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)  # transport: feishu | sandbox | …
    event_id: str = Field(max_length=128, unique=True)
    message_id: str | None = Field(default=None, max_length=128, unique=True)
    event_type: str = Field(max_length=128)
    chat_id: str | None = Field(default=None, max_length=128, index=True)
    payload: str = Field(sa_type=sa.Text())
    status: str = Field(default="pending", max_length=16, index=True)  # pending | done | dead
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    received_at: datetime = _when(default=True)
    next_attempt_at: datetime = _when(default=True, index=True)
    processed_at: datetime | None = _when(nullable=True)


class OutboxMessage(SQLModel, table=True):
    """A message to send, durable until the transport confirmed it."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=64, unique=True)  # idempotency key for the transport
    chat_id: str = Field(max_length=128, index=True)
    kind: str = Field(max_length=16)  # text | card | image | file
    payload: str = Field(sa_type=sa.Text())  # JSON of the Outbound, minus binary content
    content: bytes | None = Field(default=None, sa_type=sa.LargeBinary())
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent | dead
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    source_event_id: str | None = Field(default=None, max_length=128)
    ref: str | None = Field(default=None, max_length=64, index=True)  # what it is, e.g. "incident:3:card"
    sent_message_id: str | None = Field(default=None, max_length=128, index=True)
    created_at: datetime = _when(default=True)
    next_attempt_at: datetime = _when(default=True, index=True)
    sent_at: datetime | None = _when(nullable=True)


class AppState(SQLModel, table=True):
    """Install-wide values that must survive restarts (e.g. the report signing secret)."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_type=sa.Text())


class SandboxMessage(SQLModel, table=True):
    """The sandbox chat transcript: what members posted and what the bot answered."""

    __tablename__ = "sandbox_message"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str | None = Field(default=None, max_length=64, unique=True)  # bot sends: idempotency key
    chat_id: str = Field(max_length=128, index=True)
    sender_id: str = Field(max_length=128)
    sender_name: str = Field(max_length=128)
    from_bot: bool = False
    kind: str = Field(default="text", max_length=16)
    text: str = Field(sa_type=sa.Text())
    payload: str | None = Field(default=None, sa_type=sa.Text())
    created_at: datetime = _when(default=True)


# ---- incidents ------------------------------------------------------------------------------


class Incident(SQLModel, table=True):
    """One crisis in one group, from detection (`started_at`) to close."""

    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    title: str = Field(max_length=200)
    playbook: str = Field(max_length=64)
    playbook_reason: str = Field(default="", max_length=200)  # why this playbook was chosen
    level: int = 2
    status: str = Field(default="open", max_length=16, index=True)  # open | closed
    started_at: datetime = _when()
    opened_at: datetime = _when()
    closed_at: datetime | None = _when(nullable=True)
    opened_by: str = Field(default="", max_length=128)
    open_message_id: str = Field(default="", max_length=128)
    remedy: str | None = Field(default=None, sa_type=sa.Text())
    is_drill: bool = False
    # Drills run compressed: playbook deadlines and the scenario's injects are divided by this factor.
    time_scale: float = Field(default=1.0, sa_column_kwargs={"server_default": "1.0"})


class RoleAssignment(SQLModel, table=True):
    """The group's roster: kept between incidents."""

    __tablename__ = "role_assignment"
    __table_args__ = (sa.UniqueConstraint("chat_id", "role", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    role: str = Field(max_length=32)  # lead | ops | marketing | support | qa
    user_id: str = Field(max_length=128)
    user_name: str = Field(default="", max_length=128)
    assigned_by: str = Field(default="", max_length=128)
    assigned_at: datetime = _when(default=True)


class TimelineEntry(SQLModel, table=True):
    """What happened and when (event time), as the group told it."""

    __tablename__ = "timeline_entry"
    __table_args__ = (sa.UniqueConstraint("incident_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = _when(index=True)
    kind: str = Field(max_length=16)  # detection|spread|metric|action|statement|decision|note|system
    subkind: str | None = Field(default=None, max_length=32)  # e.g. initial | formal for statements
    author_id: str = Field(default="", max_length=128)
    author_name: str = Field(default="", max_length=128)
    text: str = Field(sa_type=sa.Text())
    message_id: str | None = Field(default=None, max_length=128)
    source: str = Field(default="message", max_length=16)  # message|command|system|backfill|pin
    links: str | None = Field(default=None, sa_type=sa.Text())  # JSON [{"url", "platform"}]
    recalled: bool = False
    pinned: bool = False
    classified_by: str = Field(default="rules", max_length=16,
                               sa_column_kwargs={"server_default": "rules"})  # rules | llm | llm_failed
    created_at: datetime = _when(default=True)


class MetricSample(SQLModel, table=True):
    __tablename__ = "metric_sample"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    metric: str = Field(max_length=32)
    value: float
    platform: str = Field(default="xhs", max_length=16)
    at: datetime = _when(index=True)
    source: str = Field(default="message", max_length=16)  # message | command | import
    entry_id: int | None = Field(default=None, foreign_key="timeline_entry.id")


class LevelChange(SQLModel, table=True):
    __tablename__ = "level_change"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = _when()
    from_level: int
    to_level: int
    reason: str = Field(sa_type=sa.Text())


class Evidence(SQLModel, table=True):
    """An image or file posted in the group, kept with its hash (the original post may vanish)."""

    __tablename__ = "evidence"
    __table_args__ = (sa.UniqueConstraint("message_id", "resource_key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    entry_id: int | None = Field(default=None, foreign_key="timeline_entry.id")
    message_id: str = Field(max_length=128)
    resource_key: str = Field(max_length=256)
    kind: str = Field(max_length=16)  # image | file | media | audio
    name: str = Field(default="", max_length=256)
    status: str = Field(default="pending", max_length=16, index=True)  # pending | stored | failed
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    content: bytes | None = Field(default=None, sa_type=sa.LargeBinary())
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text())
    captured_at: datetime | None = _when(nullable=True)
    next_attempt_at: datetime = _when(default=True)


class Notice(SQLModel, table=True):
    """A one-off message already sent for an incident (alerts, reminders): never twice."""

    __tablename__ = "notice"
    __table_args__ = (sa.UniqueConstraint("incident_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    key: str = Field(max_length=128)
    sent_at: datetime = _when(default=True)


class IncidentStep(SQLModel, table=True):
    """A playbook step of one incident: owners by role, a deadline from the crisis start."""

    __tablename__ = "incident_step"
    __table_args__ = (sa.UniqueConstraint("incident_id", "step_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step_id: str = Field(max_length=64)
    role: str = Field(max_length=32)
    position: int = 0  # order in the playbook
    active: bool = False  # its condition holds (level, negative share …)
    due_at: datetime | None = _when(nullable=True)
    status: str = Field(default="open", max_length=16)  # open | done
    done_at: datetime | None = _when(nullable=True)
    done_by: str | None = Field(default=None, max_length=128)
    approved_by: str | None = Field(default=None, max_length=128)
    approved_at: datetime | None = _when(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=128)
    claimed_at: datetime | None = _when(nullable=True)
    prompted_at: datetime | None = _when(nullable=True)


class Draft(SQLModel, table=True):
    """A drafted text (reply, statement, KOL brief, support script), versioned, with its lint."""

    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=16)  # reply | statement | kol | cs
    segment: str = Field(max_length=16)  # core | potential | general
    context: str = Field(default="", sa_type=sa.Text())  # what the team asked about (quoted user text …)
    version: int = 1
    text: str = Field(sa_type=sa.Text())
    source: str = Field(max_length=16)  # template | llm
    variant: int = 0  # which template variant / LLM alternative
    casual: bool = False
    score: int = 0
    findings: str = Field(default="[]", sa_type=sa.Text())  # JSON list of lint findings
    note: str = Field(default="", max_length=200)  # e.g. why the LLM was not used
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = _when(default=True)
    adopted_by: str | None = Field(default=None, max_length=128)
    adopted_at: datetime | None = _when(nullable=True)


class StatementLint(SQLModel, table=True):
    """The lint of a public statement the team logged (kept for the retrospective)."""

    __tablename__ = "statement_lint"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="timeline_entry.id", unique=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    score: int
    findings: str = Field(sa_type=sa.Text())  # JSON list
    has_remedy: bool = False


class ActionItem(SQLModel, table=True):
    """An improvement action from an incident, with owners and a due date, followed up until done."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str = Field(sa_type=sa.Text())
    owners: str = Field(default="[]", sa_type=sa.Text())  # JSON list of user ids
    due: date | None = None
    status: str = Field(default="open", max_length=16, index=True)  # open | done | dropped
    reason: str = Field(default="", sa_type=sa.Text())
    created_by: str = Field(default="", max_length=128)
    created_at: datetime = _when(default=True)
    updated_at: datetime | None = _when(nullable=True)


# ---- follow-ups outside an incident -----------------------------------------------------------


class ChatNotice(SQLModel, table=True):
    """A one-off message for a group outside any incident (quarterly review, drill reminder): never twice."""

    __tablename__ = "chat_notice"
    __table_args__ = (sa.UniqueConstraint("chat_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=128, index=True)
    key: str = Field(max_length=128)
    sent_at: datetime = _when(default=True)


class GroupSchedule(SQLModel, table=True):
    """A group's own follow-up cadence; unset fields fall back to the settings, 0 switches it off."""

    __tablename__ = "group_schedule"

    chat_id: str = Field(max_length=128, primary_key=True)
    review_workday: int | None = None  # n-th working day of the quarter
    review_time: str | None = Field(default=None, max_length=5)  # HH:MM local
    drill_day: int | None = None  # day of the month (moved to the next working day)
    drill_time: str | None = Field(default=None, max_length=5)
    updated_by: str = Field(default="", max_length=128)
    updated_at: datetime = _when(default=True)


class DrillRun(SQLModel, table=True):
    """A drill: a scripted scenario played into a drill incident, its injects posted at their offsets."""

    __tablename__ = "drill_run"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", unique=True)
    chat_id: str = Field(max_length=128, index=True)
    scenario: str = Field(max_length=64)
    speed: float = 1.0
    status: str = Field(default="running", max_length=16, index=True)  # running | finished | stopped
    started_by: str = Field(default="", max_length=128)
    started_at: datetime = _when()
    finished_at: datetime | None = _when(nullable=True)
