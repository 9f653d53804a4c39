"""Retro chat output: the summary card (KPIs, top losses, suggested actions, report link) and the
Markdown report as a file. Takes the compiled retro it shows; never reads or writes."""

from __future__ import annotations

from bot.core import labels
from bot.core.messages import Button, ButtonRow, Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.followups import messaging as followup_messaging
from bot.incidents.roster import Member


def retro_outputs(compiled, *, chat_id: str, leads: list[Member] | None = None) -> list[Outbound]:
    """The summary card and the Markdown file. Without recorded root causes the card asks the lead
    whether this was an accident or a process gap."""
    data = compiled.data
    losses = [f for f in data["findings"] if f["kind"] == "loss"][:3]
    missing_roots = not (data["root_causes"]["surface"] or data["root_causes"]["deep"])
    env = environment()
    body = env.get_template("cards/retro.j2").render(
        incident=compiled.incident,
        kpis=data["kpis"],
        losses=losses,
        link=compiled.link,
        level=data["incident"]["level"],
        missing_roots=missing_roots,
        leads=leads or [],
    )
    card = Card(
        title=say("retro_title", incident=compiled.incident),
        blocks=(
            Markdown(body.strip()),
            *followup_messaging.suggestion_block(list(compiled.suggested), compiled.incident.id),
            ButtonRow((Button(labels.label("buttons", "open_report"), {}, "primary", url=compiled.link),)),
        ),
        color="red" if losses else "green",
    )
    file_name = env.get_template("retro/file_name.j2").render(incident=compiled.incident).strip()
    return [
        Outbound(chat_id=chat_id, kind="card", card=card),
        Outbound(chat_id=chat_id, kind="file", file_name=file_name, content=compiled.markdown.encode("utf-8")),
    ]
