"""/help (/帮助) and the greeting when the bot joins a group."""

from __future__ import annotations

from bot.core.messages import BotAdded, Card, Markdown
from bot.core.router import CommandRequest, Commands, Context, help_entries
from bot.core.wording import say
from handlers.common import help_text

commands = Commands()


@commands.command("帮助", "help", **help_text("help"))
def show_help(request: CommandRequest) -> str:
    return say("help", commands=help_entries(request.ctx.router))


@commands.on_bot_added
def greet(event: BotAdded, ctx: Context) -> Card:
    return Card(title=say("welcome_title"), blocks=(Markdown(say("welcome")),), color="blue")
