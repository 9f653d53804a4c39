"""What several handlers need: the incident a command is about, and parsing helpers that turn
parse errors into user errors."""

from __future__ import annotations

from bot.core.args import Args, ArgsProblem, parse_args
from bot.core.router import CommandRequest, Context, UserError
from bot.core.wording import say
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.library.playbooks import Library
from bot.library.playbooks import load as load_playbooks


def current_incident(request: CommandRequest) -> Incident:
    incident = incidents.for_message(request.ctx.session, request.chat_id, root_id=request.message.root_id)
    if incident is None:
        raise UserError(say("no_open_incident"))
    return incident


def library(request: CommandRequest) -> Library:
    return library_of(request.ctx)


def library_of(ctx: Context) -> Library:
    return load_playbooks(ctx.settings.playbook_dir)


def author_name(request: CommandRequest) -> str:
    return request.message.sender_name


def parse_or_explain(raw: str, keys: dict[str, str]) -> Args:
    """Command arguments, or the parser's Chinese explanation as the reply."""
    try:
        return parse_args(raw, keys)
    except ArgsProblem as problem:
        raise UserError(str(problem)) from None
