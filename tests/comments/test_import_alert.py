"""An import that takes the public's negative share over the alert line (20 %) raises the group's alert, once per
crossing, whichever way the comments came in: a file posted in the group, `crisisbot import` (the running bot
delivers it from the outbox), the ingest endpoint. The curves are planned here bucket by bucket (50 comments per
30-minute bucket, the negative ones from the KOL-jump texts the classifier reads as negative)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from bot.core.mentions import split
from tests.comments import kol_jump
from tests.comments.paths import cli_import, post_file, push
from tests.feishu_group import FeishuGroup
from tests.support import T0, Clock, serve, wait_until

PER_BUCKET = 50


def comments_csv(start: datetime, negative_per_bucket: list[int], *, tag: str) -> bytes:
    """A generic Chinese-header export: `PER_BUCKET` comments per half hour from `start` (local time)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, ["评论id", "用户昵称", "评论内容", "发布时间"])
    writer.writeheader()
    for bucket, negatives in enumerate(negative_per_bucket):
        for i in range(PER_BUCKET):
            pool = kol_jump.NEGATIVE if i < negatives else kol_jump.CALM
            at = start + timedelta(minutes=30 * bucket, seconds=30 * i)
            writer.writerow(
                {
                    "评论id": f"{tag}{bucket:02d}{i:02d}",
                    "用户昵称": f"{tag}用户{bucket}{i}",
                    "评论内容": pool[i % len(pool)][0],
                    "发布时间": at.strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
    return out.getvalue().encode("utf-8")


def alerts_in(texts: list[str]) -> list[str]:
    return [text for text in texts if "预警线" in text]


def plain(text: str) -> str:
    return "".join(piece for piece, is_id in split(text) if not is_id)


@pytest.fixture
def group(db_url, fake_feishu):
    group = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id="oc_alert", ingest_token="tok")
    with serve(group.app) as url:
        group.url = url
        group.say("ou_ceo", "/危机 开启 面霜过敏")
        group.say("ou_ceo", "/角色 运营 @_user_1", [("ou_ops", "王运营")])  # the lead at level 2
        yield group


def test_a_posted_file_that_crosses_the_line_alerts_once_and_names_the_lead(group):
    start = datetime(2026, 11, 24, 7, 0)  # local: buckets 07:00 … 08:30, stamped at their end
    first = comments_csv(start, [5, 5, 15, 20], tag="a")  # 10 %, 10 %, 30 %, 40 %
    replies = post_file(group, "第一批.csv", first)
    assert len(replies) == 2 and "导入 200 条" in replies[0]
    alert = replies[1]
    assert "导入的评论中，负面占比从 10% 升至 30%" in alert
    assert "08:30" in alert and "该时段 50 条评论" in alert  # the 08:00–08:30 bucket, stamped at its end
    assert "超过 20% 预警线" in alert and "最新时段为 40%" in alert and "请立即启动响应" in alert
    lead_mentions = [m for m in group.fake.sent_messages if "预警线" in m["content"].get("text", "")]
    assert '<at user_id="ou_ops">' in lead_mentions[-1]["content"]["text"]

    # the same file again: nothing new, no second alert
    again = post_file(group, "第一批.csv", first)
    assert len(again) == 1 and not alerts_in(again)
    # later comments that stay above the line: still the same crossing
    above = post_file(group, "第二批.csv", comments_csv(start + timedelta(hours=2), [25, 30], tag="b"))
    assert len(above) == 1 and not alerts_in(above)
    # a fall under the line, then a new rise: a new crossing, alerted once
    rise = comments_csv(start + timedelta(hours=3), [5, 5, 30], tag="c")
    replies = post_file(group, "第三批.csv", rise)
    assert len(alerts_in(replies)) == 1 and "从 10% 升至 60%" in alerts_in(replies)[0]
    assert len(alerts_in(group.texts())) == 2


def test_crisisbot_import_queues_one_alert_for_the_latest_crossing_and_the_bot_posts_it(group, db_url, tmp_path):
    history = tmp_path / "三天的评论.csv"  # two crossings, and back under the line by the end
    history.write_bytes(comments_csv(datetime(2026, 11, 24, 6, 0), [15, 5, 20, 5], tag="h"))
    result = cli_import(db_url, history, "--chat", group.chat_id, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "已同时向群里发出预警" in result.stdout and "升至 40%" in result.stdout
    assert "\ue000" not in result.stdout  # no mention markers on a terminal
    assert wait_until(lambda: alerts_in(group.texts()))
    assert wait_until(group.idle)
    [alert] = alerts_in(group.texts())
    assert "从 10% 升至 40%" in alert and "最新时段已回落至 10%" in alert and "请立即启动响应" not in alert

    again = cli_import(db_url, history, "--chat", group.chat_id, cwd=tmp_path)
    assert again.returncode == 0 and "预警" not in again.stdout
    group.say("ou_ops", "收到")  # one more round trip: anything queued meanwhile has gone out
    assert len(alerts_in(group.texts())) == 1


def test_a_pushed_batch_over_the_line_alerts_the_group(group):
    body = comments_csv(datetime(2026, 11, 24, 8, 0), [30], tag="p")  # one bucket at 60 %: opens the curve above
    response = push(group.url, 1, body)
    assert response.status_code == 200, response.text
    assert wait_until(lambda: alerts_in(group.texts()))
    [alert] = alerts_in(group.texts())
    assert "升至 60%" in plain(alert) and "从" not in plain(alert).split("升至")[0]


def test_under_the_line_or_a_closed_incident_alerts_nobody(group, db_url, tmp_path):
    calm = post_file(group, "平稳.csv", comments_csv(datetime(2026, 11, 24, 7, 0), [5, 8, 10], tag="q"))
    assert len(calm) == 1  # 10 %, 16 %, 20 %: at the line is not over it
    group.say("ou_ceo", "/危机 结束")
    late = tmp_path / "补充评论.csv"
    late.write_bytes(comments_csv(datetime(2026, 11, 24, 9, 0), [40], tag="r"))
    result = cli_import(db_url, late, "--incident", "1", cwd=tmp_path)
    assert result.returncode == 0 and "导入 50 条" in result.stdout and "预警" not in result.stdout
    group.say("ou_ops", "收到")
    assert not alerts_in(group.texts())
