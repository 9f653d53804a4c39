"""/retro (/复盘): the retrospective now — summary card, Markdown file and report link."""

from __future__ import annotations

from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.incidents import messaging as views
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.retro import flows as retrospective

commands = Commands()


@commands.command(
    "retro",
    "复盘",
    usage="/retro",
    summary="生成复盘报告：摘要卡片 + Markdown 文件 + 完整报告链接（事件进行中也可用）",
    group_only=True,
)
def retro(request: CommandRequest) -> Reply:
    session = request.ctx.session
    incident = incidents.for_message(session, request.chat_id, root_id=request.message.root_id) or (
        incidents.latest(session, request.chat_id)
    )
    if incident is None:
        raise UserError(say("no_incident_yet"))
    compiled = retrospective.compile_retro(session, incident, request.ctx.settings, request.ctx.llm)
    leads = roster.holders(session, request.chat_id, "lead")
    return views.retro_outputs(compiled, chat_id=request.chat_id, leads=leads)
