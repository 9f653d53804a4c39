"""The report tests' inputs: the hand-written retro dict of the seed's scenario (tests/fixtures/retro_sample.json,
written to the contract), an empty one, and the report and charts rendered with the bundled playbook folder (its
library, lexicon, severity and recommendations) at a fixed time after the close."""

from __future__ import annotations

import copy
import json
import struct
from datetime import datetime

from bot.library import recommendations as recommendation_book
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.retro import charts
from bot.retro import render as report
from tests.support import BUNDLED_PLAYBOOKS, FIXTURES, SH

SAMPLE = json.loads((FIXTURES / "retro_sample.json").read_text("utf-8"))
SECTIONS = ["危机概述", "全链路数据", "根源分析", "应对得失", "优化策略", "执行时间表"]
NAMES = {"ou_ceo": "周总", "ou_ops": "王运营", "ou_mkt": "李市场", "ou_cs": "陈客服", "ou_qa": "赵质检"}
AFTER_CLOSE = datetime(2026, 11, 25, 9, 0, tzinfo=SH)
LIBRARY = load_playbooks(BUNDLED_PLAYBOOKS)
LEXICON = load_lexicon(BUNDLED_PLAYBOOKS)
BUNDLED_RECOMMENDATIONS = recommendation_book.load(BUNDLED_PLAYBOOKS)
INPUTS = charts.ChartInputs.of(LIBRARY, LEXICON)


def markdown(doc: dict, **given) -> str:
    """The Markdown report with the bundled folder's library, rendered at AFTER_CLOSE unless told otherwise."""
    defaults = {"tz": SH, "recommendations": BUNDLED_RECOMMENDATIONS, "library": LIBRARY, "now": AFTER_CLOSE}
    return report.markdown(doc, **{**defaults, **given})


def html(doc: dict, **given) -> str:
    """The HTML report, as `markdown`, its charts with the bundled lexicon and severity."""
    defaults = {"tz": SH, "recommendations": BUNDLED_RECOMMENDATIONS, "library": LIBRARY, "now": AFTER_CLOSE}
    return report.html(doc, lexicon=LEXICON, **{**defaults, **given})


def propagation(doc: dict) -> bytes:
    return charts.propagation_chart(doc, inputs=INPUTS)


def negative(doc: dict) -> bytes:
    return charts.negative_chart(doc, inputs=INPUTS)


def gantt(doc: dict) -> bytes:
    return charts.steps_gantt(doc, now=AFTER_CLOSE)


DRAWS = [propagation, negative, gantt]


def sample() -> dict:
    return copy.deepcopy(SAMPLE)


def empty_retro(**incident) -> dict:
    """An incident just opened: nothing recorded yet."""
    return {
        "incident": {
            "id": 7,
            "chat_id": "oc_x",
            "title": "刚开的事件",
            "playbook": "service_lag",
            "level": 2,
            "started_at": "2026-11-24T09:10:00+08:00",
            "opened_at": "2026-11-24T09:12:00+08:00",
            "closed_at": None,
            **incident,
        },
        "kpis": {
            "first_response_minutes": None,
            "formal_statement_minutes": None,
            "statement_has_remedy": False,
            "peak_negative_ratio": None,
            "peak_topic_reads": None,
            "steps_met": 0,
            "steps_total": 0,
        },
        "propagation": {"milestones": [], "platforms": [], "negative_ratio": []},
        "escalations": [],
        "level_changes": [],
        "steps": [],
        "root_causes": {"surface": [], "deep": []},
        "findings": [],
        "actions": [],
        "next_review_at": "2027-01-01T10:00:00+08:00",
        "timeline": [],
    }


def positions(text: str, needles: list[str]) -> list[int]:
    return [text.index(needle) for needle in needles]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def losses(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["kind"] == "loss"]
