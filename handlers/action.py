"""/action (/改进): improvement items with owners and due dates; /action done|drop|defer <id>;
/actions lists the open ones."""

from __future__ import annotations

from bot import actions, eventtime, incidents
from bot.models import ActionItem
from bot.router import CommandRequest, Commands, Reply, UserError
from bot.wording import say
from handlers.common import current_incident, parse_or_explain

commands = Commands()
KEYS = {"due": "due", "截止": "due"}
VERBS = {"done": "done", "完成": "done", "drop": "drop", "取消": "drop", "defer": "defer", "延期": "defer"}


@commands.command("action", "改进", usage="/action <改进项> @负责人 [due=YYYY-MM-DD]",
                  summary="记录改进项（/改进 … 截止=）；/改进 完成|取消|延期 <编号> [原因] 更新", group_only=True)
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
    item = actions.create(request.ctx.session, incident, text=text, owners=[m.user_id for m in request.mentions],
                          due=due, by=request.message.sender_id, at=request.message.created_at)
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
    actions.update(request.ctx.session, item, verb=verb, reason=args.text.strip(), at=request.message.created_at,
                   new_due=new_due)
    return say("action_updated", item=item, verb=verb)


@commands.command("actions", usage="/actions", summary="列出本群未完成的改进项", group_only=True)
def list_actions(request: CommandRequest) -> Reply:
    items = actions.open_items(request.ctx.session, request.chat_id)
    return say("action_list", items=[(item, actions.owners_of(item)) for item in items])
