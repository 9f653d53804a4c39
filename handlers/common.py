"""What several handlers need: the incident a command is about, the library, parsing helpers that turn
parse errors into user errors, and the help text and command words kept as data under templates/."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.core.args import Args, ArgsProblem, parse_args
from bot.core.router import CommandRequest, Context, UserError
from bot.core.wording import TEMPLATES, say
from bot.followups import cadence
from bot.incidents import permissions
from bot.incidents import service as incident_service
from bot.incidents.models import Incident
from bot.library.loader import read_yaml
from bot.library.playbooks import Library
from bot.library.playbooks import load as load_playbooks


def current_incident(request: CommandRequest) -> Incident:
    incident = incident_service.for_message(request.ctx.session, request.chat_id, root_id=request.message.root_id)
    if incident is None:
        raise UserError(say("no_open_incident"))
    return incident


def shown_incident(request: CommandRequest) -> Incident:
    """The incident a report-side command is about (/状态, /复盘, /根因 …): the message's, else the chat's latest,
    even closed — the retro card asks for /根因 after /结束."""
    incident = incident_service.shown(request.ctx.session, request.chat_id, root_id=request.message.root_id)
    if incident is None:
        raise UserError(say("no_incident_yet"))
    return incident


def library(request: CommandRequest) -> Library:
    return library_of(request.ctx)


def library_of(ctx: Context) -> Library:
    return load_playbooks(ctx.settings.playbook_dir)


def parse_or_explain(raw: str, keys: dict[str, str]) -> Args:
    """Command arguments, or the parser's Chinese explanation as the reply."""
    try:
        return parse_args(raw, keys)
    except ArgsProblem as problem:
        raise UserError(str(problem)) from None


@cache
def _yaml(relative: str) -> dict[str, Any]:
    return read_yaml(TEMPLATES / relative)


def help_text(name: str) -> dict[str, str]:
    """`usage=` (Chinese), `summary=` and `english=` (the alias) of a command registration, from
    templates/help/commands.yaml."""
    entry = _yaml("help/commands.yaml")[name]
    return {"usage": entry["usage"], "summary": entry["summary"], "english": entry.get("english", "")}


def command_words(relative: str) -> dict[str, Any]:
    """The words a command family accepts (sub-commands, option keys), e.g. "incidents/command_words.yaml"."""
    return _yaml(relative)


def set_schedule(
    request: CommandRequest, raw: str, *, kind: str, keys: dict[str, str], off_words, usage: str, reply: str
) -> str:
    """`/季度复盘 设置 …` and `/演练 设置 …`: parse the options (or 关闭), set the group's schedule through the one
    cadence flow, and say when it comes next; anything unreadable gets the command's usage."""
    off = raw.strip().lower() in off_words
    args = None if off else parse_or_explain(raw, keys)
    if args is not None and args.text.strip():
        raise UserError(say(usage))
    try:
        scheduled = cadence.set_schedule(
            kind,
            request.chat_id,
            session=request.ctx.session,
            settings=request.ctx.settings,
            off=off,
            options=args.options if args else None,
            by=request.message.sender_id,
            at=request.message.created_at,
        )
    except cadence.ScheduleProblem:
        raise UserError(say(usage)) from None
    return say(reply, cadence=scheduled.cadence, upcoming=scheduled.upcoming)


def require(request: CommandRequest, action: str, *, role: str = "") -> None:
    """Refuse (with the Chinese line naming who can) when the sender may not do `action` here."""
    ctx = request.ctx
    refused = permissions.refusal(
        ctx.session,
        ctx.settings,
        ctx.reader,
        chat_id=request.chat_id,
        user_id=request.message.sender_id,
        action=action,
        role=role,
    )
    if refused is not None:
        raise UserError(refused.text)
