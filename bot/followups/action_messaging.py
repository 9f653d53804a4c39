"""Cards for action items: the open list with 完成 / 延期一周 buttons, and the retro's recommendations that one
click turns into items."""

from __future__ import annotations

from bot.core.messages import Button, ButtonRow, Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.followups import actions
from bot.followups.models import ActionItem

MAX_BUTTON_ROWS = 10  # keep the card short; the rest are listed without buttons


def list_card(items: list[ActionItem], *, chat_id: str, update_message_id: str = "") -> Outbound:
    body = Markdown(say("action_list", items=[(item, actions.owners_of(item)) for item in items]))
    rows = [
        ButtonRow(
            (
                Button(f"#{item.id} 完成", {"action": "action_done", "item": item.id}, "primary"),
                Button(f"#{item.id} 延期一周", {"action": "action_defer", "item": item.id}),
            )
        )
        for item in items[:MAX_BUTTON_ROWS]
    ]
    card = Card(
        title=say("action_list_title", count=len(items)), blocks=(body, *rows), color="orange" if items else "green"
    )
    return Outbound(chat_id=chat_id, kind="card", card=card, update_message_id=update_message_id)


def suggestions(optimization: list[dict], *, limit: int = 3) -> list[dict]:
    """The recommendations worth a button: answers to this incident's losses first, then the standing ones,
    leaving out those the team already has an item for."""
    open_recs = [item for item in optimization if item["id"] and not item["actions"]]
    open_recs.sort(key=lambda item: item["source"] != "loss")
    return open_recs[:limit]


def suggestion_block(suggested: list[dict], incident_id: int) -> tuple:
    if not suggested:
        return ()
    text = environment().get_template("cards/retro_suggestions.j2").render(suggested=suggested).strip()
    buttons = ButtonRow(
        tuple(
            Button(
                f"转为改进项：{item['title'][:12]}",
                {"action": "retro_to_action", "incident": incident_id, "rec": item["id"]},
            )
            for item in suggested
        )
    )
    return Markdown(text), buttons
