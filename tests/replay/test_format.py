"""A broken recorded conversation is refused whole, every problem in Chinese with its line and field; times
are read as written (YAML would turn 10:30 into 630)."""

from __future__ import annotations

import pytest

from bot.replay.format import ConversationError, parse_jsonl, parse_yaml
from tests.support import run_cli

HEADER = "members:\n  - {id: ou_wang, name: 王运营}\n  - {id: ou_zhou, name: 周总}\nmessages:\n"


def test_times_people_write_are_read_as_written():
    conversation = parse_yaml(
        HEADER
        + "  - {at: '2026-11-24 09:05', from: 王运营, text: 看下这篇}\n"
        + "  - at: 10:30\n    from: ou_zhou\n    text: /角色 运营 @王运营\n"
    )
    first, second = conversation.lines
    assert (second.at - first.at).total_seconds() == 85 * 60
    assert second.sender.name == "周总"
    assert [(m.user_id, m.offset) for m in second.mentions] == [("ou_wang", 7)]


def test_a_broken_file_names_the_line_and_field_of_each_problem():
    text = (
        HEADER
        + "  - at: 2026-11-24 09:05\n    from: 王运营\n    text: 好\n"  # line 5: fine
        + "  - at: 25:99\n    from: 王运营\n    text: 坏时间\n"  # line 8
        + "  - at: 09:10\n    from: 小刘\n    text: 陌生人\n"  # line 11
        + "  - at: 09:20\n    from: 王运营\n"  # line 14: neither text nor click
    )
    with pytest.raises(ConversationError) as raised:
        parse_yaml(text, "talk.yaml")
    problems = raised.value.problems
    assert problems[0].startswith("talk.yaml 第8行 messages[1].at：无法识别的时间“25:99”")
    assert problems[1].startswith("talk.yaml 第11行 messages[2].from：发言人“小刘”不在 members 里")
    assert problems[2].startswith("talk.yaml 第14行 messages[3]：每条消息要有 text")
    assert len(problems) == 3


def test_jsonl_lines_are_numbered_and_times_must_not_go_back():
    text = (
        '{"members": [{"id": "ou_wang", "name": "王运营"}]}\n'
        '{"at": "2026-11-24T09:05:00+08:00", "from": "王运营", "text": "一"}\n'
        '{"at": "2026-11-24 09:00", "from": "王运营", "text": "二"}\n'
        "{not json\n"
    )
    with pytest.raises(ConversationError) as raised:
        parse_jsonl(text, "talk.jsonl")
    assert raised.value.problems == [raised.value.problems[0]]
    assert raised.value.problems[0].startswith("talk.jsonl 第4行：这一行不是有效的 JSON")
    with pytest.raises(ConversationError) as raised:
        parse_jsonl(text.rsplit("\n", 2)[0], "talk.jsonl")
    assert raised.value.problems[0].startswith("talk.jsonl 第3行 at：时间 2026-11-24 09:00 早于上一条")


def test_the_cli_refuses_a_broken_file_with_exit_1_and_replays_a_good_one(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(HEADER + "  - {at: 09:05, from: 王运营, text: 没日期}\n", encoding="utf-8")
    result = run_cli(["replay", str(broken)], tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 1
    assert "第5行 messages[0].at：第一条消息的时间“09:05”缺少日期" in result.stderr
    assert "未回放" in result.stderr
    # run outside the checkout: `examples/…` falls back to the bundled examples
    shown = run_cli(["replay", "examples/service_lag.yaml"], tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert shown.returncode == 0, shown.stderr
    for heading in ("危机概述", "全链路数据", "根源分析", "应对得失", "优化策略", "执行时间表"):
        assert f"## {heading}" in shown.stdout
    assert not (tmp_path / "x.db").exists()  # the replay never touches the configured database
