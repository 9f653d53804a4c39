"""Drafting wording: the draft card (text, lint findings, 采用 / 换一版 / 更口语 buttons) and the short
check of a statement the team logged. Takes the records it shows; never reads or writes."""

from __future__ import annotations

from bot.core import labels
from bot.core.messages import Button, ButtonRow, Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.drafting import drafts, statements
from bot.drafting.models import Draft, StatementLint


def draft_card(draft: Draft, *, chat_id: str, update_message_id: str = "") -> Outbound:
    """A draft with its lint findings; buttons until someone adopts it."""
    kind, segment = labels.label("draft_kinds", draft.kind), labels.label("segments", draft.segment)
    body = (
        environment()
        .get_template("cards/draft.j2")
        .render(
            draft=draft, kind=kind, segment=segment, findings=drafts.findings_of(draft), labels=labels.of("lint_codes")
        )
    )
    value = {"draft": draft.id}
    buttons = ButtonRow(
        (
            Button(labels.label("buttons", "draft_adopt"), {"action": "draft_adopt", **value}, "primary"),
            Button(labels.label("buttons", "draft_next"), {"action": "draft_next", **value}),
            Button(labels.label("buttons", "draft_casual"), {"action": "draft_casual", **value}),
        )
    )
    card = Card(
        title=say("draft_title", kind=kind, segment=segment, draft=draft),
        blocks=(Markdown(body.strip()),) if draft.adopted_by else (Markdown(body.strip()), buttons),
        color="green" if draft.score >= 80 else "orange",
    )
    return Outbound(chat_id=chat_id, kind="card", card=card, update_message_id=update_message_id)


def statement_check(record: StatementLint) -> str | None:
    """A short note on a logged statement's problems (None when it is clean)."""
    findings = statements.findings_of(record)
    if not findings:
        return None
    return say("statement_check", record=record, findings=findings[:3], labels=labels.of("lint_codes"))
