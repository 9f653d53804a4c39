"""Comments: a CSV/XLSX/JSON/JSONL file posted in the group while an incident is open is imported (the summary is
the reply, then the negative-share alert when the import pushed the curve over the line); /导入 (/import) shows
what was imported; /舆情 (/sentiment) the public's side as a card with the curve."""

from __future__ import annotations

from bot.comments import alerts as comment_alerts
from bot.comments import flows as comment_flows
from bot.comments import messaging as comment_messaging
from bot.comments.problems import ImportRefused
from bot.core.messages import Inbound
from bot.core.router import CommandRequest, Commands, Context, Reply
from bot.retro import public_card
from handlers.common import command_words, shown_incident

commands = Commands()
_help = command_words("comments/command.yaml")
_sentiment_help = command_words("comments/sentiment_command.yaml")


@commands.on_message
def import_posted_file(message: Inbound, ctx: Context) -> Reply:
    if message.chat_type != "group":
        return None
    replies = []
    for attachment in filter(comment_flows.importable, message.attachments):
        try:
            summary = comment_flows.import_posted_file(
                ctx.session, message, attachment, reader=ctx.reader, settings=ctx.settings, now=ctx.now
            )
        except ImportRefused as refused:
            replies.append(comment_messaging.refused_text(refused, name=attachment.name))
            continue
        replies.append(comment_messaging.summary_text(summary, ctx.settings))
        replies += comment_alerts.alert_messages(ctx.session, summary.incident_id, settings=ctx.settings, now=ctx.now)
    return replies


@commands.command(
    "导入", "import", usage=_help["usage"], summary=_help["summary"], english=_help["english"], group_only=True
)
def show_imports(request: CommandRequest) -> Reply:
    session = request.ctx.session
    incident = shown_incident(request)
    imported = comment_flows.imported_so_far(session, incident)
    return comment_messaging.imported_text(imported, request.ctx.settings)


@commands.command(
    "舆情",
    "sentiment",
    usage=_sentiment_help["usage"],
    summary=_sentiment_help["summary"],
    english=_sentiment_help["english"],
    group_only=True,
)
def show_sentiment(request: CommandRequest) -> Reply:
    ctx = request.ctx
    incident = shown_incident(request)
    return public_card.public_outputs(ctx.session, incident, ctx.settings, chat_id=request.chat_id, now=ctx.now)
