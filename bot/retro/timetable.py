"""The report's last two parts as the templates show them: the optimization strategies with their suggested due
dates, and the execution timetable (the team's actions, the recommendations nobody has taken up yet, the next
quarterly review), by date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.clock.format import format_day, format_local
from bot.core import labels, mentions
from bot.retro.phrases import word


@dataclass(frozen=True)
class Formats:
    """How the report writes times, people and user text (in the display zone, the year when not the report's)."""

    tz: tzinfo
    year: int
    names: dict[str, str]

    def when(self, value: str | None) -> str:
        """ISO time → "11月24日 09:10" in the display zone ("" for None)."""
        return format_local(datetime.fromisoformat(value), self.tz, year=self.year) if value else ""

    def day(self, value: date | str) -> str:
        return format_day(date.fromisoformat(value) if isinstance(value, str) else value, year=self.year)

    def person(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    def people(self, user_ids: list[str]) -> str:
        return word("people", names=[self.person(u) for u in user_ids]) if user_ids else ""

    def text(self, value: str) -> str:
        """User text for display: mention markers become "@name"."""
        return "".join(f"@{self.person(piece)}" if is_id else piece for piece, is_id in mentions.split(value or ""))


def strategy_view(item: dict, fmt: Formats, base_day: date, review: str) -> dict:
    if item["due_at_review"]:
        suggested = review
    else:
        suggested = fmt.day(base_day + timedelta(days=item["within_days"])) if item["within_days"] else ""
    return {
        "area": item["area"],
        "title": fmt.text(item["title"]),
        "text": item["text"],
        "role": item["role_label"],
        "standing": item["standing"],
        "source": item["source"],
        "because": [fmt.text(loss.get("text", "")) for loss in item["because"]],
        "actions": [action_view(a, fmt) for a in item["actions"]],
        "suggested_due": suggested,
    }


def action_view(action: dict, fmt: Formats) -> dict:
    return {
        "text": fmt.text(action.get("text", "")),
        "owners": fmt.people(action.get("owners") or []) or word("no_owner"),
        "due": fmt.day(action["due"]) if action.get("due") else word("no_due"),
        "status": labels.label("action_status", action.get("status", "")),
    }


def schedule(strategies: list[dict], retro: dict, fmt: Formats, base_day: date) -> list[dict]:
    """The execution timetable: the team's actions, the recommendations nobody has taken up yet (with the suggested
    role and due date), and the next quarterly review, by date."""
    rows = []
    for item in strategies:
        for action in item["actions"]:
            view = action_view(action, fmt)
            rows.append(
                {
                    **view,
                    "for": item["title"] if item["id"] else "",
                    "claimed": True,
                    "sort": action.get("due") or "9999",
                }
            )
        if not item["actions"] and item["within_days"] and not item["due_at_review"]:
            due = base_day + timedelta(days=item["within_days"])
            rows.append(
                {
                    "text": item["title"],
                    "owners": word("suggested_owner", role=item["role_label"]),
                    "due": fmt.day(due),
                    "status": word("unclaimed"),
                    "for": "",
                    "claimed": False,
                    "sort": due.isoformat(),
                }
            )
    if retro.get("next_review_at"):
        at = datetime.fromisoformat(retro["next_review_at"])
        rows.append(
            {
                "text": word("review_row"),
                "owners": labels.role("lead"),
                "due": fmt.when(retro["next_review_at"]),
                "status": word("scheduled"),
                "for": "",
                "claimed": True,
                "sort": at.date().isoformat(),
            }
        )
    rows.sort(key=lambda row: (row["sort"], not row["claimed"]))
    for row in rows:
        del row["sort"]
    return rows
