"""Who is who in a group: display names for member ids, so every card and report says 王运营, never ou_…

Names come from the roster (names given with /角色 mentions), and from the chat platform's member list (Feishu's
chat members; the sandbox's roster), cached in `member_name` and looked up again only when the cache is older than
`NAMES_MAX_AGE` — once per chat per expiry, however many messages arrive. A failed lookup is logged and the id
shown; it never fails a reply."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock.now import as_utc
from bot.incidents import roster
from bot.incidents.models import Incident, MemberName

log = logging.getLogger(__name__)

PLATFORM, MESSAGE = "platform", "message"  # where a cached name came from
FAILED = "failed"  # the row (user id "") that says when the chat's lookup last failed
NAMES_MAX_AGE = timedelta(hours=24)
RETRY_AFTER = timedelta(minutes=10)  # after a failed lookup, how long before asking again


def known(session: Session, chat_id: str) -> dict[str, str]:
    """Member id → name: the cached platform names, overridden by the roster's (the names the group used)."""
    cached = {
        row.user_id: row.name
        for row in session.exec(select(MemberName).where(MemberName.chat_id == chat_id, MemberName.source != FAILED))
    }
    rostered = {m.user_id: m.name for members in roster.roster(session, chat_id).values() for m in members if m.name}
    return {**cached, **rostered}


def stale(session: Session, chat_id: str, now: datetime) -> bool:
    """Whether the chat's member list is due to be asked for: never asked, or longer ago than the expiry (members
    joining or leaving make it due at once, `forget`), and no failed attempt in the last RETRY_AFTER."""
    failed = session.exec(
        select(MemberName.fetched_at).where(MemberName.chat_id == chat_id, MemberName.source == FAILED)
    ).first()
    if failed is not None and as_utc(now) - as_utc(failed) < RETRY_AFTER:
        return False
    newest = session.exec(
        sa.select(sa.func.max(MemberName.fetched_at)).where(
            MemberName.chat_id == chat_id, MemberName.source == PLATFORM
        )
    ).one()[0]
    return newest is None or as_utc(now) - as_utc(newest) > NAMES_MAX_AGE


def refresh(session: Session, chat_id: str, lookup: Callable[[str], dict[str, str]], now: datetime) -> int:
    """Ask the platform for the chat's members and cache their names; how many were stored. A failure is logged
    and backed off (RETRY_AFTER), never raised."""
    try:
        members = lookup(chat_id)
    except Exception as exc:  # the platform is down or the scope is missing: show ids, try again later
        log.warning("member names of %s not available: %s", chat_id, type(exc).__name__)
        _mark_failed(session, chat_id, now)
        return 0
    _clear_failed(session, chat_id)
    rows = {
        row.user_id: row
        for row in session.exec(select(MemberName).where(MemberName.chat_id == chat_id, MemberName.source != FAILED))
    }
    for user_id, name in members.items():
        if not user_id or not name:
            continue
        row = rows.get(user_id) or MemberName(chat_id=chat_id, user_id=user_id, name=name, fetched_at=now)
        row.name, row.fetched_at, row.source = name[:128], now, PLATFORM
        session.add(row)
    for user_id, row in rows.items():
        # left the chat: keep the last known name, but do not ask for it again until the next expiry
        if user_id not in members and row.source == PLATFORM:
            row.fetched_at = now
            session.add(row)
    session.flush()
    return len(members)


def forget(session: Session, chat_id: str) -> None:
    """Members joined or left: the next message looks the chat up again."""
    session.execute(
        sa.update(MemberName).where(MemberName.chat_id == chat_id).values(fetched_at=datetime(2000, 1, 1, tzinfo=UTC))
    )
    _clear_failed(session, chat_id)


def _mark_failed(session: Session, chat_id: str, now: datetime) -> None:
    row = session.exec(select(MemberName).where(MemberName.chat_id == chat_id, MemberName.source == FAILED)).first()
    row = row or MemberName(chat_id=chat_id, user_id="", name="", source=FAILED, fetched_at=now)
    row.fetched_at = now
    session.add(row)
    session.flush()


def _clear_failed(session: Session, chat_id: str) -> None:
    session.execute(sa.delete(MemberName).where(MemberName.chat_id == chat_id, MemberName.source == FAILED))


def learn(session: Session, chat_id: str, *, now: datetime, seen: dict[str, str]) -> None:
    """A member wrote in the group: keep the names the message itself carries (`seen`: its mentions, a sender name).
    The platform's member list is asked for outside event processing (`refresh_due`), never while a transaction
    waits on the network."""
    if chat_id:
        remember(session, chat_id, seen, now)


def chats_to_refresh(session: Session, now: datetime) -> list[str]:
    """Groups with an open incident whose member list is due to be asked for again."""
    chats = session.exec(select(Incident.chat_id).where(Incident.status == "open").distinct()).all()
    return [chat_id for chat_id in chats if stale(session, chat_id, now)]


def refresh_due(engine: Engine, lookup: Callable[[str], dict[str, str]], now: datetime) -> int:
    """Ask the platform for the member lists that are due (no transaction open while it answers); how many chats."""
    with Session(engine) as session:
        due = chats_to_refresh(session, now)
    for chat_id in due:
        log.info("looking up the member names of %s", chat_id)
        try:
            members = lookup(chat_id)
        except Exception as exc:  # the platform is down or the scope is missing: show ids, try again later
            log.warning("member names of %s not available: %s", chat_id, type(exc).__name__)
            members = None
        with Session(engine) as session:
            refresh(session, chat_id, (lambda _chat, found=members: found) if members is not None else _failing, now)
            session.commit()
    return len(due)


def _failing(chat_id: str) -> dict[str, str]:
    raise LookupError(chat_id)


def remember(session: Session, chat_id: str, seen: dict[str, str], now: datetime) -> None:
    """Names a message carried; a name the member list gave is kept over one from a message."""
    seen = {user_id: name[:128] for user_id, name in seen.items() if user_id and name}
    if not seen:
        return
    rows = {
        row.user_id: row
        for row in session.exec(
            select(MemberName).where(MemberName.chat_id == chat_id, MemberName.user_id.in_(list(seen)))
        )
    }
    for user_id, name in seen.items():
        row = rows.get(user_id)
        if row is None:
            session.add(MemberName(chat_id=chat_id, user_id=user_id, name=name, source=MESSAGE, fetched_at=now))
        elif row.source == MESSAGE and row.name != name:
            row.name, row.fetched_at = name, now
            session.add(row)
    session.flush()
