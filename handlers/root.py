"""/root surface|deep (/根因 表层|深层): root-cause notes for the retrospective."""

from __future__ import annotations

from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.timeline import service as timeline
from handlers.common import current_incident

commands = Commands()
SIDES = {"surface": "root_surface", "表层": "root_surface", "deep": "root_deep", "深层": "root_deep"}


@commands.command(
    "root",
    "根因",
    usage="/root surface|deep <内容>",
    summary="记录根因：表层诱因（如博主晒出瑕疵）或深层问题（如质检流程漏洞、响应标准不清）",
    group_only=True,
)
def root_cause(request: CommandRequest) -> Reply:
    word, _, text = request.args.partition(" ")
    side = SIDES.get(word.lower())
    if side is None or not text.strip():
        raise UserError(say("root_usage"))
    incident = current_incident(request)
    message = request.message
    timeline.add(
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
