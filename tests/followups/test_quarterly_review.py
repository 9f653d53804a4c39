"""The quarterly review: five real incidents over three quarters (and a drill) played through the real pipeline,
the KPI verdicts checked against numbers worked out by hand below; the scheduled review fires at the right local
time exactly once, across a restart, late once after a missed window, per-group schedule respected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.clock.quarters import Quarter
from bot.core import db
from bot.core.models import OutboxMessage
from bot.followups import review
from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.scheduling import sweep
from tests.chat import SandboxChat, Sent
from tests.support import SH, Clock, make_settings, serve

CHAT = "oc_review"
OPS, MKT = ("ou_ops", "王运营"), ("ou_mkt", "李市场")


def open_group(db_url: str, chat_id: str = CHAT) -> SandboxChat:
    """The group on the shared in-process driver; every message carries its own local send time."""
    return SandboxChat(db_url, chat_id=chat_id, clock=Clock(local(2027, 6, 1)))


def shown(sent: Sent) -> str:
    """A reply as text: the text, the card as JSON, or the file's name."""
    return sent.payload.get("text") or json.dumps(
        sent.card or {"file": sent.payload.get("file_name")}, ensure_ascii=False
    )


def say(group: SandboxChat, at: datetime, text: str, **kwargs) -> list[str]:
    return [shown(sent) for sent in group.say(text, at=at, **kwargs)]


def play_incident(
    group: SandboxChat,
    start: datetime,
    title: str,
    *,
    chat_id: str | None = None,
    initial: float | None = None,
    formal: float | None = None,
    done: dict[str, float] | None = None,
    negative: dict[float, float] | None = None,
) -> None:
    """Open, play and close an incident (in `chat_id`, by default the group's own); times are minutes after
    `start`."""
    say(group, start, f"/危机 开启 {title} 类型=product_defect", chat_id=chat_id)
    events: list[tuple[float, str]] = []
    if initial is not None:
        events.append((initial, "/声明 初步 非常抱歉给大家添麻烦了，我们正在逐一联系反馈的用户，3天内给出处理结果"))
    if formal is not None:
        events.append((formal, "/声明 正式 涉事批次已下架，购买的朋友3天内可申请全额退款，私信客服即可办理"))
    events += [(minutes, f"/完成 {step}") for step, minutes in (done or {}).items()]
    events += [(minutes, f"/数据 负面占比 {round(value * 100)}%") for minutes, value in (negative or {}).items()]
    for minutes, text in sorted(events):
        say(group, start + timedelta(minutes=minutes), text, chat_id=chat_id)
    say(group, start + timedelta(minutes=720), "/结束", chat_id=chat_id)


def run_sweep(group: SandboxChat, at: datetime) -> list[str]:
    """One sweep at `at`; what it queued."""
    before = len(group.sent())
    sweep.sweep(group.engine, group.settings, now=at)
    return [shown(sent) for sent in group.sent()[before:]]


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)


# The fixture. product_defect at level 2 lists five steps (first_response 2 h, cs_channel 4 h, qa_trace 6 h,
# formal_statement 8 h, qa_report 24 h; the two "negative share above 30 %" steps never apply: no peak is above).
# Each incident closes after 12 h, before qa_report is due: four steps were due, and only those count.
# An initial statement completes first_response, a formal one formal_statement. Alert line: 20 %.
#
# | incident | quarter | first resp. | formal | steps met          | peak | back under 20 %      |
# | A        | 2026Q2  | 100         | 400    | fr, cs, formal = 3 | .25  | .25@30 → .18@160: 130 |
# | B        | 2026Q3  | 150         | 500    | 0                  | .28  | .28@20 .22@100 → .19@260: 240 |
# | C        | 2026Q3  | 60          | —      | fr = 1             | .12  | never above           |
# | D        | 2026Q4  | 30          | 240    | fr, cs, qa_trace, formal = 4 | .26 | .26@20 → .15@80: 60 |
# | E        | 2026Q4  | 50          | 200    | fr, formal = 2 (cs late) | .29 | .29@10 → .20@50: 40 |
# | drill    | 2026Q4  | 5           | 10     | —                  | .90  | (excluded)           |
#
# Review of 2026Q4 (earlier = A, B, C):
#   first response: median(30, 50) = 40 vs median(100, 150, 60) = 100 → improved
#   formal:         median(240, 200) = 220 vs median(400, 500) = 450 → improved
#   steps met:      6/8 = 0.75 vs 4/12 = 0.3333 → improved
#   peak negative:  median(.26, .29) = .275 vs median(.25, .28, .12) = .25 → worse
#   back under:     median(60, 40) = 50 vs median(130, 240) = 185 → improved
# Review of 2026Q3 (earlier = A): 105 vs 100 worse; 500 vs 400 worse; 1/8 vs 3/4 worse; .20 vs .25 improved;
#   240 vs 130 worse. Review of 2026Q2: nothing earlier → no_data everywhere.

EXPECTED_Q4 = {
    "first_response_minutes": (40, 100, "improved"),
    "formal_statement_minutes": (220, 450, "improved"),
    "steps_met_ratio": (0.75, 0.3333, "improved"),
    "peak_negative_ratio": (0.275, 0.25, "worse"),
    "negative_recovery_minutes": (50, 185, "improved"),
}
EXPECTED_Q3 = {
    "first_response_minutes": (105, 100, "worse"),
    "formal_statement_minutes": (500, 400, "worse"),
    "steps_met_ratio": (0.125, 0.75, "worse"),
    "peak_negative_ratio": (0.2, 0.25, "improved"),
    "negative_recovery_minutes": (240, 130, "worse"),
}


def play_fixture(group: SandboxChat) -> None:
    say(group, local(2026, 5, 1, 9, 0), "/角色 运营 @王运营", mentions=(OPS,))
    say(group, local(2026, 5, 1, 9, 1), "/角色 市场 @李市场", mentions=(MKT,))
    play_incident(
        group,
        local(2026, 5, 12, 10, 0),
        "A 面霜致过敏",
        initial=100,
        formal=400,
        done={"cs_channel": 200},
        negative={30: 0.25, 160: 0.18},
    )
    play_incident(
        group,
        local(2026, 8, 3, 10, 0),
        "B 精华液结块",
        initial=150,
        formal=500,
        negative={20: 0.28, 100: 0.22, 260: 0.19},
    )
    play_incident(group, local(2026, 9, 21, 9, 0), "C 包装漏液", initial=60, negative={30: 0.12})
    play_incident(
        group,
        local(2026, 10, 15, 10, 0),
        "D 防晒霜搓泥",
        initial=30,
        formal=240,
        done={"cs_channel": 90, "qa_trace": 200},
        negative={20: 0.26, 80: 0.15},
    )
    say(group, local(2026, 10, 15, 11, 0), "/改进 建立舆情监测和预警 @王运营 截止=2026-11-01", mentions=(OPS,))
    say(group, local(2026, 10, 15, 11, 1), "/改进 准备分场景声明模板 @李市场 截止=2026-12-01", mentions=(MKT,))
    say(group, local(2026, 11, 2, 9, 0), "/改进 完成 2 模板已入库")
    say(group, local(2026, 11, 2, 9, 5), "/改进 客服话术按用户分层 @李市场 截止=2026-12-31", mentions=(MKT,))
    play_incident(
        group,
        local(2026, 11, 10, 14, 0),
        "E 面膜刺痛",
        initial=50,
        formal=200,
        done={"cs_channel": 300},
        negative={10: 0.29, 50: 0.20},
    )
    play_incident(group, local(2026, 11, 20, 15, 0), "演练：精华液致过敏", initial=5, formal=10, negative={3: 0.9})
    with Session(group.engine) as session:  # the last one was a drill
        drill = session.exec(select(Incident).where(Incident.title.startswith("演练"))).one()
        drill.is_drill = True
        session.add(drill)
        session.commit()


@pytest.fixture
def group(db_url) -> Iterator[SandboxChat]:
    made = open_group(db_url)
    play_fixture(made)
    yield made
    made.close()


def compute(group: SandboxChat, quarter: str, now: datetime) -> dict:
    with Session(group.engine) as session:
        return review.compute(
            session,
            quarter=Quarter.parse(quarter),
            library=load_playbooks(group.settings.playbook_dir),
            lexicon=load_lexicon(group.settings.playbook_dir),
            tz=SH,
            now=now,
            chat_id=CHAT,
        )


def verdicts(data: dict) -> dict[str, tuple]:
    return {k["id"]: (k["current"], k["baseline"], k["verdict"]) for k in data["kpis"]}


def test_kpi_verdicts_match_the_hand_computed_fixture(group):
    q4 = compute(group, "2026Q4", local(2027, 1, 4, 10, 0))
    assert [i["title"] for i in q4["incidents"]] == ["D 防晒霜搓泥", "E 面膜刺痛"]
    assert q4["drills_excluded"] == 1
    assert verdicts(q4) == EXPECTED_Q4
    assert q4["compared_with"] == ["2026Q1", "2026Q2", "2026Q3"]
    assert q4["incident_counts"] == {"2026Q1": 0, "2026Q2": 1, "2026Q3": 2, "2026Q4": 2}
    fr = next(k for k in q4["kpis"] if k["id"] == "first_response_minutes")
    assert fr["quarters"] == {"2026Q1": None, "2026Q2": 100, "2026Q3": 105, "2026Q4": 40}
    owners = {row["owner"]: row for row in q4["actions"]["owners"]}
    assert owners["ou_ops"] | {} == {
        "owner": "ou_ops",
        "name": "王运营",
        "open": 1,
        "overdue": 1,
        "done": 0,
        "dropped": 0,
    }
    # due on the quarter's last day and still open when it ended: overdue (local dates, not UTC)
    assert (owners["ou_mkt"]["done"], owners["ou_mkt"]["open"], owners["ou_mkt"]["overdue"]) == (1, 1, 1)

    assert verdicts(compute(group, "2026Q3", local(2026, 12, 1))) == EXPECTED_Q3
    q2 = compute(group, "2026Q2", local(2026, 12, 1))
    assert {k["verdict"] for k in q2["kpis"]} == {"no_data"}
    assert [i["title"] for i in q2["incidents"]] == ["A 面霜致过敏"]


def test_a_drill_changes_no_number(group, db_url):
    """Unflag the drill and the Q4 numbers move: the exclusion is what keeps them right."""
    with Session(group.engine) as session:
        drill = session.exec(select(Incident).where(Incident.is_drill.is_(True))).one()
        drill.is_drill = False
        session.add(drill)
        session.commit()
    polluted = verdicts(compute(group, "2026Q4", local(2027, 1, 4)))
    assert polluted["first_response_minutes"][0] == 30  # median(30, 50, 5)
    assert polluted["peak_negative_ratio"][0] == pytest.approx(0.29)


def test_review_on_demand_and_cli(group, db_url, monkeypatch):
    from bot.cli import app

    [card, file] = say(group, local(2026, 12, 1, 9, 0), "/季度复盘")
    assert "2026年第四季度复盘" in card and "改善" in card and "变差" in card and "演练 1 次不计入" in card
    assert "合计，共 3 起" in card
    assert "季度复盘-2026Q4.md" in file
    [card] = say(group, local(2026, 12, 1, 9, 1), "/季度复盘 季度=2026Q3")[:1]
    assert "2026年第三季度复盘" in card
    [bad] = say(group, local(2026, 12, 1, 9, 2), "/季度复盘 季度=去年")
    assert "2026Q4" in bad and "\n" not in bad
    [future] = say(group, local(2026, 12, 1, 9, 3), "/季度复盘 2027Q2")
    assert "还没开始" in future

    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["review", "--quarter", "2026Q3", "--chat", CHAT, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert verdicts(json.loads(result.stdout)) == EXPECTED_Q3
    result = CliRunner().invoke(app, ["review", "--quarter", "2026Q4", "--format", "md"])
    assert result.exit_code == 0
    assert "## 二、指标趋势" in result.stdout and "2026Q3（2 起）" in result.stdout
    assert "D 防晒霜搓泥" in result.stdout and "演练：" not in result.stdout
    result = CliRunner().invoke(app, ["review", "--quarter", "Q5"])
    assert result.exit_code == 2


def reviews(replies: list[str]) -> list[str]:
    return [r for r in replies if "季度复盘：" in r]


def test_scheduled_review_fires_once_on_the_first_working_day_across_a_restart(group):
    # 2027Q1: 1 January is a holiday and the 2nd/3rd a weekend, so the first working day is Monday 4 January.
    assert reviews(run_sweep(group, local(2027, 1, 1, 10, 0))) == []
    assert reviews(run_sweep(group, local(2027, 1, 4, 9, 59, 50))) == []
    sent = run_sweep(group, local(2027, 1, 4, 10, 0, 10))
    [card] = reviews(sent)
    assert "2026年第四季度复盘" in card and "补发" not in card
    assert any("季度复盘-2026Q4.md" in r for r in sent)
    assert reviews(run_sweep(group, local(2027, 1, 4, 10, 1))) == []
    restarted = open_group(group.db_url)
    assert reviews(run_sweep(restarted, local(2027, 1, 4, 11, 0))) == []
    assert reviews(run_sweep(restarted, local(2027, 2, 1, 10, 0))) == []
    restarted.close()


def test_missed_window_is_sent_late_once_and_marked(group):
    # The bot was down from before 1 April 2027 (a Thursday, the first working day of Q2) until the 2nd, 15:00.
    [late] = reviews(run_sweep(group, local(2027, 4, 2, 15, 0)))
    assert "补发" in late and "2027年第一季度复盘" in late
    assert reviews(run_sweep(group, local(2027, 4, 2, 15, 1))) == []


def test_a_group_sets_its_own_review_time(group):
    [answer] = say(group, local(2026, 12, 20, 9, 0), "/季度复盘 设置 工作日=2 时间=15:30")
    assert "第 2 个工作日 15:30" in answer and "2027-01-05 15:30" in answer
    assert reviews(run_sweep(group, local(2027, 1, 4, 10, 5))) == []
    assert reviews(run_sweep(group, local(2027, 1, 5, 15, 29))) == []
    assert len(reviews(run_sweep(group, local(2027, 1, 5, 15, 30)))) == 1
    [bad] = say(group, local(2026, 12, 20, 9, 1), "/季度复盘 设置 工作日=99")
    assert "工作日 1–20" in bad
    [off] = say(group, local(2026, 12, 20, 9, 2), "/季度复盘 设置 关闭")
    assert "已关闭" in off
    assert reviews(run_sweep(group, local(2027, 4, 1, 10, 0))) == []


def test_a_group_new_after_the_review_time_gets_no_review_of_before(db_url):
    fresh = open_group(db_url, chat_id="oc_new")
    play_incident(fresh, local(2027, 1, 10, 10, 0), "新群的第一起事件", initial=30)
    assert reviews(run_sweep(fresh, local(2027, 1, 10, 23, 0))) == []  # the 2027Q1 review time had passed
    fresh.close()


def test_monthly_drill_reminder_on_the_next_working_day_once(group):
    # DRILL_DAY=15: 15 November 2026 is a Sunday → Monday the 16th, 10:00.
    drills = [r for r in run_sweep(group, local(2026, 11, 15, 10, 0)) if "演练" in r and "季度" not in r]
    assert drills == []
    [reminder] = [r for r in run_sweep(group, local(2026, 11, 16, 10, 0)) if "模拟演练" in r]
    assert "/演练 开始" in reminder and "补发" not in reminder
    names = [
        yaml.safe_load(path.read_text(encoding="utf-8"))["name"]
        for path in sorted((Path(group.settings.playbook_dir) / "drills").glob("*.yaml"))
    ]
    assert names and all(name in reminder for name in names)
    assert [r for r in run_sweep(group, local(2026, 11, 16, 12, 0)) if "模拟演练" in r] == []
    [late] = [r for r in run_sweep(group, local(2026, 12, 16, 18, 0)) if "模拟演练" in r]  # 15 Dec 10:00 missed
    assert "补发" in late


def test_the_scheduler_wakes_exactly_at_the_next_review(group):
    from bot.app import create_app
    from bot.clock.now import utcnow

    business_now = local(2026, 12, 20, 9, 0)
    app = create_app(make_settings(group.db_url, sweep_interval_seconds=3600), clock=lambda: business_now)
    with serve(app):
        runtime = app.state.runtime
        runtime.sweep()
        expected = utcnow() + (local(2027, 1, 4, 10, 0) - business_now)  # before the drill reminder of 15 Jan
        assert abs((runtime.scheduler.next_wake() - expected).total_seconds()) < 5


def test_concurrent_sweeps_send_each_review_once(group):
    import threading

    play_incident(group, local(2026, 10, 20, 10, 0), "F 另一个群的事件", chat_id="oc_review_2", initial=45)
    when = local(2027, 1, 4, 10, 0, 5)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def one_sweep() -> None:
        engine = db.make_engine(group.db_url)
        barrier.wait()
        try:
            sweep.sweep(engine, group.settings, now=when)
        except Exception as exc:  # the loser of a race on a step notice may roll back; follow-ups never raise
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=one_sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sweep.sweep(group.engine, group.settings, now=when)
    with Session(group.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "card")).all()
    titles = [(row.chat_id, json.loads(row.payload)["card"]["title"]) for row in rows]
    assert sorted(chat for chat, title in titles if "季度复盘：" in title) == [CHAT, "oc_review_2"]
