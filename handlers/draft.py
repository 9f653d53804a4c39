"""/draft (/草拟) with its card buttons 采用 / 换一版 / 更口语, and /remedy (/补救)."""

from __future__ import annotations

from dataclasses import replace

from bot.core.messages import CardAction
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.drafting import drafts as drafting
from bot.drafting.lint import lint
from bot.drafting.models import Draft
from bot.incidents import messaging as views
from bot.incidents import service as incidents
from bot.timeline import service as timeline
from handlers.common import current_incident, library, library_of, parse_or_explain

commands = Commands()
DRAFT_KEYS = {"segment": "segment", "分层": "segment"}


@commands.command(
    "draft",
    "草拟",
    usage="/draft reply|statement|kol|cs [segment=core|potential|general] <情况>",
    summary="起草评论区回复/正式声明/博主实测说明/客服话术并检查（/草拟 回复 分层=核心 …）",
    group_only=True,
)
def draft(request: CommandRequest) -> Reply:
    args = parse_or_explain(request.args, DRAFT_KEYS)
    kind = drafting.KINDS.get(args.words[0].lower()) if args.words else None
    if kind is None:
        raise UserError(say("draft_usage"))
    segment = drafting.SEGMENTS.get(args.options.get("segment", "general").lower())
    if segment is None:
        raise UserError(say("draft_bad_segment", word=args.options["segment"]))
    incident = current_incident(request)
    context = args.rest(1).strip()
    made = drafting.create(
        request.ctx.session,
        incident,
        library(request),
        request.ctx.llm,
        kind=kind,
        segment=segment,
        context=context,
        by=request.message.sender_id,
    )
    return _card(made, incident.chat_id)


def _card(made: Draft, chat_id: str, update_message_id: str = ""):
    return replace(views.draft_card(made, update_message_id=update_message_id), chat_id=chat_id)


def _draft_of(action: CardAction, ctx: Context) -> tuple[Draft, object]:
    made = ctx.session.get(Draft, int(action.value.get("draft", 0) or 0))
    incident = incidents.get(ctx.session, made.incident_id) if made else None
    if made is None or incident is None or incident.chat_id != action.chat_id:
        raise UserError(say("unknown_action"))
    return made, incident


@commands.action("draft_adopt")
def adopt(action: CardAction, ctx: Context) -> Reply:
    made, incident = _draft_of(action, ctx)
    if not drafting.adopt(ctx.session, made, by=action.user_id, at=action.created_at):
        return None
    return [
        _card(made, incident.chat_id, update_message_id=action.message_id),
        say("draft_adopted", draft=made, user=action.user_id),
    ]


@commands.action("draft_next")
def next_version(action: CardAction, ctx: Context) -> Reply:
    made, incident = _draft_of(action, ctx)
    fresh = drafting.another(ctx.session, made, incident, library_of(ctx), ctx.llm, by=action.user_id)
    return _card(fresh, incident.chat_id)


@commands.action("draft_casual")
def more_casual(action: CardAction, ctx: Context) -> Reply:
    made, incident = _draft_of(action, ctx)
    fresh = drafting.another(ctx.session, made, incident, library_of(ctx), ctx.llm, by=action.user_id, casual=True)
    return _card(fresh, incident.chat_id)


@commands.command(
    "remedy",
    "补救",
    usage="/remedy <补救措施>",
    summary="记录团队确定的具体补救措施（如 3天内可申请全额退款），草拟时使用",
    group_only=True,
)
def remedy(request: CommandRequest) -> Reply:
    text = request.args.strip()
    if not text:
        raise UserError(say("remedy_usage"))
    incident = current_incident(request)
    incident.remedy = text
    request.ctx.session.add(incident)
    timeline.add(
        request.ctx.session,
        incident,
        at=request.message.created_at,
        kind="decision",
        text=f"确定补救措施：{text}",
        author_id=request.message.sender_id,
        author_name=request.message.sender_name,
        message_id=request.message.message_id,
        source="command",
    )
    concrete = "no_remedy" not in lint(text, "cs").codes
    return say("remedy_recorded", remedy=text, concrete=concrete)
