"""/root surface|deep (/根因 表层|深层): root-cause notes for the retrospective."""

from __future__ import annotations

from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.timeline import service as timeline_service
from handlers.common import command_words, help_text, shown_incident

commands = Commands()
SIDES = command_words("incidents/command_words.yaml")["root_sides"]


@commands.command("根因", "root", **help_text("root"), group_only=True)
def root_cause(request: CommandRequest) -> Reply:
    word, _, text = request.args.partition(" ")
    side = SIDES.get(word.lower())
    if side is None or not text.strip():
        raise UserError(say("root_usage"))
    incident = shown_incident(request)  # also after /结束: the retro card asks for root causes then
    message = request.message
    timeline_service.add(
        request.ctx.session,
        incident,
        at=message.created_at,
        kind="note",
        subkind=side,
        text=text.strip(),
        author_id=message.sender_id,
        author_name=message.sender_name,
        message_id=message.message_id,
        source="command",
    )
    return say("root_recorded", deep=side == "root_deep", text=text.strip())
