"""Drafting replies, statements, KOL briefs and support scripts from the incident's recorded
facts: an LLM when configured (several variants, sanitised), Jinja2 templates otherwise or on
failure. Every draft is linted and stored as a version."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from functools import cache

import yaml
from sqlmodel import Session, select

from bot.core.llm import LLM
from bot.core.mentions import neutralize
from bot.core.wording import TEMPLATES, environment
from bot.drafting.lint import LintResult, lint
from bot.drafting.models import Draft
from bot.incidents.models import Incident
from bot.incidents.roster import roles_of
from bot.library.playbooks import Library
from bot.timeline import service as timeline_service

log = logging.getLogger(__name__)

TEMPLATE_VARIANTS = 3

_AT_TAG = re.compile(r"<\s*at\b[^>]*>(.*?)<\s*/\s*at\s*>|<\s*at\b[^>]*/?>", re.IGNORECASE | re.DOTALL)
_AT_ALL = re.compile(r"@\s*(所有人|all|全体成员)", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|400-?\d{3}-?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")


@dataclass(frozen=True)
class Facts:
    title: str
    playbook: str
    remedy: str | None
    qa: list[str] = field(default_factory=list)  # what QA recorded (results, reports)


@cache
def qa_words() -> tuple[str, ...]:
    """Words that make a QA member's entry a QA result (templates/drafting/facts.yaml)."""
    raw = yaml.safe_load((TEMPLATES / "drafting" / "facts.yaml").read_text(encoding="utf-8"))
    return tuple(raw["qa_words"])


def gather_facts(session: Session, incident: Incident, library: Library) -> Facts:
    """Only what the team recorded: title, scenario, the decided remedy, QA results."""
    playbook = library.playbooks.get(incident.playbook)
    qa = []
    for entry in timeline_service.entries(session, incident.id):
        if entry.recalled or entry.kind not in ("action", "note", "decision"):
            continue
        if "qa" in roles_of(session, incident.chat_id, entry.author_id) and any(w in entry.text for w in qa_words()):
            qa.append(entry.text.strip("。"))
    return Facts(
        title=incident.title,
        playbook=playbook.name if playbook else incident.playbook,
        remedy=(incident.remedy or "").strip("。") or None,
        qa=qa[-3:],
    )


def template_text(facts: Facts, kind: str, segment: str, *, variant: int, casual: bool, context: str = "") -> str:
    """`context` (what the team typed) is only used as a statement's subject when it is short."""
    template = environment().get_template(f"drafts/{kind}.j2")
    text = template.render(
        facts=facts,
        segment=segment,
        variant=variant % TEMPLATE_VARIANTS,
        casual=casual,
        context=neutralize(context.strip()),
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sanitize(text: str, *, given: str) -> str:
    """No @mentions of anyone, and no links or phone numbers that were not given to the model."""
    text = neutralize(_AT_TAG.sub(lambda m: m.group(1) or "", text))
    text = _AT_ALL.sub(r"\1", text)
    text = _URL.sub(lambda m: m.group(0) if m.group(0) in given else "", text)
    text = _PHONE.sub(lambda m: m.group(0) if m.group(0) in given else "", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def llm_texts(llm: LLM, facts: Facts, kind: str, segment: str, context: str, *, casual: bool) -> list[str] | None:
    env = environment()
    payload = {"kind": kind, "segment": segment, "facts": asdict(facts), "context": context}
    messages = [
        {"role": "system", "content": env.get_template("prompts/draft_system.j2").render(casual=casual)},
        {"role": "user", "content": env.get_template("prompts/draft_example.j2").render().strip()},
        {"role": "assistant", "content": env.get_template("prompts/draft_example_answer.j2").render().strip()},
        {"role": "user", "content": json.dumps(payload, ensure_ascii=False)},
    ]
    answer = llm.json_reply(messages, temperature=0.7)
    variants = (answer or {}).get("variants")
    if not isinstance(variants, list):
        return None
    given = json.dumps(payload, ensure_ascii=False)
    texts = [sanitize(str(v), given=given) for v in variants if isinstance(v, str) and v.strip()]
    return [t for t in texts if t] or None


def _store(
    session: Session,
    incident: Incident,
    *,
    kind: str,
    segment: str,
    context: str,
    text: str,
    source: str,
    variant: int,
    casual: bool,
    note: str,
    by: str,
) -> Draft:
    result: LintResult = lint(text, kind)
    previous = session.exec(
        select(Draft.version)
        .where(Draft.incident_id == incident.id, Draft.kind == kind)
        .order_by(Draft.version.desc())
        .limit(1)
    ).first()
    draft = Draft(
        incident_id=incident.id,
        kind=kind,
        segment=segment,
        context=context,
        version=(previous or 0) + 1,
        text=text,
        source=source,
        variant=variant,
        casual=casual,
        score=result.score,
        findings=json.dumps([finding_record(f) for f in result.findings], ensure_ascii=False),
        note=note,
        created_by=by,
    )
    session.add(draft)
    session.flush()
    return draft


def _note(name: str, **context: object) -> str:
    return environment().get_template(f"drafting/{name}.j2").render(**context).strip()


def finding_record(finding) -> dict:
    """A lint finding as stored with a draft or a statement's lint (JSON)."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "span": list(finding.span),
        "suggestion": finding.suggestion,
        "text": getattr(finding, "text", ""),
    }


def create(
    session: Session,
    incident: Incident,
    library: Library,
    llm: LLM | None,
    *,
    kind: str,
    segment: str,
    context: str,
    by: str,
    variant: int = 0,
    casual: bool = False,
) -> Draft:
    """Draft with the LLM when configured (best-scoring variant), else from templates."""
    facts = gather_facts(session, incident, library)
    note = ""
    if llm is not None:
        texts = llm_texts(llm, facts, kind, segment, context, casual=casual)
        if texts:
            scored = sorted(enumerate(texts), key=lambda pair: -lint(pair[1], kind).score)
            index, best = scored[0]
            note = _note("note_llm", count=len(texts))
            return _store(
                session,
                incident,
                kind=kind,
                segment=segment,
                context=context,
                text=best,
                source="llm",
                variant=index,
                casual=casual,
                note=note,
                by=by,
            )
        note = _note("note_fallback")
    text = template_text(facts, kind, segment, variant=variant, casual=casual, context=context)
    return _store(
        session,
        incident,
        kind=kind,
        segment=segment,
        context=context,
        text=text,
        source="template",
        variant=variant % TEMPLATE_VARIANTS,
        casual=casual,
        note=note,
        by=by,
    )


def another(
    session: Session,
    draft: Draft,
    incident: Incident,
    library: Library,
    llm: LLM | None,
    *,
    by: str,
    casual: bool | None = None,
) -> Draft:
    """换一版 (next variant) or 更口语 (casual) of an existing draft."""
    return create(
        session,
        incident,
        library,
        llm,
        kind=draft.kind,
        segment=draft.segment,
        context=draft.context,
        by=by,
        variant=draft.variant + (0 if casual else 1),
        casual=draft.casual if casual is None else casual,
    )


def adopt(session: Session, draft: Draft, *, by: str, at) -> bool:
    if draft.adopted_by:
        return False
    draft.adopted_by, draft.adopted_at = by, at
    session.add(draft)
    return True


def get_draft(session: Session, draft_id: int) -> Draft | None:
    return session.get(Draft, draft_id) if draft_id else None


def findings_of(draft: Draft) -> list[dict]:
    return json.loads(draft.findings or "[]")
