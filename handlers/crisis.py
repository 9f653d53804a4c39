"""/crisis open|close (/危机 开启|结束, /结束) and /status (/状态)."""

from __future__ import annotations

from bot.clock import parse as time_parse
from bot.core.messages import Button, ButtonRow, Card, CardAction, Markdown, Outbound
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.drills import run as drill_run
from bot.incidents import flows as incident_flows
from bot.incidents import permissions
from bot.incidents.models import Incident
from bot.library.playbooks import Library
from handlers.common import (
    command_words,
    current_incident,
    help_text,
    library,
    library_of,
    parse_or_explain,
    shown_incident,
)

commands = Commands()
WORDS = command_words("incidents/command_words.yaml")


@commands.command("危机", "crisis", **help_text("crisis"), group_only=True)
def crisis(request: CommandRequest) -> Reply:
    sub, _, rest = request.args.partition(" ")
    if sub.lower() in WORDS["open"]:
        return open_incident(request, rest.strip())
    if sub.lower() in WORDS["close"]:
        return close_incident(request)
    return say("crisis_usage")


@commands.command("结束", **help_text("结束"), group_only=True, hidden=True)
def close_shortcut(request: CommandRequest) -> Reply:
    return close_incident(request)


def open_incident(request: CommandRequest, raw: str) -> Reply:
    ctx, message = request.ctx, request.message
    lib = library(request)
    args = parse_or_explain(raw, WORDS["open_keys"])
    title = args.text.strip()
    if not title:
        raise UserError(say("open_needs_title"))
    playbook = _playbook_id(args.options.get("type"), lib)
    level = _level(args.options.get("level"))
    since = None
    if "since" in args.options:
        try:
            since = time_parse.parse_since(args.options["since"], now=message.created_at, tz=ctx.settings.tz)
        except time_parse.TimeProblem as problem:
            raise UserError(str(problem)) from None
    return incident_flows.open_from_command(
        ctx.session,
        settings=ctx.settings,
        library=lib,
        reader=ctx.reader,
        chat_id=request.chat_id,
        title=title,
        playbook=playbook,
        level=level,
        since=since,
        another=args.options.get("new", "").lower() in WORDS["yes_words"],
        remedy=args.options.get("remedy") or None,
        opened_at=message.created_at,
        opened_by=message.sender_id,
        opened_by_name=message.sender_name,
        message_id=message.message_id,
    )


def _playbook_id(word: str | None, lib: Library) -> str | None:
    """A playbook named by id or Chinese name; None when not given."""
    if word is None:
        return None
    for playbook in lib.playbooks.values():
        if word in (playbook.id, playbook.name):
            return playbook.id
    raise UserError(say("unknown_playbook", word=word, playbooks=list(lib.playbooks.values())))


def _level(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = raw.strip().removesuffix(WORDS["level_suffix"])
    if value not in WORDS["levels"]:
        raise UserError(say("bad_level", value=raw))
    return WORDS["levels"][value]


def close_incident(request: CommandRequest) -> Reply:
    """Closing belongs to the lead (permissions.yaml): anyone else's /结束 asks the lead on a card."""
    incident = current_incident(request)
    ctx, message = request.ctx, request.message
    refused = _close_refusal(ctx, request.chat_id, message.sender_id)
    if refused is not None:
        return _close_request_card(request.chat_id, incident, message.sender_id, refused)
    return _close(
        ctx,
        incident,
        at=message.created_at,
        by=message.sender_id,
        by_name=message.sender_name,
        message_id=message.message_id,
    )


def _close_refusal(ctx: Context, chat_id: str, user_id: str) -> permissions.Refusal | None:
    return permissions.refusal(ctx.session, ctx.settings, ctx.reader, chat_id=chat_id, user_id=user_id, action="close")


def _close(ctx: Context, incident, *, at, by: str, by_name: str, message_id: str) -> Reply:
    return [
        *incident_flows.close_from_command(
            ctx.session,
            incident,
            settings=ctx.settings,
            llm=ctx.llm,
            at=at,
            by=by,
            by_name=by_name,
            message_id=message_id,
        ),
        *drill_run.closed_by_hand(ctx.session, ctx.settings, library_of(ctx), incident),
    ]


def _close_request_card(chat_id: str, incident, asked_by: str, refused: permissions.Refusal) -> Outbound:
    body = Markdown(say("close_requested", incident=incident, asked_by=asked_by, refused=refused.text))
    button = Button(say("close_confirm_button"), {"action": "close_confirm", "incident": incident.id}, "danger")
    card = Card(
        title=say("close_requested_title", incident=incident), blocks=(body, ButtonRow((button,))), color="orange"
    )
    return Outbound(chat_id=chat_id, kind="card", card=card)


@commands.action("close_confirm")
def confirm_close(action: CardAction, ctx: Context) -> Reply:
    """The lead's click on the close request card closes the incident; anyone else is told who can."""
    refused = _close_refusal(ctx, action.chat_id, action.user_id)
    if refused is not None:
        raise UserError(refused.text)
    incident = ctx.session.get(Incident, action.value.get("incident"))
    if incident is None or incident.chat_id != action.chat_id or incident.closed_at is not None:
        return None  # already closed (a double click, or closed by /结束 meanwhile)
    return _close(ctx, incident, at=action.created_at, by=action.user_id, by_name="", message_id="")


@commands.command("状态", "status", **help_text("status"), group_only=True)
def status(request: CommandRequest) -> Reply:
    session = request.ctx.session
    incident = shown_incident(request)
    settings, now = request.ctx.settings, request.message.created_at
    return incident_flows.status_card(session, incident, library=library(request), settings=settings, now=now)
