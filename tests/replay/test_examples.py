"""The bundled examples, replayed through the real pipeline, reproduce their checked-in retro JSON exactly.

Each expected file in tests/fixtures/examples/ was produced by `crisisbot replay examples/<name>.yaml --format json`
and then read line by line as a PR manager would (levels, deadlines after the upgrade, first-response and formal
statement minutes, the remedy, losses and their evidence) before it was frozen. When a change to the bot changes a
retro on purpose, regenerate the file the same way and review the difference before committing it. Beside the
exact comparison, each example states a few facts by hand (level, first response, the main losses)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.replay import flows
from bot.replay import format as conversation_format
from bot.replay.run import RecordingMessenger
from tests.support import FIXTURES, ROOT, SH, make_settings

EXAMPLES = ROOT / "examples"
NAMES = ("product_defect", "content_misleading", "service_lag", "competitor_smear")

# Hand-written facts per example: the level at the close, minutes to the first response, the loss codes.
FACTS = {
    "product_defect": (1, 58, ["negative_above_alert", "step_missed", "step_missed"]),
    "content_misleading": (2, 90, ["negative_above_alert"]),
    "service_lag": (2, 135, ["first_response_late", "step_missed", "step_missed"]),
    "competitor_smear": (1, 45, ["step_missed"]),
}


def replayed(name: str, tmp_path) -> flows.Replayed:
    settings = make_settings(f"sqlite:///{tmp_path / 'unused.db'}")
    return flows.retro_of(conversation_format.load(EXAMPLES / f"{name}.yaml"), settings, format="json")


@pytest.mark.parametrize("name", NAMES)
def test_each_example_replays_to_its_checked_in_retro(name, tmp_path):
    result = replayed(name, tmp_path)
    assert result.played.failed == []
    expected = json.loads((FIXTURES / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    data = json.loads(result.text)
    assert data == expected
    level, first_response, losses = FACTS[name]
    assert data["incident"]["level"] == level
    assert data["kpis"]["first_response_minutes"] == first_response
    assert [f["code"] for f in data["findings"] if f["kind"] == "loss"] == losses


@pytest.mark.parametrize("name", NAMES)
def test_each_example_is_a_natural_conversation_of_30_to_80_messages_over_a_day_or_two(name):
    conversation = conversation_format.load(EXAMPLES / f"{name}.yaml")
    texts = [line.text for line in conversation.lines if line.text is not None]
    assert 30 <= len(conversation.lines) <= 80
    assert sum(not t.startswith("/") for t in texts) >= 10  # people talk, not only commands
    assert (conversation.end - conversation.lines[0].at).days <= 1


def test_product_defect_facts_a_pr_manager_checks(tmp_path):
    data = json.loads(replayed("product_defect", tmp_path).text)
    assert data["level_changes"] == [
        {"at": "2026-11-24T10:20:00+08:00", "from": 2, "to": 1, "reason": "话题阅读 620万 超过 500万"}
    ]
    assert data["kpis"]["formal_statement_minutes"] == 230 and data["kpis"]["statement_has_remedy"] is True
    assert data["escalations"][0]["from"] == 0.3 and data["escalations"][0]["to"] == 0.65
    assert "微博" in data["escalations"][0]["trigger"]["text"]
    late = {s["id"] for s in data["steps"] if s["state"] == "late"}
    assert late == {"lead_briefing", "qa_report"}


def test_reminders_fire_at_their_recorded_times_between_messages(tmp_path):
    """The QA report is due 11-25 08:50 (24 h after the start); nobody speaks between 20:00 and 09:20, yet the
    overdue notice goes out at 08:50 sharp, as it would have in the group."""
    result = replayed("product_defect", tmp_path)
    messenger = result.played.messenger
    assert isinstance(messenger, RecordingMessenger)
    overdue_at = datetime(2026, 11, 25, 8, 50, tzinfo=SH)
    at_due = [d for d in messenger.sent if d.at == overdue_at]
    assert at_due, "nothing was sent at the QA report's deadline"
    assert any(
        "检测报告" in (d.message.text or "") + json.dumps(d.message.payload(), ensure_ascii=False) for d in at_due
    )
