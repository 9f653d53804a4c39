"""/action (/改进): improvement items with owners and due dates; /action done|drop|defer <id>;
/actions lists the open ones."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import parse as eventtime
from bot.core.messages import CardAction
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.followups import action_messaging as actionviews
from bot.followups import actions
from bot.followups.models import ActionItem
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.library.roles import label
from bot.retro import compute as retro
from bot.retro import render as report
from handlers.common import current_incident, parse_or_explain

commands = Commands()
KEYS = {"due": "due", "截止": "due"}
VERBS = {"done": "done", "完成": "done", "drop": "drop", "取消": "drop", "defer": "defer", "延期": "defer"}


@commands.command(
    "action",
    "改进",
    usage="/action <改进项> @负责人 [due=YYYY-MM-DD]",
    summary="记录改进项（/改进 … 截止=）；/改进 完成|取消|延期 <编号> [原因] 更新",
    group_only=True,
)
def action(request: CommandRequest) -> Reply:
    first, _, rest = request.args.partition(" ")
    if first.lower() in VERBS and rest.strip()[:1].isdigit():
        return _update(request, VERBS[first.lower()], rest.strip())
    args = parse_or_explain(request.args, KEYS)
    text = args.text
    for mention in request.mentions:
        text = text.replace(f"@{mention.name}", "")
    text = " ".join(text.split())
    if not text:
        raise UserError(say("action_usage"))
    if not request.mentions:
        raise UserError(say("action_needs_owner"))
    due = _date(request, args.options.get("due"))
    incident = current_incident_or_latest(request)
    item = actions.create(
        request.ctx.session,
        incident,
        text=text,
        owners=[m.user_id for m in request.mentions],
        due=due,
        by=request.message.sender_id,
        at=request.message.created_at,
    )
    return say("action_created", item=item, owners=actions.owners_of(item))


def _date(request: CommandRequest, raw: str | None):
    if raw is None:
        return None
    try:
        return eventtime.parse_date(raw, today=request.message.created_at.astimezone(request.ctx.settings.tz).date())
    except eventtime.TimeProblem as problem:
        raise UserError(str(problem)) from None


def current_incident_or_latest(request: CommandRequest):
    incident = incidents.for_message(request.ctx.session, request.chat_id, root_id=request.message.root_id)
    return incident or incidents.latest(request.ctx.session, request.chat_id) or current_incident(request)


def _update(request: CommandRequest, verb: str, rest: str) -> Reply:
    number, _, tail = rest.partition(" ")
    item = request.ctx.session.get(ActionItem, int(number)) if number.isdigit() else None
    if item is None or item.chat_id != request.chat_id:
        raise UserError(say("action_unknown", number=number))
    args = parse_or_explain(tail, KEYS)
    new_due = _date(request, args.options.get("due"))
    actions.update(
        request.ctx.session, item, verb=verb, reason=args.text.strip(), at=request.message.created_at, new_due=new_due
    )
    return say("action_updated", item=item, verb=verb)


@commands.command(
    "actions", usage="/actions", summary="列出本群未完成的改进项（卡片上可直接完成或延期）", group_only=True
)
def list_actions(request: CommandRequest) -> Reply:
    return actionviews.list_card(actions.open_items(request.ctx.session, request.chat_id), chat_id=request.chat_id)


def _pressed_item(action: CardAction, ctx: Context) -> ActionItem:
    item = ctx.session.get(ActionItem, int(action.value.get("item", 0) or 0))
    if item is None or item.chat_id != action.chat_id:
        raise UserError(say("unknown_action"))
    return item


def _press(action: CardAction, ctx: Context, verb: str) -> Reply:
    item = _pressed_item(action, ctx)
    if item.status != "open":
        return None  # a double click (or a stale card) changes nothing
    actions.update(ctx.session, item, verb=verb, reason="", at=action.created_at)
    return [
        say("action_updated", item=item, verb=verb),
        actionviews.list_card(
            actions.open_items(ctx.session, action.chat_id), chat_id=action.chat_id, update_message_id=action.message_id
        ),
    ]


@commands.action("action_done")
def press_done(action: CardAction, ctx: Context) -> Reply:
    return _press(action, ctx, "done")


@commands.action("action_defer")
def press_defer(action: CardAction, ctx: Context) -> Reply:
    return _press(action, ctx, "defer")


@commands.action("retro_to_action")
def press_suggestion(action: CardAction, ctx: Context) -> Reply:
    """One click on the retro card: the recommendation becomes an item, owned by the role's members."""
    incident = incidents.get(ctx.session, int(action.value.get("incident", 0) or 0))
    recommendation = report.load_recommendations(ctx.settings.playbook_dir)["recommendations"].get(
        str(action.value.get("rec", ""))
    )
    if incident is None or incident.chat_id != action.chat_id or recommendation is None:
        raise UserError(say("unknown_action"))
    title = recommendation["title"]
    existing = next((item for item in actions.for_incident(ctx.session, incident.id) if item.text == title), None)
    if existing is not None:
        return say("action_suggestion_exists", item=existing)
    role = recommendation.get("role") or "lead"
    owners = roster.holders(ctx.session, incident.chat_id, role) or roster.holders(
        ctx.session, incident.chat_id, "lead"
    )
    if not owners:
        raise UserError(say("action_suggestion_no_owner", role=label(role), title=title))
    today = action.created_at.astimezone(ctx.settings.tz)
    if recommendation.get("within_days"):
        due = today.date() + timedelta(days=recommendation["within_days"])
    else:
        due = retro.next_review(action.created_at, ctx.settings.tz).date()
    item = actions.create(
        ctx.session,
        incident,
        text=title,
        owners=[m.user_id for m in owners],
        due=due,
        by=action.user_id,
        at=action.created_at,
    )
    return say("action_created", item=item, owners=actions.owners_of(item))
