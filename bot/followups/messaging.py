"""What the group sees of its follow-ups: the action-item card (完成 / 延期一周 buttons), the retro's
recommendation buttons, and the quarterly review (a card and the full review as a Markdown file).
Data comes from `bot.followups.actions` / `bot.followups.review`; the wording is in templates
(`templates/followups/`, `messages/action_*`, `messages/review_*`, `cards/review.j2`, `report/review.md.j2`)."""

from __future__ import annotations

from datetime import datetime

from bot.clock.format import format_local
from bot.clock.quarters import Quarter
from bot.core import labels
from bot.core.messages import Button, ButtonRow, Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.followups import actions
from bot.followups.models import ActionItem

MAX_BUTTON_ROWS = 10  # keep the card short; the rest are listed without buttons


def _render(name: str, **context: object) -> str:
    """`templates/followups/<name>.j2`, one line."""
    return environment().get_template(f"followups/{name}.j2").render(**context).strip()


# --- action items ------------------------------------------------------------------------------------------------


def list_card(items: list[ActionItem], *, chat_id: str, update_message_id: str = "") -> Outbound:
    body = Markdown(say("action_list", items=[(item, actions.owners_of(item)) for item in items]))
    rows = [
        ButtonRow(
            (
                Button(_render("button_done", item=item), {"action": "action_done", "item": item.id}, "primary"),
                Button(_render("button_defer", item=item), {"action": "action_defer", "item": item.id}),
            )
        )
        for item in items[:MAX_BUTTON_ROWS]
    ]
    card = Card(
        title=say("action_list_title", count=len(items)), blocks=(body, *rows), color="orange" if items else "green"
    )
    return Outbound(chat_id=chat_id, kind="card", card=card, update_message_id=update_message_id)


def suggestion_block(suggested: list[dict], incident_id: int) -> tuple:
    """The retro card's recommendations, each with a button that turns it into an action item."""
    if not suggested:
        return ()
    text = environment().get_template("cards/retro_suggestions.j2").render(suggested=suggested).strip()
    buttons = ButtonRow(
        tuple(
            Button(
                _render("button_to_action", title=item["title"]),
                {"action": "retro_to_action", "incident": incident_id, "rec": item["id"]},
            )
            for item in suggested
        )
    )
    return Markdown(text), buttons


# --- the quarterly review ----------------------------------------------------------------------------------------


def value_text(kpi: dict, value: float | None) -> str:
    """A KPI value as shown: a share in percent, a time in minutes, "—" when there is none."""
    if value is None:
        number = None
    elif kpi["unit"] == "ratio":
        number = f"{round(value * 100, 1):g}"
    else:
        number = f"{value:g}"
    return _render("kpi_value", number=number, unit=kpi["unit"])


def _context(data: dict, *, late: bool = False) -> dict:
    quarter = Quarter.parse(data["quarter"])
    return {
        "data": data,
        "quarter": quarter,
        "verdicts": labels.of("verdicts"),
        "value_text": value_text,
        "late": late,
        "day": lambda iso: _day(iso, quarter.year),
    }


def _day(iso: str | None, year: int) -> str:
    """A time of the review's data (ISO with the local offset) the one way times are shown: "11月24日 09:10"."""
    if not iso:
        return "—"
    at = datetime.fromisoformat(iso)
    return format_local(at, at.tzinfo, year=year)


def markdown(data: dict) -> str:
    """The full review as a Markdown document (`crisisbot review`, and the file sent with the card)."""
    return environment().get_template("report/review.md.j2").render(**_context(data)).strip() + "\n"


def review_outputs(data: dict, *, chat_id: str, late: bool = False) -> list[Outbound]:
    """The review card and the Markdown file for a group."""
    context = _context(data, late=late)
    body = Markdown(environment().get_template("cards/review.j2").render(**context).strip())
    verdicts = {kpi["verdict"] for kpi in data["kpis"]}
    color = "red" if "worse" in verdicts else "green" if "improved" in verdicts else "blue"
    card = Card(title=say("review_title", quarter=context["quarter"], late=late), blocks=(body,), color=color)
    file_name = _render("review_file_name", quarter=data["quarter"])
    return [
        Outbound(chat_id=chat_id, kind="card", card=card),
        Outbound(chat_id=chat_id, kind="file", file_name=file_name, content=markdown(data).encode("utf-8")),
    ]
