"""/done (/完成) and the step card buttons 认领 / 完成 / 需要帮助."""

from __future__ import annotations

from bot.core.args import row_id
from bot.core.messages import CardAction, Outbound
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.incidents import service as incident_service
from bot.incidents.models import Incident
from bot.library.playbooks import Playbook
from bot.steps import flows as step_flows
from bot.steps import service as step_service
from bot.steps.models import IncidentStep
from handlers.common import current_incident, help_text, library, library_of

commands = Commands()


@commands.command("完成", "done", **help_text("done"), group_only=True)
def mark_done(request: CommandRequest) -> Reply:
    incident = current_incident(request)
    playbook = library(request).playbooks.get(incident.playbook)
    step_id = request.args.split(maxsplit=1)[0] if request.args else ""
    message = request.message
    marked = step_flows.mark_done(
        request.ctx.session,
        incident,
        playbook,
        step_id,
        at=message.created_at,
        by=message.sender_id,
        settings=request.ctx.settings,
        now=request.ctx.now,
    )
    if marked.row is None:
        raise UserError(say("unknown_step", word=step_id, rows=marked.active))
    if marked.outcome == "not_active":
        raise UserError(say("step_not_active", row=marked.row, step=playbook.step(marked.row.step_id)))
    if marked.outcome == "already":
        return say("step_already_done", row=marked.row, step=playbook.step(marked.row.step_id))
    return marked.notes


def _incident_step(action: CardAction, ctx: Context) -> tuple[Incident, Playbook, IncidentStep]:
    incident = incident_service.get(ctx.session, row_id(action.value.get("incident")) or 0)
    if incident is None or incident.chat_id != action.chat_id:
        raise UserError(say("unknown_action"))
    playbook = library_of(ctx).playbooks.get(incident.playbook)
    row = step_service.get(ctx.session, incident.id, str(action.value.get("step", "")))
    if playbook is None or row is None:
        raise UserError(say("unknown_action"))
    return incident, playbook, row


def _card_update(ctx: Context, incident: Incident, playbook: Playbook, role: str, action: CardAction) -> Outbound:
    return step_flows.role_card(ctx.session, incident, playbook, role, settings=ctx.settings, now=action.created_at)


@commands.action("step_done")
def press_done(action: CardAction, ctx: Context) -> Reply:
    incident, playbook, row = _incident_step(action, ctx)
    notes = step_flows.done_by_button(
        ctx.session,
        incident,
        playbook,
        row,
        at=action.created_at,
        by=action.user_id,
        settings=ctx.settings,
    )
    return notes or None  # a double click changes nothing


@commands.action("step_claim")
def press_claim(action: CardAction, ctx: Context) -> Reply:
    incident, playbook, row = _incident_step(action, ctx)
    if not step_service.claim(ctx.session, row, at=action.created_at, by=action.user_id):
        return None
    return _card_update(ctx, incident, playbook, row.role, action)


@commands.action("step_help")
def press_help(action: CardAction, ctx: Context) -> Reply:
    incident, playbook, row = _incident_step(action, ctx)
    return step_flows.help_request(
        ctx.session, incident, playbook, row, user_id=action.user_id, library=library_of(ctx)
    )
