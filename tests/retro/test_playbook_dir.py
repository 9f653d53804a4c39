"""PLAYBOOK_DIR is honoured in every output of the retro (issue 11): a team that edits its own copy of the
playbooks — level 1 at 300万 topic reads instead of 500万, the alert at 30 % instead of 20 %, a word of its own for
a metric and for a platform, its own wording of a recommendation and its own KOL words — sees them in the retro
JSON (`crisisbot retro`), the Markdown (`/复盘`), the HTML page behind the link and the charts' inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.core.models import OutboxMessage
from bot.retro import charts
from bot.retro import flows as retro_flows
from tests.retro.scripted import RetroGroup, iso

OWN_TITLE = "本团队的舆情监测与预警"  # a standing recommendation: in every report


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def team_folder(playbook_copy: Path) -> Path:
    edit(playbook_copy / "severity.yaml", "above: 5000000", "above: 3000000")
    edit(playbook_copy / "severity.yaml", "negative_ratio_above: 0.20", "negative_ratio_above: 0.30")
    edit(playbook_copy / "lexicon.yaml", "topic_reads: [话题阅读量,", "topic_reads: [围观量, 话题阅读量,")
    edit(playbook_copy / "lexicon.yaml", "weibo: [微博,", "weibo: [围脖, 微博,")
    edit(playbook_copy / "retro" / "recommendations.yaml", "title: 舆情监测与负面预警阈值", f"title: {OWN_TITLE}")
    return playbook_copy


@pytest.fixture
def team(db_url, team_folder) -> RetroGroup:
    group = RetroGroup(db_url, playbook_dir=team_folder)
    group.assign_roles()
    group.at("09:20", "/危机 开启 面霜瑕疵被博主晒图 类型=product_defect 级别=2 开始=09:10", who="ou_ceo")
    group.at("10:00", "话题阅读量350万")  # above the team's 300万: level 1 (the bundled 500万 would not)
    group.at("10:30", "围观量400万")  # the team's own word for topic reads
    group.at("11:00", "围脖上也有人搬运了首发笔记")  # the team's own word for Weibo
    group.at("11:10", "负面评论占比25%")
    group.at("18:00", "/危机 结束", who="ou_ceo")
    yield group
    group.close()


def test_the_retro_json_of_crisisbot_retro_uses_the_teams_thresholds_and_words(team, team_folder, monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("DATABASE_URL", team.db_url)
    monkeypatch.setenv("PLAYBOOK_DIR", str(team_folder))
    result = CliRunner().invoke(app, ["retro", "--chat", team.chat_id, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["incident"]["level"] == 1
    assert doc["level_changes"] == [{"at": iso("10:00"), "from": 2, "to": 1, "reason": "话题阅读 350万 超过 300万"}]
    assert doc["propagation"]["platforms"] == [
        {"platform": "weibo", "first_at": iso("11:00"), "text": "围脖上也有人搬运了首发笔记"}
    ]

    result = CliRunner().invoke(app, ["retro", "--chat", team.chat_id, "--format", "md"])
    assert result.exit_code == 0, result.output
    assert OWN_TITLE in result.stdout and "话题阅读 350万 超过 300万" in result.stdout


def test_the_markdown_of_the_retro_command_uses_the_teams_recommendations(team):
    team.at("18:10", "/复盘", who="ou_ceo")
    with Session(team.engine) as session:
        files = [row.content.decode("utf-8") for row in session.exec(select(OutboxMessage)) if row.kind == "file"]
    markdown = files[-1]
    assert OWN_TITLE in markdown and "舆情监测与负面预警阈值" not in markdown
    assert "话题阅读 350万 超过 300万" in markdown


def test_the_report_page_and_its_charts_use_the_teams_severity_and_lexicon(team, monkeypatch):
    drawn: dict[str, dict] = {}

    def spy(name: str):
        def draw(retro: dict, **given) -> bytes:
            drawn[name] = given
            return b"\x89PNG\r\n\x1a\n"

        return draw

    monkeypatch.setattr(charts, "propagation_chart", spy("propagation"))
    monkeypatch.setattr(charts, "negative_chart", spy("negative"))
    with Session(team.engine) as session:
        page = retro_flows.html_for(session, team.incident(), team.settings, now=team.clock())
    assert OWN_TITLE in page and "话题阅读 350万 超过 300万" in page

    inputs = drawn["propagation"]["inputs"]
    assert drawn["negative"]["inputs"] == inputs
    assert (inputs.level1_reads, inputs.alert) == (3_000_000, 0.30)
    doc = team.retro()  # the readings are in the timeline; the team's lexicon reads its own word
    series = charts.count_series(doc, lexicon=inputs.lexicon)
    assert [value for _at, value in series[("topic_reads", "xhs")]] == [3_500_000, 4_000_000]


def test_the_teams_kol_words_mark_a_kol_clarification(db_url, team_folder, monkeypatch):
    """`kol_words` in the folder's recommendations file: an action naming one is judged by its effect."""
    from bot.cli import app

    edit(team_folder / "retro" / "recommendations.yaml", "\nstanding:", "\nkol_words: [种草官]\nstanding:")
    group = RetroGroup(db_url, playbook_dir=team_folder)
    group.assign_roles()
    group.at("09:20", "/危机 开启 面霜瑕疵 类型=product_defect 级别=2 开始=09:10", who="ou_ceo")
    group.at("10:00", "负面评论占比40%")
    group.at("10:30", "已安排3位种草官发布使用体验", who="ou_mkt")
    group.at("11:00", "负面评论占比20%")
    group.at("18:00", "/危机 结束", who="ou_ceo")
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PLAYBOOK_DIR", str(team_folder))
    result = CliRunner().invoke(app, ["retro", "--chat", group.chat_id, "--format", "json"])
    group.close()
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    [kol] = [f for f in doc["findings"] if f["code"] == "kol_clarify_effect"]
    assert kol["kind"] == "gain" and "种草官" in kol["evidence"]
