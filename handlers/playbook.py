"""/playbook list|show <id>|reload (/预案 列表|查看|重新加载)."""

from __future__ import annotations

from bot.core.labels import role as role_label
from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.library.playbooks import PlaybookError, parse
from handlers.common import command_words, help_text, library, require

commands = Commands()
WORDS = command_words("followups/command_words.yaml")
LIST, SHOW, RELOAD = WORDS["playbook_list"], WORDS["playbook_show"], WORDS["playbook_reload"]


@commands.command(
    "预案",
    "playbook",
    **help_text("playbook"),
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
        return say("playbook_show", playbook=chosen, label=role_label)
    if sub in RELOAD:
        require(request, "reload_playbooks")
        try:
            fresh = parse(request.ctx.settings.playbook_dir)
        except PlaybookError as problems:
            return say("playbook_reload_failed", problems=str(problems))
        library(request)  # refresh the cached library from the files just validated
        return say("playbook_reloaded", count=len(fresh.playbooks))
    return say("playbook_usage")
