"""The optimization strategies of the report: each loss finding mapped to the recommendations that answer it
(`retro/recommendations.yaml` of the playbook folder, `bot.library.recommendations`), the standing ones, and the
team's own action items matched to them by their `match` words."""

from __future__ import annotations

import re

from bot.core import labels
from bot.library.recommendations import Recommendations
from bot.retro.phrases import word

_STEP_EVIDENCE = re.compile(r"^([a-z][a-z0-9_]*)：")  # step_missed evidence: "formal_statement：截止 13:10，…"


def optimization(retro: dict, recommendations: dict) -> list[dict]:
    """The optimization strategies: for each loss the recommendations it maps to (step_missed by the step it names,
    unknown codes by `default`), then the standing ones, each once with the losses it answers. The team's actions
    (`retro["actions"]`) are attached to the recommendation whose `match` words fit them best (one not listed yet
    joins the list), or listed on their own. Items: id (None for an action on its own), area, title, text, role,
    role_label, within_days, due_at_review, because (loss findings), standing, actions, source
    ("loss" | "standing" | "action")."""
    book = Recommendations.model_validate(recommendations)
    items: dict[str, dict] = {}

    def add(rid: str, *, source: str, because: dict | None = None) -> dict:
        if rid not in items:
            rec = book.recommendations[rid]
            items[rid] = _item(rid, rec.area, rec.title, rec.text, rec.role, rec.within_days, rec.due_at_review, source)
        if because is not None and because not in items[rid]["because"]:
            items[rid]["because"].append(because)
        return items[rid]

    for loss in (f for f in retro.get("findings", []) if f.get("kind") == "loss"):
        for rid in recommendation_ids(loss, book):
            add(rid, source="loss", because=loss)
    for rid in book.standing:
        add(rid, source="standing")["standing"] = True

    loose: list[dict] = []
    for action in retro.get("actions", []):
        rid = _best_match(
            action, [(i["id"], book.recommendations[i["id"]].match) for i in items.values()]
        ) or _best_match(action, [(r, rec.match) for r, rec in book.recommendations.items()])
        if rid is None:
            item = _item(None, word("team_item_area"), action.get("text", ""), "", None, None, False, "action")
            loose.append(item)
        else:
            item = add(rid, source="action")
        item["actions"].append(action)
    return list(items.values()) + loose


def _item(
    rid: str | None,
    area: str,
    title: str,
    text: str,
    role: str | None,
    within_days: int | None,
    due_at_review: bool,
    source: str,
) -> dict:
    return {
        "id": rid,
        "area": area,
        "title": title,
        "text": text,
        "role": role,
        "role_label": labels.role(role) if role else "",
        "within_days": within_days,
        "due_at_review": due_at_review,
        "because": [],
        "standing": False,
        "actions": [],
        "source": source,
    }


def recommendation_ids(loss: dict, recommendations: Recommendations) -> list[str]:
    """The recommendation ids answering one loss finding."""
    code = loss.get("code", "")
    if code == "step_missed":
        match = _STEP_EVIDENCE.match(loss.get("evidence", ""))
        if match and match.group(1) in recommendations.steps:
            return recommendations.steps[match.group(1)]
    return recommendations.losses.get(code) or recommendations.default


def _best_match(action: dict, candidates: list[tuple[str, list[str]]]) -> str | None:
    """The id whose `match` words cover most of the action's text (longer words are more specific); the first
    one on a tie; None when no word matches."""
    text = action.get("text", "").lower()
    best, best_score = None, 0
    for rid, words in candidates:
        score = sum(len(w) for w in words if w.lower() in text)
        if score > best_score:
            best, best_score = rid, score
    return best
