"""/playbook list|show <id>|reload (/预案 列表|查看|重新加载)."""

from __future__ import annotations

from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.incidents import roster
from bot.library.playbooks import PlaybookError, parse
from bot.library.roles import label
from handlers.common import library

commands = Commands()
LIST, SHOW, RELOAD = ("list", "列表"), ("show", "查看"), ("reload", "重新加载", "重载")


@commands.command(
    "playbook",
    "预案",
    usage="/playbook list|show <预案ID>|reload",
    summary="查看预案（/预案 列表 · /预案 查看 product_defect）；负责人可 /预案 重新加载",
)
def playbook(request: CommandRequest) -> Reply:
    sub, _, rest = request.args.partition(" ")
    sub = sub.lower()
    if sub in LIST or not sub:
        return say("playbook_list", playbooks=list(library(request).playbooks.values()))
    if sub in SHOW:
        lib = library(request)
        chosen = lib.playbooks.get(rest.strip()) or next(
            (p for p in lib.playbooks.values() if p.name == rest.strip()), None
        )
        if chosen is None:
            raise UserError(say("unknown_playbook", word=rest.strip(), playbooks=list(lib.playbooks.values())))
        return say("playbook_show", playbook=chosen, label=label)
    if sub in RELOAD:
        if "lead" not in roster.roles_of(request.ctx.session, request.chat_id, request.message.sender_id):
            raise UserError(say("reload_lead_only"))
        try:
            fresh = parse(request.ctx.settings.playbook_dir)
        except PlaybookError as problems:
            return say("playbook_reload_failed", problems=str(problems))
        library(request)  # refresh the cached library from the files just validated
        return say("playbook_reloaded", count=len(fresh.playbooks))
    return say("playbook_usage")
