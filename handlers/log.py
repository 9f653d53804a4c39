"""The timeline: every message is logged; /log (/记录) logs explicitly; /statement (/声明) records a
public response; recalls are marked; a pin reaction adds a message at its original time."""

from __future__ import annotations

from bot.core.messages import Inbound, Outbound, Reacted, Recalled
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.timeline import service as timeline_service
from bot.timeline.flows import log_and_announce, pin_message
from handlers.common import current_incident, help_text

commands = Commands()

STATEMENT_KINDS = {"initial": "initial", "初步": "initial", "formal": "formal", "正式": "formal"}


@commands.on_message
def log_message(message: Inbound, ctx: Context) -> Reply:
    if message.chat_type != "group":
        return None
    return log_and_announce(ctx.session, message, settings=ctx.settings, now=ctx.now).notes


@commands.command("记录", "log", **help_text("log"), group_only=True)
def log_explicitly(request: CommandRequest) -> Reply:
    if not request.args:
        raise UserError(say("log_needs_text"))
    ctx = request.ctx
    announced = log_and_announce(
        ctx.session,
        request.message,
        settings=ctx.settings,
        now=ctx.now,
        incident=current_incident(request),
        source="command",
        text=request.args,
    )
    entry = announced.logged.entry
    if entry is None:
        return None
    return [say("logged", entry=entry, settings=ctx.settings), *announced.notes]


@commands.command(
    "声明",
    "statement",
    **help_text("statement"),
    group_only=True,
)
def record_statement(request: CommandRequest) -> Reply:
    word, _, text = request.args.partition(" ")
    kind = STATEMENT_KINDS.get(word.lower())
    if kind is None or not text.strip():
        raise UserError(say("statement_usage"))
    ctx, incident = request.ctx, current_incident(request)
    announced = log_and_announce(
        ctx.session,
        request.message,
        settings=ctx.settings,
        now=ctx.now,
        incident=incident,
        source="command",
        text=text.strip(),
        kind="statement",
        subkind=kind,
    )
    entry = announced.logged.entry
    if entry is None:
        return None
    reply = say("statement_recorded", kind=kind, entry=entry, incident=incident, at=entry.at, settings=ctx.settings)
    return [reply, *announced.notes]


@commands.on(Recalled)
def mark_recalled(event: Recalled, ctx: Context) -> Reply:
    timeline_service.mark_recalled(ctx.session, event.message_id)
    return None


@commands.on(Reacted)
def pin_by_reaction(event: Reacted, ctx: Context) -> Reply:
    pinned = pin_message(ctx.session, event, reader=ctx.reader, settings=ctx.settings, now=ctx.now)
    if pinned is None:
        return None
    text = say("pinned", entry=pinned.entry, settings=ctx.settings)
    return [Outbound(chat_id=pinned.message.chat_id, text=text, reply_to=pinned.message.message_id), *pinned.notes]
