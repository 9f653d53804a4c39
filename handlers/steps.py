"""/done (/完成) and the step card buttons 认领 / 完成 / 需要帮助."""

from __future__ import annotations

from bot.core.messages import CardAction, Outbound
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.incidents import messaging as views
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.steps import service as steps
from handlers.common import current_incident, library, library_of

commands = Commands()


@commands.command("done", "完成", usage="/done <步骤ID>", summary="标记预案步骤完成（步骤ID见 /状态）", group_only=True)
def mark_done(request: CommandRequest) -> Reply:
    incident = current_incident(request)
    playbook = library(request).playbooks.get(incident.playbook)
    rows = steps.sync(request.ctx.session, incident, playbook) if playbook else []
    step_id = request.args.split(maxsplit=1)[0] if request.args else ""
    row = next((r for r in rows if r.step_id == step_id), None)
    if row is None:
        raise UserError(say("unknown_step", word=step_id, rows=[r for r in rows if r.active]))
    completion = steps.complete(
        request.ctx.session, incident, playbook, row, at=request.message.created_at, by=request.message.sender_id
    )
    if completion.outcome == "not_active":
        raise UserError(say("step_not_active", row=row, step=playbook.step(row.step_id)))
    if completion.outcome == "already":
        return say("step_already_done", row=row, step=playbook.step(row.step_id))
    return views.completion_notes(
        request.ctx.session, incident, [completion], settings=request.ctx.settings, now=request.ctx.now
    )


def _incident_step(action: CardAction, ctx: Context):
    incident = incidents.get(ctx.session, int(action.value.get("incident", 0) or 0))
    if incident is None or incident.chat_id != action.chat_id:
        raise UserError(say("unknown_action"))
    playbook = library_of(ctx).playbooks.get(incident.playbook)
    row = steps.get(ctx.session, incident.id, str(action.value.get("step", "")))
    if playbook is None or row is None:
        raise UserError(say("unknown_action"))
    return incident, playbook, row


def _card_update(ctx: Context, incident: Incident, playbook, role: str, action: CardAction) -> Outbound:
    return views.role_card(
        ctx.session,
        incident,
        playbook,
        role,
        settings=ctx.settings,
        now=action.created_at,
        update_message_id=action.message_id,
    )


@commands.action("step_done")
def press_done(action: CardAction, ctx: Context) -> Reply:
    incident, playbook, row = _incident_step(action, ctx)
    completion = steps.complete(ctx.session, incident, playbook, row, at=action.created_at, by=action.user_id)
    if completion.outcome in ("already", "not_active"):
        return None  # a double click changes nothing
    notes = views.completion_notes(ctx.session, incident, [completion], settings=ctx.settings, now=action.created_at)
    updates = [n for n in notes if n.update_message_id]
    if not any(u.update_message_id == action.message_id for u in updates):
        notes.append(_card_update(ctx, incident, playbook, row.role, action))
    return notes


@commands.action("step_claim")
def press_claim(action: CardAction, ctx: Context) -> Reply:
    incident, playbook, row = _incident_step(action, ctx)
    if not steps.claim(ctx.session, row, at=action.created_at, by=action.user_id):
        return None
    return _card_update(ctx, incident, playbook, row.role, action)


@commands.action("step_help")
def press_help(action: CardAction, ctx: Context) -> Reply:
    incident, playbook, row = _incident_step(action, ctx)
    lead_role = library_of(ctx).severity.levels[incident.level].lead_role
    return say(
        "step_help",
        user=action.user_id,
        step=playbook.step(row.step_id),
        leads=roster.holders(ctx.session, incident.chat_id, lead_role),
    )
