"""The structured facts a draft is built from, and nothing else: the remedy the team decided (/补救), the QA
status (no result yet, sent to a lab, result clears or confirms the problem), the batch, the question asked, and
what the public still asks for in the imported comments (their demands: 退款, 检测报告 …, never their words).
Group messages are read only for which QA status they establish and which batch they name — their words never
reach a draft. The patterns are data (templates/drafts/facts.yaml)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from bot.comments import analysis as comment_analysis
from bot.comments.phrases import Phrases
from bot.comments.phrases import phrases as phrase_book
from bot.config import BUNDLED_PLAYBOOKS
from bot.core.wording import TEMPLATES
from bot.drafting.topics import Question, question_of
from bot.incidents.models import Incident
from bot.incidents.roster import holders
from bot.library.loader import read_yaml
from bot.library.playbooks import Library
from bot.steps import service as steps_service
from bot.timeline import service as timeline_service

QaStatus = Literal["none", "pending", "clean", "fault"]
RESULTS = ("fault", "clean")  # a lab result; strongest first within one message
QA_STEPS = ("qa_report",)  # the lab report is out: checked, even before anyone says what it found


class QaPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fault: tuple[str, ...]
    clean: tuple[str, ...]
    pending: tuple[str, ...]


class FactPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    qa_status: QaPatterns
    third_party: str
    batch: str
    admissions: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    title: str  # the incident's name inside the team; never a public headline
    playbook: str
    remedy: str | None
    qa: QaStatus = "none"
    third_party: bool = False  # the lab is a third party
    batch: str | None = None
    question: Question | None = None
    # what the public's negative comments still ask for since the team's last statement (imported comments,
    # seed 三.3): the draft's segment's top demands, every segment's for a general draft; () without an import
    demands: tuple[str, ...] = ()


@cache
def patterns() -> FactPatterns:
    return FactPatterns.model_validate(read_yaml(TEMPLATES / "drafts" / "facts.yaml"))


def qa_status_of(text: str, *, results: bool) -> QaStatus:
    """The QA status one text establishes; lab results only when `results` (a QA member speaking)."""
    known = patterns().qa_status
    for status in RESULTS if results else ():
        if any(re.search(p, text) for p in getattr(known, status)):
            return status
    return "pending" if any(re.search(p, text) for p in known.pending) else "none"


def batch_of(text: str) -> str | None:
    match = re.search(patterns().batch, text)
    return next((g for g in match.groups() if g), None) if match else None


def admissions_in(text: str) -> list[str]:
    """Phrases that own a fault (allowed only once a QA result confirmed it)."""
    return [m.group() for p in patterns().admissions for m in re.finditer(p, text)]


def gather_facts(
    session: Session,
    incident: Incident,
    library: Library,
    context: str = "",
    *,
    segment: str = "general",
    phrases: Phrases | None = None,
) -> Facts:
    """What the team recorded, as facts: the remedy, the QA status (QA members' messages, the QA steps, the
    request's own words), the batch (the request's, else the latest a QA member named), the question asked, and
    the public's open demands (`phrases`: the folder's phrase book; the bundled one when not given)."""
    playbook = library.playbooks.get(incident.playbook)
    status: QaStatus = "none"
    third_party = bool(re.search(patterns().third_party, context)) and qa_status_of(context, results=False) != "none"
    batch = None
    last_statement = None
    qa_members = {member.user_id for member in holders(session, incident.chat_id, "qa")}
    for entry in timeline_service.entries(session, incident.id):
        if entry.recalled:
            continue
        if entry.kind == "statement":
            last_statement = entry.at
        if entry.kind == "statement" or entry.author_id not in qa_members:
            continue
        found = qa_status_of(entry.text, results=True)
        if found in RESULTS or (found == "pending" and status == "none"):
            status = found
        if found != "none":
            third_party = third_party or bool(re.search(patterns().third_party, entry.text))
            batch = batch_of(entry.text) or batch
    if status == "none" and qa_status_of(context, results=False) == "pending":
        status = "pending"
    if status == "none" and any(
        (row := steps_service.get(session, incident.id, step)) is not None and row.status == "done" for step in QA_STEPS
    ):
        status = "pending"
    return Facts(
        title=incident.title,
        playbook=playbook.name if playbook else incident.playbook,
        remedy=(incident.remedy or "").strip("。") or None,
        qa=status,
        third_party=third_party,
        batch=batch_of(context) or batch,
        question=question_of(context),
        demands=open_demands(session, incident, segment, phrases or phrase_book(BUNDLED_PLAYBOOKS), last_statement),
    )


def open_demands(
    session: Session, incident: Incident, segment: str, phrases: Phrases, since: datetime | None
) -> tuple[str, ...]:
    """The demands the public's negative comments made after `since` (the last statement), most named first: the
    segment's own when it has any, else every segment's together."""
    found = comment_analysis.segments(session, comment_analysis.Window(incident.id), phrases, open_since=since)
    own = [demand for s in found if s.segment == segment for demand, _ in s.demands]
    if own:
        return tuple(own)
    together: Counter[str] = Counter()
    for s in found:
        together.update(dict(s.demands))
    order = phrases.demand_order
    ranked = sorted(together.items(), key=lambda item: (-item[1], order.get(item[0], len(order))))
    return tuple(demand for demand, _ in ranked[: comment_analysis.TOP_DEMANDS])
