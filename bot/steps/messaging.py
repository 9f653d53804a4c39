"""Step wording: the step lines of status and role cards, the role card with its buttons, reminder /
overdue / escalation notices and completion notes. Takes the data it shows; never reads or writes."""

from __future__ import annotations

from datetime import datetime

from bot.clock.format import format_duration, format_local
from bot.config import Settings
from bot.core import labels
from bot.core.messages import Button, ButtonRow, Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.incidents.models import Incident
from bot.incidents.roster import Member, escalation_targets
from bot.library.playbooks import Playbook
from bot.steps import states
from bot.steps.models import IncidentStep
from bot.steps.service import Completion

COLORS = {1: "red", 2: "orange"}  # card colour per incident level
SILENT = ("already", "not_active")  # completion outcomes that say nothing


def role_card_ref(incident_id: int, role: str) -> str:
    """The outbox ref of a role's step card: one live card per role per incident, updated in place."""
    return f"incident:{incident_id}:steps:{role}"


def _render(name: str, **context: object) -> str:
    return environment().get_template(f"{name}.j2").render(**context).strip()


def step_state(row: IncidentStep, *, now: datetime, tz, closed_at: datetime | None = None) -> str:
    """The step's state (`bot.steps.states`) as a card says it: time left or over while the incident is open, the
    final state once it is closed (`closed_at`)."""
    left = (row.due_at - now).total_seconds() / 60 if row.due_at else 0.0
    done_at = format_local(row.done_at, tz, now=now) if row.done_at else ""
    state = states.of_row(row, closed_at or now)
    final = states.word(state, closed=True) if closed_at else ""
    return _render("steps/state", state=state, final=final, done_at=done_at, left=left, over=-left)


def step_lines(
    playbook: Playbook,
    rows: list[IncidentStep],
    *,
    members: dict[str, list[Member]],
    settings: Settings,
    now: datetime,
    closed_at: datetime | None = None,
) -> list[dict]:
    """One line per step row: the step, its role and owners, deadline and state (final once `closed_at`)."""
    lines = []
    for row in rows:
        step = playbook.step(row.step_id)
        if step is None:
            continue
        lines.append(
            {
                "row": row,
                "step": step,
                "role": labels.role(row.role),
                "owners": members.get(row.role, []),
                "due": format_local(row.due_at, settings.tz, now=now) if row.due_at else "",
                "state": step_state(row, now=now, tz=settings.tz, closed_at=closed_at),
                "approver": labels.role(step.approver) if step.approver else "",
            }
        )
    return lines


def role_card(
    incident: Incident,
    playbook: Playbook,
    role: str,
    rows: list[IncidentStep],
    *,
    members: dict[str, list[Member]],
    lead_role: str,
    settings: Settings,
    now: datetime,
) -> Outbound:
    """One card per role: its active steps (`rows`) with deadline, hint, owners, state and buttons. The role's
    live card: a later version updates the one in the chat in place."""
    lines = step_lines(playbook, rows, members=members, settings=settings, now=now)
    body = (
        environment()
        .get_template("cards/role_steps.j2")
        .render(
            incident=incident,
            lines=lines,
            role=labels.role(role),
            owners=members.get(role, []),
            leads=members.get(lead_role, []),
            lead_label=labels.role(lead_role),
        )
    )
    blocks: list = [Markdown(body.strip())]
    open_lines = [(number, line) for number, line in enumerate(lines, 1) if line["row"].status == "open"]
    for number, line in open_lines:
        value = {"incident": incident.id, "step": line["row"].step_id, "role": role}
        blocks.append(
            ButtonRow(
                tuple(
                    Button(
                        _render("steps/step_button", action=action, number=number if len(open_lines) > 1 else 0),
                        {"action": action, **value},
                        style,
                    )
                    for action, style in (("step_claim", "default"), ("step_done", "primary"), ("step_help", "danger"))
                )
            )
        )
    card = Card(
        title=say("role_card_title", incident=incident, role=labels.role(role)),
        blocks=tuple(blocks),
        color=COLORS.get(incident.level, "blue"),
    )
    return Outbound(
        chat_id=incident.chat_id,
        kind="card",
        card=card,
        ref=role_card_ref(incident.id, role),
        live="latest",
    )


def stage_notice(
    incident: Incident,
    playbook: Playbook,
    due,
    *,
    members: dict[str, list[Member]],
    lead_role: str,
    settings: Settings,
    now: datetime,
) -> Outbound:
    """The reminder, overdue notice or escalation (`due.stage`) of one step."""
    row, step = due.row, playbook.step(due.row.step_id)
    text = say(
        f"step_{due.stage}",
        step=step,
        row=row,
        role=labels.role(row.role),
        late=due.late,
        owners=members.get(row.role, []),
        leads=escalation_targets(members, lead_role),
        lead_label=labels.role(lead_role),
        due=format_local(row.due_at, settings.tz, now=now),
        left=format_duration(max(0.0, (row.due_at - now).total_seconds() / 60)),
        over=format_duration(max(0.0, (now - row.due_at).total_seconds() / 60)),
    )
    return Outbound(chat_id=incident.chat_id, text=text)


def completion_note(
    incident: Incident, playbook: Playbook, completion: Completion, *, settings: Settings, now: datetime
) -> Outbound:
    """A short confirmation of one completed step: when, how long after the start, on time or not."""
    row = completion.row
    step = playbook.step(row.step_id)
    minutes = (row.done_at - incident.started_at).total_seconds() / 60
    return Outbound(
        chat_id=incident.chat_id,
        text=say(
            "step_completed",
            step=step,
            row=row,
            outcome=completion.outcome,
            at=format_local(row.done_at, settings.tz, now=now),
            since=format_duration(minutes),
            met=row.due_at is not None and row.done_at <= row.due_at,
            approver=labels.role(step.approver) if step and step.approver else "",
        ),
    )


def help_request(user_id: str, playbook: Playbook, row: IncidentStep, *, leads: list[Member]) -> str:
    """The 需要帮助 button's message: the step, the person asking, the lead @mentioned."""
    return say("step_help", user=user_id, step=playbook.step(row.step_id), leads=leads)
