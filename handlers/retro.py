"""/retro (/复盘): the retrospective now — summary card, Markdown file and report link."""

from __future__ import annotations

from bot.core.router import CommandRequest, Commands, Reply
from bot.incidents import roster
from bot.retro import documents as retro_documents
from bot.retro import flows as retro_flows
from bot.retro import messaging as retro_messaging
from handlers.common import help_text, shown_incident

commands = Commands()


@commands.command("复盘", "retro", **help_text("retro"), group_only=True)
def retro(request: CommandRequest) -> Reply:
    session = request.ctx.session
    incident = shown_incident(request)
    compiled = retro_flows.compile_retro(session, incident, request.ctx.settings, request.ctx.llm, now=request.ctx.now)
    retro_documents.request(session, incident, request.ctx.settings, now=request.ctx.now)
    leads = roster.holders(session, request.chat_id, "lead")
    return retro_messaging.retro_outputs(compiled, chat_id=request.chat_id, leads=leads)
