"""/复盘 and /结束 deliver the retrospective to the group: a summary card with the key numbers and
a link button, the Markdown report as a file; the link opens the HTML report only when signed;
`crisisbot retro --format json` prints the contract JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta

import httpx
import jsonschema
import pytest
from sqlmodel import Session, select

from bot.app import create_app
from bot.core.models import OutboxMessage
from tests.chat import SandboxChat
from tests.support import ROOT, SH, Clock, make_settings, serve

T0 = datetime(2026, 11, 24, 9, 20, tzinfo=SH)


def outbox(chat: SandboxChat) -> list[dict]:
    """Everything the bot queued, with the file contents."""
    with Session(chat.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [{**json.loads(r.payload), "content": r.content} for r in rows]


def run_scenario(db_url: str) -> list[dict]:
    chat = SandboxChat(
        db_url, start=T0, clock=Clock(T0 + timedelta(hours=9)), public_base_url="https://bot.example.com"
    )
    script = [
        (0, "ou_ceo", "/危机 开启 面霜过敏笔记 开始=09:10"),
        (45, "ou_mkt", "【初步回应】非常抱歉让大家担心了，我们正在核实"),
        (100, "ou_ops", "负面评论占比从30%升至65%"),
        (
            260,
            "ou_mkt",
            "【正式声明】非常抱歉，这件事的责任在我们。购买过的用户3天内可申请全额退款，私信官方账号有专人跟进。",
        ),
        (500, "ou_ceo", "/复盘"),
        (520, "ou_ceo", "/结束"),
    ]
    for minutes, who, text in script:
        chat.post(text, minutes=minutes, who=who)
    chat.processor.process_due()
    out = outbox(chat)
    chat.close()
    return out


def test_retro_and_close_deliver_card_file_and_signed_link(db_url):
    out = run_scenario(db_url)
    cards = [o for o in out if o["kind"] == "card" and o["card"]["title"].startswith("复盘")]
    files = [o for o in out if o["kind"] == "file"]
    assert len(cards) == 2 and len(files) == 2  # /复盘 while open, and again at /结束
    card = json.dumps(cards[-1]["card"], ensure_ascii=False)
    assert "首次回应：55分钟" in card and "正式声明：4小时30分钟" in card and "含具体补救" in card
    assert "根因还没记录" in card  # nobody recorded root causes: the lead is asked
    button = cards[-1]["card"]["blocks"][-1]["buttons"][0]
    assert button["url"].startswith("https://bot.example.com/reports/1?sig=")
    markdown = files[-1]["content"].decode("utf-8")
    headings = ["危机概述", "全链路数据", "根源分析", "应对得失", "优化策略", "执行时间表"]
    positions = [markdown.index(f"## {h}") for h in headings]
    assert positions == sorted(positions)


def test_report_link_opens_only_when_signed(db_url):
    out = run_scenario(db_url)
    link = next(o for o in out if o["kind"] == "card" and o["card"]["title"].startswith("复盘"))
    url = link["card"]["blocks"][-1]["buttons"][0]["url"]
    path = url.removeprefix("https://bot.example.com")
    # The page runs on the bot's clock: an hour after the link was made (links expire after REPORT_LINK_DAYS).
    with serve(create_app(make_settings(db_url), clock=Clock(T0 + timedelta(hours=10)))) as base:
        good = httpx.get(base + path, timeout=30)
        assert good.status_code == 200 and "危机概述" in good.text and "执行时间表" in good.text
        assert httpx.get(base + path[:-4] + "0000", timeout=10).status_code == 403
        assert httpx.get(base + "/reports/1", timeout=10).status_code == 403
        other = path.replace("/reports/1?", "/reports/99?")
        assert httpx.get(base + other, timeout=10).status_code == 403  # a signature is per incident


def test_cli_prints_contract_json(db_url, tmp_path):
    run_scenario(db_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEISHU_", "DATABASE_URL", "PLAYBOOK_DIR"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=db_url)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "retro", "--chat", "oc_1", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "retro.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert data["kpis"]["first_response_minutes"] == 55 and data["kpis"]["formal_statement_minutes"] == 270
    out = tmp_path / "retro.md"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "retro", "1", "--format", "md", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "## 危机概述" in out.read_text(encoding="utf-8")
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "retro", "42"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1 and "no such incident" in missing.stderr


@pytest.mark.parametrize("text", ["/复盘"])
def test_retro_without_any_incident_explains(chat, text):
    [answer] = chat.say(text, at=T0, who="ou_1", chat_id="oc_9")
    assert "还没有危机事件" in answer.text


def test_llm_polish_adds_marked_summaries_and_keeps_every_computed_number(db_url):
    from bot.core.llm import LLM
    from tests.fakes.openai_server import FakeOpenAI

    summaries = {"危机概述": "一起面霜过敏舆情，@所有人 已按流程处置。", "应对得失": "初步回应较快，正式声明偏慢。"}
    fake = FakeOpenAI(lambda request: json.dumps(summaries, ensure_ascii=False)).start()
    try:
        model = {"openai_api_key": "sk-test", "openai_model": "fake", "openai_base_url": fake.base_url}
        llm = LLM(make_settings(db_url, **model))
        chat = SandboxChat(db_url, start=T0, clock=Clock(T0 + timedelta(hours=3)), llm=llm, **model)
        script = [(0, "/危机 开启 面霜过敏笔记 开始=09:10"), (45, "【初步回应】非常抱歉，我们正在核实"), (100, "/复盘")]
        for minutes, text in script:
            chat.post(text, minutes=minutes, who="ou_ceo")
        chat.processor.process_due()
        [markdown] = [o["content"].decode() for o in outbox(chat) if o["kind"] == "file"]
        chat.close()
    finally:
        fake.stop()
    assert "AI 生成的摘要" in markdown and "初步回应较快" in markdown
    assert "@所有人" not in markdown
    assert "55" in markdown  # the computed first-response minutes are still there
    [request] = fake.requests
    assert "timeline" not in json.loads(request["messages"][-1]["content"])
