"""A step's state at the close (bot/steps/states.py) through the real pipeline: an incident closed before anything
was due judges nothing; a missed, a late and an on-time step give the hand-computed counts; after /结束 no step
reads 进行中 on the card, /状态, the Markdown, the HTML or the JSON; the quarterly review counts only due steps."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import Session

from bot.clock.quarters import Quarter
from bot.followups import messaging as followup_messaging
from bot.followups import review
from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.retro import flows as retro_flows
from tests.chat import SandboxChat
from tests.support import BUNDLED_PLAYBOOKS, SH, T0

# product_defect at level 2 (bundled playbook): first_response 2 h, cs_channel 4 h, qa_trace 6 h,
# formal_statement 8 h, qa_report 24 h from the start; lead_briefing (level 1 only) and segment_reply /
# kol_clarify (negative share above 30 %) never apply.
OPEN = "/危机 开启 面霜过敏 类型=product_defect 级别=2"
INITIAL = "/声明 初步 看到大家的反馈真的很抱歉，我们正在逐一联系，今天18点前回复每一位朋友"


def documents(chat: SandboxChat) -> dict[str, str]:
    """The retro of the chat's incident as `crisisbot retro` writes it: json, md and html."""
    with Session(chat.engine) as session:
        incident = session.get(Incident, 1)
        return {
            fmt: retro_flows.document(session, incident, chat.settings, format=fmt, now=chat.clock())
            for fmt in ("json", "md", "html")
        }


def steps_tile(html: str) -> str:
    """The on-time KPI tile of the HTML report's overview (its text, tags dropped)."""
    [tile] = re.findall(r'<div class="card">\s*<div class="label">到期步骤按时完成</div>.*?</div>\s*</div>', html, re.S)
    return tile


def text_of(fragment: str) -> str:
    return re.sub(r"<[^>]+>", " ", fragment)


def test_an_incident_closed_two_minutes_after_opening_judges_no_step(chat):
    chat.say(OPEN, minutes=0)
    [card, _file] = [s for s in chat.say("/结束", minutes=2) if s.card or s.payload.get("file_name")][-2:]
    docs = documents(chat)
    data = json.loads(docs["json"])

    assert (data["kpis"]["steps_met"], data["kpis"]["steps_total"]) == (0, 0)
    assert [s["state"] for s in data["steps"]] == ["not_due"] * 5
    assert [s["id"] for s in data["steps"]] == [
        "first_response",
        "cs_channel",
        "qa_trace",
        "formal_statement",
        "qa_report",
    ]

    assert "预案步骤：没有到期的步骤" in card and "未按时" not in card
    tile = steps_tile(docs["html"])
    assert 'class="value na"' in tile and 'class="value bad"' not in tile
    assert "没有到期的步骤（5 项结案时未到期，不计入）" in text_of(tile)
    for text in (docs["md"], docs["html"], card.text):
        assert "未按时" not in text and "进行中" not in text
    assert docs["md"].count("| 未到期（结案时） |") == 5
    assert "### 步骤执行（没有到期的步骤）" in docs["md"]


def play_missed_late_and_on_time(chat: SandboxChat) -> None:
    """first_response on time (0:30 ≤ 2 h), cs_channel late (5 h > 4 h), qa_trace missed (due 6 h, closed at 7 h
    undone), formal_statement (8 h) and qa_report (24 h) not due at the 7 h close."""
    chat.say(OPEN, minutes=0)
    chat.say(INITIAL, minutes=30, who="ou_ops")
    chat.say("/完成 cs_channel", minutes=300, who="ou_cs")
    chat.say("/结束", minutes=420)


def test_a_missed_a_late_and_an_on_time_step_give_the_hand_computed_counts(chat):
    play_missed_late_and_on_time(chat)
    docs = documents(chat)
    data = json.loads(docs["json"])

    assert (data["kpis"]["steps_met"], data["kpis"]["steps_total"]) == (1, 3)
    assert {s["id"]: (s["state"], s["met"]) for s in data["steps"]} == {
        "first_response": ("met", True),
        "cs_channel": ("late", False),
        "qa_trace": ("missed", False),
        "formal_statement": ("not_due", False),
        "qa_report": ("not_due", False),
    }
    tile = text_of(steps_tile(docs["html"]))
    assert "1/3" in tile
    assert "1 项超时完成、1 项已错过（2 项结案时未到期，不计入） · 标准：到期的步骤都按时完成" in " ".join(tile.split())
    assert "| 到期步骤按时完成 | 1/3 |" in docs["md"]
    assert "### 步骤执行（到期 3 项，按时 1 项）" in docs["md"]
    step_rows = [line.split("|")[1:-1] for line in docs["md"].splitlines() if line.count("|") == 7]  # 6 columns
    assert [cells[5].strip() for cells in step_rows[2:]] == [
        "按时完成",
        "超时完成（晚 1小时）",
        "已错过",
        "未到期（结案时）",
        "未到期（结案时）",
    ]


def test_after_the_close_no_step_reads_as_running_anywhere(chat):
    chat.say(OPEN, minutes=0)
    chat.say(INITIAL, minutes=30, who="ou_ops")
    [status_open] = chat.say("/状态", minutes=60)
    assert "还剩" in status_open and "未触发" in status_open  # while open: time left, conditions not met yet
    closing = chat.say("/结束", minutes=420)
    [status] = chat.say("/状态", minutes=480)
    docs = documents(chat)

    for text in (*[s.text for s in closing], status.text, docs["md"], docs["html"], docs["json"]):
        assert "进行中" not in text and "还剩" not in text
    for state in ("按时完成", "已错过", "未到期（结案时）", "已跳过"):
        assert state in status.text
    assert "未触发" not in status.text  # lead_briefing, segment_reply, kol_clarify: skipped, final
    assert {s["state"] for s in json.loads(docs["json"])["steps"]} == {"met", "missed", "not_due"}


def test_the_quarterly_review_counts_only_due_steps(chat):
    play_missed_late_and_on_time(chat)
    later = T0 + timedelta(days=20)
    chat.say(OPEN.replace("面霜过敏", "精华结块"), at=later)
    chat.say("/结束", at=later + timedelta(minutes=2))  # closed before any step was due: counts nothing

    with Session(chat.engine) as session:
        doc = review.compute(
            session,
            quarter=Quarter.of(T0.date()),
            library=load_playbooks(BUNDLED_PLAYBOOKS),
            lexicon=load_lexicon(BUNDLED_PLAYBOOKS),
            tz=SH,
            now=T0 + timedelta(days=60),
            chat_id=chat.chat_id,
        )
    assert [(i["steps_met"], i["steps_total"]) for i in doc["incidents"]] == [(1, 3), (0, 0)]
    [ratio] = [k for k in doc["kpis"] if k["id"] == "steps_met_ratio"]
    assert ratio["current"] == 0.3333  # 1 met of 3 due, not 1 of 10 listed
    table = followup_messaging.markdown(doc)
    assert "| 1/3 |" in table and "| 无到期步骤 |" in table
