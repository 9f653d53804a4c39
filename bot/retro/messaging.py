"""Retro chat output: the summary card (KPIs, top losses, suggested actions, report link) and the
Markdown report as a file. Takes the compiled retro it shows; never reads or writes."""

from __future__ import annotations

from datetime import datetime

from bot.clock.format import format_duration, format_local
from bot.core import labels
from bot.core.messages import Button, ButtonRow, Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.followups import messaging as followup_messaging
from bot.incidents.roster import Member
from bot.timeline.values import format_value


def _shown(kpis: dict, data: dict) -> dict[str, str | None]:
    """The KPIs as people write them: "2小时30分钟", "860万", "65%" (None where there is no value), and the next
    quarterly review in the report's zone ("2027年1月4日 10:00")."""

    def when(value, show):
        return None if value is None else show(value)

    return {
        "first_response": when(kpis["first_response_minutes"], format_duration),
        "formal_statement": when(kpis["formal_statement_minutes"], format_duration),
        "peak_negative": when(kpis["peak_negative_ratio"], lambda v: format_value("negative_ratio", v)),
        "peak_topic_reads": when(kpis["peak_topic_reads"], lambda v: format_value("topic_reads", v)),
        "next_review": _review_time(data["next_review_at"], data["incident"]["started_at"]),
    }


def _review_time(value: str, started: str) -> str:
    at = datetime.fromisoformat(value)
    return format_local(at, at.tzinfo, year=datetime.fromisoformat(started).year)


def _link_buttons(compiled) -> tuple[Button, ...]:
    """The report page, and the retro's Feishu Doc once it exists (the first retro's Doc is linked by a message)."""
    report = Button(labels.label("buttons", "open_report"), {}, "primary", url=compiled.link)
    if not compiled.doc_url:
        return (report,)
    return (report, Button(labels.label("buttons", "open_doc"), {}, url=compiled.doc_url))


def retro_outputs(compiled, *, chat_id: str, leads: list[Member] | None = None) -> list[Outbound]:
    """The summary card and the Markdown file. Without recorded root causes the card asks the lead
    whether this was an accident or a process gap."""
    data = compiled.data
    losses = [f for f in data["findings"] if f["kind"] == "loss"][:3]
    missing_roots = not (data["root_causes"]["surface"] or data["root_causes"]["deep"])
    env = environment()
    kpis = data["kpis"]
    body = env.get_template("cards/retro.j2").render(
        incident=compiled.incident,
        kpis=kpis,
        shown=_shown(kpis, data),
        losses=losses,
        verdict_pending=data.get("verdict_pending"),
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
            ButtonRow(_link_buttons(compiled)),
        ),
        color="red" if losses else "green",
    )
    file_name = env.get_template("retro/file_name.j2").render(incident=compiled.incident).strip()
    return [
        Outbound(chat_id=chat_id, kind="card", card=card),
        Outbound(chat_id=chat_id, kind="file", file_name=file_name, content=compiled.markdown.encode("utf-8")),
    ]
