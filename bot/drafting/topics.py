"""The question a draft answers: the topic of a /草拟 request (ingredients, safety, authenticity, refund, delivery,
lab results) and the word it was asked with, recognised from the request's text with the topic table
(templates/drafts/topics.yaml). Sentences that ask something are read first, so “用了红肿刺痛，问能不能报销”
is about the refund, not the allergy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.core.wording import TEMPLATES
from bot.library.loader import read_yaml

TABLE = TEMPLATES / "drafts" / "topics.yaml"
_CLAUSE = re.compile(r"[^。！？!?，,；;\n]+[。！？!?，,；;\n]?")


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    answered_by: Literal["qa", "remedy"]
    words: tuple[str, ...] = Field(min_length=1)
    cues: tuple[str, ...] = ()


class TopicTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question_markers: tuple[str, ...]
    topics: tuple[Topic, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Question:
    """What the request asks about: the topic and the word it was asked with (e.g. ingredients, 激素); `asked` is
    empty when only a cue named the topic (“还能不能继续用”)."""

    topic: str
    label: str
    answered_by: str
    asked: str


@cache
def table() -> TopicTable:
    return TopicTable.model_validate(read_yaml(TABLE))


def question_of(text: str) -> Question | None:
    """The topic of the first sentence that asks something and names one; else the first topic named anywhere."""
    known = table()
    clauses = [m.group() for m in _CLAUSE.finditer(text)]
    asking = [c for c in clauses if any(re.search(marker, c) for marker in known.question_markers)]
    for part in ("".join(asking), text):
        for topic in known.topics:
            word = next((w for w in topic.words if w in part), None)
            if word is not None or any(cue in part for cue in topic.cues):
                return Question(topic.id, topic.label, topic.answered_by, word or "")
    return None
