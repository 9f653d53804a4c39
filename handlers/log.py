"""The timeline: every message is logged; /log (/记录) logs explicitly; /statement (/声明) records a
public response; recalls are marked; a pin reaction adds a message at its original time."""

from __future__ import annotations

from bot.core.messages import Inbound, Outbound, Reacted, Recalled
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.incidents import messaging as views
from bot.incidents import service as incidents
from bot.library.lexicon import load as load_lexicon
from bot.timeline import ingest as conversation
from bot.timeline import service as timeline
from handlers.common import current_incident, library_of

commands = Commands()

STATEMENT_KINDS = {"initial": "initial", "初步": "initial", "formal": "formal", "正式": "formal"}


def _announce(ctx: Context, logged: conversation.Logged) -> list[Outbound]:
    """Severity announcements and step completions that logging a message caused."""
    if logged.incident is None:
        return []
    texts = views.announcements(
        ctx.session, logged.incident, logged.findings, settings=ctx.settings, library=library_of(ctx)
    )
    if logged.statement_lint is not None:
        check = views.statement_check(logged.statement_lint)
        if check:
            texts.append(check)
    notes = [Outbound(chat_id=logged.incident.chat_id, text=text) for text in texts]
    return notes + views.completion_notes(
        ctx.session, logged.incident, logged.completions, settings=ctx.settings, now=ctx.now
    )


@commands.on_message
def log_message(message: Inbound, ctx: Context) -> Reply:
    if message.chat_type != "group":
        return None
    return _announce(ctx, conversation.log_message(ctx.session, message, settings=ctx.settings))


@commands.command(
    "log", "记录", usage="/log <内容>", summary="补充一条时间线记录（其他消息也会自动记录）", group_only=True
)
def log_explicitly(request: CommandRequest) -> Reply:
    if not request.args:
        raise UserError(say("log_needs_text"))
    incident = current_incident(request)
    logged = conversation.log_message(
        request.ctx.session,
        request.message,
        settings=request.ctx.settings,
        incident=incident,
        source="command",
        text=request.args,
    )
    if logged.entry is None:
        return None
    return [say("logged", entry=logged.entry, settings=request.ctx.settings), *_announce(request.ctx, logged)]


@commands.command(
    "statement",
    "声明",
    usage="/statement initial|formal <内容>",
    summary="记录对外回应：初步回应或正式声明（也可发“【初步回应】…”“【正式声明】…”）",
    group_only=True,
)
def record_statement(request: CommandRequest) -> Reply:
    word, _, text = request.args.partition(" ")
    kind = STATEMENT_KINDS.get(word.lower())
    if kind is None or not text.strip():
        raise UserError(say("statement_usage"))
    incident = current_incident(request)
    logged = conversation.log_message(
        request.ctx.session,
        request.message,
        settings=request.ctx.settings,
        incident=incident,
        source="command",
        text=text.strip(),
        kind="statement",
        subkind=kind,
    )
    if logged.entry is None:
        return None
    return [
        say(
            "statement_recorded",
            kind=kind,
            entry=logged.entry,
            incident=incident,
            at=logged.entry.at,
            settings=request.ctx.settings,
        ),
        *_announce(request.ctx, logged),
    ]


@commands.on(Recalled)
def mark_recalled(event: Recalled, ctx: Context) -> Reply:
    timeline.mark_recalled(ctx.session, event.message_id)
    return None


@commands.on(Reacted)
def pin_by_reaction(event: Reacted, ctx: Context) -> Reply:
    lexicon = load_lexicon(ctx.settings.playbook_dir)
    if event.emoji not in lexicon.pin_reactions or ctx.reader is None:
        return None
    message = ctx.reader.fetch(event.message_id)
    if message is None:
        return None
    incident = incidents.for_message(ctx.session, message.chat_id, root_id=message.root_id)
    if incident is None:
        return None
    existing = timeline.by_message(ctx.session, incident.id, message.message_id)
    if existing is not None:
        if existing.pinned:
            return None
        existing.pinned = True
        ctx.session.add(existing)
        entry, logged = existing, None
    else:
        logged = conversation.log_message(
            ctx.session, message, settings=ctx.settings, incident=incident, source="pin", pinned=True
        )
        entry = logged.entry
    if entry is None:
        return None
    note = Outbound(
        chat_id=message.chat_id, text=say("pinned", entry=entry, settings=ctx.settings), reply_to=message.message_id
    )
    return [note, *(_announce(ctx, logged) if logged else [])]
