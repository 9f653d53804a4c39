"""Optional LLM refinement of the timeline: entries the lexicon rules could only call `note` are
shown to the LLM, which may give them a better kind. Runs in its own worker, never in event
processing, and only when an LLM is configured."""

from __future__ import annotations

import json
import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.llm import LLM
from bot.core.wording import environment
from bot.timeline.models import TimelineEntry

log = logging.getLogger(__name__)
REFINABLE = ("detection", "spread", "action", "decision", "note")


def classify_messages(text: str) -> list[dict[str, str]]:
    system = environment().get_template("prompts/classify_entry.j2").render()
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": json.dumps({"message": text}, ensure_ascii=False)},
    ]


def refine_due(engine: Engine, llm: LLM, *, limit: int = 20) -> int:
    """Ask the LLM about rule-classified notes; returns how many entries were looked at."""
    with Session(engine) as session:
        ids = session.exec(
            select(TimelineEntry.id)
            .where(
                TimelineEntry.classified_by == "rules",
                TimelineEntry.kind == "note",
                TimelineEntry.source.in_(("message", "backfill", "pin")),
                TimelineEntry.recalled.is_(False),
            )
            .order_by(TimelineEntry.id)
            .limit(limit)
        ).all()
    for entry_id in ids:
        with Session(engine) as session:
            entry = session.get(TimelineEntry, entry_id)
            answer = llm.json_reply(classify_messages(entry.text))
            kind = (answer or {}).get("kind")
            if kind in REFINABLE:
                entry.kind, entry.classified_by = kind, "llm"
            else:
                entry.classified_by = "llm_failed"
                log.info("LLM gave no usable kind for timeline entry %s: %r", entry_id, answer)
            session.add(entry)
            session.commit()
    return len(ids)
