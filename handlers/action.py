"""/改进 (/action): improvement items with owners and due dates; /改进 完成|取消|延期 <编号>
(/action done|drop|defer <id>); /改进 列表 (/actions, /action list) lists the open ones."""

from __future__ import annotations

from bot.clock import parse as time_words
from bot.core.args import row_id
from bot.core.labels import role as role_label
from bot.core.messages import CardAction
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.followups import actions, flows, messaging
from bot.incidents import service as incidents
from handlers.common import command_words, current_incident, help_text, parse_or_explain, require

commands = Commands()
WORDS = command_words("followups/command_words.yaml")
KEYS, VERBS, LIST = WORDS["action_keys"], WORDS["action_verbs"], WORDS["action_list"]


@commands.command(
    "改进",
    "action",
    **help_text("action"),
    group_only=True,
)
def action(request: CommandRequest) -> Reply:
    first, _, rest = request.args.partition(" ")
    if first.lower() in LIST and not rest.strip():
        return list_actions(request)
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
        incident,
        session=request.ctx.session,
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
    today = request.message.created_at.astimezone(request.ctx.settings.tz).date()
    try:
        due = time_words.parse_date(raw, today=today)
    except time_words.TimeProblem as problem:
        raise UserError(str(problem)) from None
    if due < today:  # a due date already past would be stored and escalated at once
        raise UserError(say("action_due_past", due=due, today=today))
    return due


def current_incident_or_latest(request: CommandRequest):
    incident = incidents.for_message(request.ctx.session, request.chat_id, root_id=request.message.root_id)
    return incident or incidents.latest(request.ctx.session, request.chat_id) or current_incident(request)


def _update(request: CommandRequest, verb: str, rest: str) -> Reply:
    number, _, tail = rest.partition(" ")
    item = actions.find(request.chat_id, number, session=request.ctx.session)
    if item is None:
        raise UserError(say("action_unknown", number=number))
    if verb == "drop" and request.message.sender_id not in actions.owners_of(item):
        require(request, "cancel_others_action")
    args = parse_or_explain(tail, KEYS)
    new_due = _date(request, args.options.get("due"))
    actions.update(
        item,
        session=request.ctx.session,
        verb=verb,
        reason=args.text.strip(),
        at=request.message.created_at,
        new_due=new_due,
    )
    return say("action_updated", item=item, verb=verb)


@commands.command("actions", **help_text("actions"), group_only=True)
def list_actions(request: CommandRequest) -> Reply:
    return messaging.list_card(
        actions.open_items(request.chat_id, session=request.ctx.session), chat_id=request.chat_id
    )


def _press(action: CardAction, ctx: Context, verb: str) -> Reply:
    item = actions.find(action.chat_id, action.value.get("item"), session=ctx.session)
    if item is None:
        raise UserError(say("unknown_action"))
    if item.status != "open":
        return None  # a double click (or a stale card) changes nothing
    actions.update(item, session=ctx.session, verb=verb, reason="", at=action.created_at)
    return [
        say("action_updated", item=item, verb=verb),
        messaging.list_card(
            actions.open_items(action.chat_id, session=ctx.session),
            chat_id=action.chat_id,
            update_message_id=action.message_id,
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
    try:
        suggested = flows.recommendation_to_item(
            action.chat_id,
            row_id(action.value.get("incident")) or 0,
            str(action.value.get("rec", "")),
            session=ctx.session,
            settings=ctx.settings,
            by=action.user_id,
            at=action.created_at,
        )
    except flows.UnknownSuggestion:
        raise UserError(say("unknown_action")) from None
    except flows.NoOwner as problem:
        raise UserError(say("action_suggestion_no_owner", role=role_label(problem.role), title=problem.title)) from None
    if not suggested.created:
        return say("action_suggestion_exists", item=suggested.item)
    return say("action_created", item=suggested.item, owners=actions.owners_of(suggested.item))
