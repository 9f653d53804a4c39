"""Drafting replies, statements, KOL briefs and support scripts from structured facts only (bot/drafting/facts.py:
the remedy, the QA status, the batch, the question asked): an LLM when configured (several variants, sanitised
and held to the same rules as the templates), Jinja2 templates otherwise or when no variant holds. Every draft is
linted and stored as a version of its request (the first draft of a /草拟 is 第 1 版)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict

from sqlmodel import Session, select

from bot.comments.phrases import Phrases
from bot.core.llm import LLM
from bot.core.mentions import neutralize
from bot.core.wording import environment
from bot.drafting.facts import Facts, admissions_in, gather_facts
from bot.drafting.lint import LintResult, lint
from bot.drafting.models import Draft
from bot.drafting.topics import table as topic_table
from bot.incidents.models import Incident
from bot.library.playbooks import Library

__all__ = ["Facts", "gather_facts", "create", "another", "adopt", "get_draft", "findings_of", "finding_record"]

log = logging.getLogger(__name__)

TEMPLATE_VARIANTS = 3
PASSING_SCORE = 80  # a draft the bot offers passes its own lint at least this well

_AT_TAG = re.compile(r"<\s*at\b[^>]*>(.*?)<\s*/\s*at\s*>|<\s*at\b[^>]*/?>", re.IGNORECASE | re.DOTALL)
_AT_ALL = re.compile(r"@\s*(所有人|all|全体成员)", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|400-?\d{3}-?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")
_CODE = re.compile(r"[A-Za-z]*\d+(?:\.\d+)?[A-Za-z]*")  # numbers, amounts and batch codes


def template_text(facts: Facts, kind: str, segment: str, *, variant: int, casual: bool) -> str:
    template = environment().get_template(f"drafts/{kind}.j2")
    text = template.render(facts=facts, segment=segment, variant=variant % TEMPLATE_VARIANTS, casual=casual)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sanitize(text: str, *, given: str) -> str:
    """No @mentions of anyone, and no links or phone numbers that were not given to the model."""
    text = neutralize(_AT_TAG.sub(lambda m: m.group(1) or "", text))
    text = _AT_ALL.sub(r"\1", text)
    text = _URL.sub(lambda m: m.group(0) if m.group(0) in given else "", text)
    text = _PHONE.sub(lambda m: m.group(0) if m.group(0) in given else "", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def llm_payload(facts: Facts, kind: str, segment: str, context: str) -> dict:
    """What the model is given: the structured facts and the request's text (quoted data), nothing from the group."""
    return {"kind": kind, "segment": segment, "facts": asdict(facts), "context": context}


def llm_texts(llm: LLM, facts: Facts, kind: str, segment: str, context: str, *, casual: bool) -> list[str] | None:
    env = environment()
    payload = llm_payload(facts, kind, segment, context)
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


def broken_rules(text: str, facts: Facts, kind: str, context: str) -> list[str]:
    """The drafting rules a text breaks (the templates keep them by construction; an LLM's text is checked):
    owning a fault before QA confirmed it (or not owning a confirmed one), numbers or codes nobody gave, a
    statement titled with the request's own words."""
    broken = []
    admitted = admissions_in(text)
    if admitted and facts.qa != "fault":
        broken.append("admits_before_qa")
    if facts.qa == "fault" and not admitted:
        broken.append("fault_not_owned")
    given = json.dumps(llm_payload(facts, kind, "", context), ensure_ascii=False)
    if any(code not in given for code in _CODE.findall(text)):
        broken.append("facts_not_given")
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    if kind == "statement" and len(context.strip()) >= 4 and context.strip() in first_line:
        broken.append("title_is_the_request")
    return broken


def answers_question(text: str, facts: Facts) -> bool:
    """The text speaks to the topic asked about (any of its words, or its label)."""
    if facts.question is None:
        return True
    topic = next(t for t in topic_table().topics if t.id == facts.question.topic)
    return any(word in text for word in (facts.question.label, *topic.words))


def llm_choice(texts: list[str], facts: Facts, kind: str, context: str) -> tuple[int, str] | None:
    """The variant to offer: one that breaks no rule and passes the lint, answering the question first, then by
    lint score; None when no variant qualifies."""
    scored = [(index, text, lint(text, kind).score) for index, text in enumerate(texts)]
    usable = [
        (index, text, score)
        for index, text, score in scored
        if score >= PASSING_SCORE and not broken_rules(text, facts, kind, context)
    ]
    if not usable:
        log.info("no LLM variant holds the drafting rules: %s", [broken_rules(t, facts, kind, context) for t in texts])
        return None
    index, text, _ = max(usable, key=lambda item: (answers_question(item[1], facts), item[2], -item[0]))
    return index, text


def version_of(
    session: Session, incident: Incident, *, kind: str, segment: str, context: str, after: Draft | None
) -> int:
    """Versions count per draft request: a /草拟 makes 第 1 版; 换一版 / 更口语 continue that request's count."""
    if after is None:
        return 1
    same = (
        Draft.incident_id == incident.id,
        Draft.kind == kind,
        Draft.segment == segment,
        Draft.context == context,
    )
    root = session.exec(
        select(Draft.id).where(*same, Draft.version == 1, Draft.id <= after.id).order_by(Draft.id.desc()).limit(1)
    ).first()
    latest = session.exec(
        select(Draft.version).where(*same, Draft.id >= (root or after.id)).order_by(Draft.version.desc()).limit(1)
    ).first()
    return max(latest or 0, after.version) + 1


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
    after: Draft | None,
) -> Draft:
    result: LintResult = lint(text, kind)
    draft = Draft(
        incident_id=incident.id,
        kind=kind,
        segment=segment,
        context=context,
        version=version_of(session, incident, kind=kind, segment=segment, context=context, after=after),
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
    after: Draft | None = None,
    phrases: Phrases | None = None,
) -> Draft:
    """Draft with the LLM when configured (the best variant that holds the rules), else from templates.
    `after`: the draft this one follows in the same request (换一版 / 更口语); `phrases`: the folder's phrase book
    (the public's demands)."""
    facts = gather_facts(session, incident, library, context, segment=segment, phrases=phrases)
    stored = {"kind": kind, "segment": segment, "context": context, "casual": casual, "by": by, "after": after}
    note = ""
    if llm is not None:
        texts = llm_texts(llm, facts, kind, segment, context, casual=casual)
        chosen = llm_choice(texts, facts, kind, context) if texts else None
        if chosen is not None:
            index, best = chosen
            note = _note("note_llm", count=len(texts))
            return _store(session, incident, text=best, source="llm", variant=index, note=note, **stored)
        note = _note("note_rejected" if texts else "note_fallback")
    text = template_text(facts, kind, segment, variant=variant, casual=casual)
    return _store(
        session, incident, text=text, source="template", variant=variant % TEMPLATE_VARIANTS, note=note, **stored
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
    phrases: Phrases | None = None,
) -> Draft:
    """换一版 (next variant) or 更口语 (casual) of an existing draft: the next version of the same request."""
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
        after=draft,
        phrases=phrases,
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
