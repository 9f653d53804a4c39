"""/draft (/草拟) with its card buttons 采用 / 换一版 / 更口语, and /remedy (/补救)."""

from __future__ import annotations

from bot.comments.phrases import phrases as comment_phrases
from bot.core.args import row_id
from bot.core.messages import CardAction
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.drafting import drafts
from bot.drafting import flows as drafting_flows
from bot.drafting import messaging as drafting_messaging
from bot.drafting.models import Draft
from bot.incidents.models import Incident
from handlers.common import command_words, current_incident, help_text, library, library_of, parse_or_explain

commands = Commands()
WORDS = command_words("drafting/command_words.yaml")


@commands.command("草拟", "draft", **help_text("draft"), group_only=True)
def draft(request: CommandRequest) -> Reply:
    args = parse_or_explain(request.args, WORDS["draft_keys"])
    kind = WORDS["kinds"].get(args.words[0].lower()) if args.words else None
    if kind is None:
        raise UserError(say("draft_usage"))
    segment = WORDS["segments"].get(args.options.get("segment", "general").lower())
    if segment is None:
        raise UserError(say("draft_bad_segment", word=args.options["segment"]))
    incident = current_incident(request)
    made = drafts.create(
        request.ctx.session,
        incident,
        library(request),
        request.ctx.llm,
        kind=kind,
        segment=segment,
        context=args.rest(1).strip(),
        by=request.message.sender_id,
        phrases=comment_phrases(request.ctx.settings.playbook_dir),
    )
    return drafting_messaging.draft_card(made, chat_id=incident.chat_id)


def _phrases(ctx: Context):
    return comment_phrases(ctx.settings.playbook_dir)


def _pressed(action: CardAction, ctx: Context) -> tuple[Draft, Incident]:
    found = drafting_flows.pressed_draft(ctx.session, row_id(action.value.get("draft")) or 0, chat_id=action.chat_id)
    if found is None:
        raise UserError(say("unknown_action"))
    return found


@commands.action("draft_adopt")
def adopt(action: CardAction, ctx: Context) -> Reply:
    made, incident = _pressed(action, ctx)
    if not drafts.adopt(ctx.session, made, by=action.user_id, at=action.created_at):
        return None
    return [
        drafting_messaging.draft_card(made, chat_id=incident.chat_id, update_message_id=action.message_id),
        say("draft_adopted", draft=made, user=action.user_id),
    ]


@commands.action("draft_next")
def next_version(action: CardAction, ctx: Context) -> Reply:
    made, incident = _pressed(action, ctx)
    fresh = drafts.another(
        ctx.session, made, incident, library_of(ctx), ctx.llm, by=action.user_id, phrases=_phrases(ctx)
    )
    return drafting_messaging.draft_card(fresh, chat_id=incident.chat_id)


@commands.action("draft_casual")
def more_casual(action: CardAction, ctx: Context) -> Reply:
    made, incident = _pressed(action, ctx)
    fresh = drafts.another(
        ctx.session, made, incident, library_of(ctx), ctx.llm, by=action.user_id, casual=True, phrases=_phrases(ctx)
    )
    return drafting_messaging.draft_card(fresh, chat_id=incident.chat_id)


@commands.command("补救", "remedy", **help_text("remedy"), group_only=True)
def remedy(request: CommandRequest) -> Reply:
    text = request.args.strip()
    if not text:
        raise UserError(say("remedy_usage"))
    message = request.message
    concrete = drafting_flows.record_remedy(
        request.ctx.session,
        current_incident(request),
        text,
        at=message.created_at,
        by=message.sender_id,
        by_name=message.sender_name,
        message_id=message.message_id,
    )
    return say("remedy_recorded", remedy=text, concrete=concrete)
