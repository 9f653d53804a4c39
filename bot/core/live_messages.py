"""Live messages: one message per `ref` kept up to date in place, such as a role's task card. Whoever queues a
version marks it `live="latest"`; at delivery the outbox sends the first version, records the transport's
message id here, and turns every later version into an in-place update of it — so an update queued before
the first version went out, or before a restart, still lands on the same message. A live message that can
no longer be edited (Feishu: older than 14 days) is sent anew; every older copy of the same ref still in the
chat (that one, or copies sent before live messages existed) is marked superseded."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlmodel import Session, select

from bot.core.messages import Card, Markdown, Outbound
from bot.core.messenger import Messenger, NotEditable
from bot.core.models import LiveMessage, OutboxMessage
from bot.core.wording import render


def get(session: Session, ref: str) -> LiveMessage | None:
    return session.exec(select(LiveMessage).where(LiveMessage.ref == ref)).first()


def shown(session: Session, ref: str) -> str | None:
    """The fingerprint of what the last queued version of `ref` shows; None when none was queued."""
    live = get(session, ref)
    return None if live is None else live.shown


def note_shown(session: Session, ref: str, fingerprint: str, *, now: datetime) -> None:
    """Record, with the version being queued, what it shows (its owner compares later states with it)."""
    live = get(session, ref) or LiveMessage(ref=ref)
    live.shown, live.updated_at = fingerprint, now
    session.add(live)


def deliver(
    session: Session, messenger: Messenger, message: Outbound, *, uuid: str, now: datetime
) -> tuple[str, list[Outbound]]:
    """Deliver a live version (or a superseded mark): the transport's message id, and the marks to queue for
    older copies still visible. Writes only after the transport accepted; the caller commits."""
    if message.live == "superseded":
        return _mark(messenger, message, uuid=uuid), []
    if not message.ref:
        return messenger.send(message, uuid=uuid), []  # nothing names it: an ordinary message
    live = get(session, message.ref)
    if live is not None and live.message_id:
        try:
            messenger.send(replace(message, update_message_id=live.message_id), uuid=uuid)
        except NotEditable:
            pass  # sent anew below; the old copy is marked with the others
        else:
            live.updated_at = now
            session.add(live)
            return live.message_id, _marks(session, message, live.message_id)
    message_id = messenger.send(replace(message, update_message_id=""), uuid=uuid)
    live = live or LiveMessage(ref=message.ref)
    live.message_id, live.sent_at, live.updated_at = message_id, now, now
    session.add(live)
    return message_id, _marks(session, message, message_id)


def mark_key(old_message_id: str) -> str:
    """The outbox key of the mark on an old copy: one mark per copy, however often it is found."""
    return f"superseded:{old_message_id}"


def _marks(session: Session, message: Outbound, live_id: str) -> list[Outbound]:
    """A superseded mark for every other copy of the ref the transport ever accepted."""
    others = session.exec(
        select(OutboxMessage.sent_message_id)
        .where(OutboxMessage.ref == message.ref, OutboxMessage.sent_message_id.is_not(None))
        .where(OutboxMessage.sent_message_id != live_id)
        .distinct()
    ).all()
    return [superseded(message, old) for old in others if old]


def superseded(message: Outbound, old_message_id: str) -> Outbound:
    """The old copy turned into a grey card saying it was replaced (no buttons, no stale times)."""
    title = message.card.title if message.card is not None else ""
    card = Card(title=title, blocks=(Markdown(render("cards/superseded")),), color="grey")
    return Outbound(
        chat_id=message.chat_id, kind="card", card=card, update_message_id=old_message_id, live="superseded"
    )


def _mark(messenger: Messenger, message: Outbound, *, uuid: str) -> str:
    """Update the old copy into its superseded form; one too old to edit gets the words as a reply under it."""
    try:
        return messenger.send(message, uuid=uuid)
    except NotEditable as exc:
        if not exc.visible:
            return ""  # recalled or gone: nothing left to mark
    reply = Outbound(chat_id=message.chat_id, text=render("cards/superseded"), reply_to=message.update_message_id)
    return messenger.send(reply, uuid=uuid)
