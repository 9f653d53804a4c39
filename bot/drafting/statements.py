"""Public statements the team logged are linted like drafts; the result is kept for the retro."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.drafting.drafts import finding_record
from bot.drafting.lint import lint
from bot.drafting.models import StatementLint
from bot.timeline.models import TimelineEntry


def lint_statement(session: Session, entry: TimelineEntry) -> StatementLint:
    """Lint a statement entry once (a formal statement as a statement, an initial one as a reply)."""
    existing = session.exec(select(StatementLint).where(StatementLint.entry_id == entry.id)).first()
    if existing is not None:
        return existing
    result = lint(entry.text, "statement" if entry.subkind == "formal" else "reply")
    record = StatementLint(
        entry_id=entry.id,
        incident_id=entry.incident_id,
        score=result.score,
        findings=json.dumps([finding_record(f) for f in result.findings], ensure_ascii=False),
        has_remedy="no_remedy" not in result.codes,
    )
    session.add(record)
    session.flush()
    return record


def findings_of(record: StatementLint) -> list[dict]:
    return json.loads(record.findings or "[]")
