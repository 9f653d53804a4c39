#!/usr/bin/env python
"""Retro compile time against merely reading the rows it is compiled from, on one big synthetic incident.

Issue 6's target, with issue 13's comments: an incident with 20,000 timeline entries and 200,000 imported
comments compiles (``bot.retro.compute``) in a time within 3× of reading those rows from the same DB. The comments
are real: a MediaCrawler Xiaohongshu export whose negative share follows the incident's curve is imported through
``bot.comments.flows.import_comments`` (parse, dedup, sentiment, keyword candidates, insert; see
bench/retro_comments.py), so the retro reads them as it would after a team's import — totals, platforms, emotions
and 30-minute buckets as SQL aggregates, the keyword candidates and the segment phrases.

What it does:

1. builds a fresh database (a temp SQLite file, or a throwaway schema in ``--database-url``'s PostgreSQL
   database) with ``bot.db.upgrade``, and inserts one closed incident (product_defect, level 2 → 1 → 2 → 1):
   ``--entries`` timeline entries (notes, spread with platform words and links, actions incl. KOL
   clarifications, decisions, metric messages, statements with their ``StatementLint`` rows, root causes,
   some recalled), ``--samples`` metric samples from messages (topic_reads growing past 1亿, negative_ratio
   with a few ≥ 15-point jumps, exposure, reposts …), level changes, incident steps and the group's roster; then
   imports ``--comments`` comments into it — plus a second, small incident (1,000 comments) in the same tables so
   the ``WHERE incident_id`` filters have something to filter;
2. baseline: reads every row the retro needs for that incident — ``SELECT * FROM timeline_entry /
   metric_sample / comment / incident_step / level_change / statement_lint WHERE incident_id = …``,
   ``role_assignment WHERE chat_id = …`` and the incident row — with SQLAlchemy Core into Python tuples (typed
   values: the same UTC datetime conversion the ORM applies);
3. ``bot.retro.compute(session, incident, library=…, tz=…)`` as the app calls it, in a fresh Session that
   also loads the incident;
4. best of ``--repeat`` (3) runs each after one untimed warm-up of each, and prints both times, the
   compute/baseline ratio and PASS/FAIL against ``--target`` (3.0). For context it also times the same
   queries as compute orders them (``ORDER BY at, id``) into tuples, and loaded as ORM objects.

    python bench/retro.py                       # 20,000 entries, 200,000 imported comments, temp SQLite
    python bench/retro.py --profile             # + cProfile of one compute run (top 15 functions)
    python bench/retro.py --entries 2000 --comments 20000   # quick run
    python bench/retro.py --database-url postgresql://postgres@127.0.0.1:5432/test   # throwaway schema there
    python bench/retro.py --json                # machine-readable results on stdout

Exit status 1 when compute takes more than ``--target`` × the baseline, or its output does not match the
synthetic incident (entries, series length — message samples plus one import point per 30-minute bucket of ≥ 20
comments, counted independently — escalations, milestones).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import retro_comments  # noqa: E402
from bot.comments.models import Comment  # noqa: E402
from bot.core import db  # noqa: E402
from bot.drafting.models import StatementLint  # noqa: E402
from bot.incidents.models import Incident, RoleAssignment  # noqa: E402
from bot.steps.models import IncidentStep  # noqa: E402
from bot.timeline.models import LevelChange, MetricSample, TimelineEntry  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 24, 9, 10, tzinfo=TZ)  # detection
NOW = START + timedelta(days=3)  # the clock compute runs under (the reference time while the incident is open)
DURATION = timedelta(hours=72)  # closed three days later
CHAT_ID = "oc_retro_bench"
OTHER_CHAT_ID = "oc_retro_bench_other"
PLAYBOOK = "product_defect"
BATCH = 5000
TARGET = 3.0

# Negative share over the incident: (hours from start, level) knots, linear in between; a knot with the same
# hour as the previous one is a jump (≥ 15 points: an escalation the retro must find).
NEGATIVE_KNOTS = (
    (0.0, 0.12),
    (1.8, 0.22),
    (1.8, 0.40),  # KOL repost → jump 1
    (4.5, 0.45),
    (6.8, 0.30),  # KOL clarification, formal statement
    (10.0, 0.28),
    (10.0, 0.47),  # Weibo hot search → jump 2
    (16.0, 0.38),
    (26.0, 0.26),
    (26.0, 0.44),  # media report → jump 3
    (34.0, 0.30),
    (41.0, 0.22),
    (41.0, 0.39),  # Douyin re-upload → jump 4
    (50.0, 0.25),
    (58.0, 0.30),
    (58.0, 0.48),  # second wave → jump 5
    (64.0, 0.24),
    (72.0, 0.15),
)
JUMPS = sum(1 for a, b in zip(NEGATIVE_KNOTS, NEGATIVE_KNOTS[1:], strict=False) if a[0] == b[0])

AUTHORS = (
    ("ou_ceo", "周总"),
    ("ou_ops", "王运营"),
    ("ou_ops2", "刘运营"),
    ("ou_mkt", "李市场"),
    ("ou_mkt2", "孙公关"),
    ("ou_cs", "陈客服"),
    ("ou_cs2", "吴客服"),
    ("ou_qa", "赵质检"),
    ("ou_intern", "小杨"),
)
ROSTER = (
    ("lead", "ou_ceo", "周总"),
    ("ops", "ou_ops", "王运营"),
    ("ops", "ou_ops2", "刘运营"),
    ("marketing", "ou_mkt", "李市场"),
    ("marketing", "ou_mkt2", "孙公关"),
    ("support", "ou_cs", "陈客服"),
    ("support", "ou_cs2", "吴客服"),
    ("qa", "ou_qa", "赵质检"),
)

NOTE_TEXTS = (
    "收到，我去跟一下",
    "好的👌",
    "先统一口径，客服话术我来改",
    "质检报告下午三点前能出来吗？",
    "这条笔记的作者已经私信我们了",
    "评论区有人晒了同批次的照片，看着确实有色差",
    "批次号我发群里了，大家核对一下",
    "有用户说客服一直没回，我去看看排队情况",
    "法务那边建议先别提赔偿金额",
    "今晚谁值班？我到12点",
    "刚和仓库确认，这批货还有 3200 件没发",
    "老板问现在最新的情况，谁整理一下",
    "这个话题小红书上还在涨",
    "新闻客户端有人在问我们要回应",
    "有人说要去12315投诉",
    "截图我存证据了",
)
SPREAD_TEXTS = (
    "微博上有大V转发了，带了话题 #{n}",
    "抖音出现了搬运视频，播放量在涨",
    "上热搜了，第 {n} 位",
    "有媒体记者私信要采访",
    "一个 {n} 万粉的博主转发了那篇吐槽笔记",
    "快手也有人搬运了",
    "头条号发了一篇报道，标题很难听",
    "公众号“消费观察”写了长文",
    "weibo 上开始有人带节奏",
    "小红书上又出了一篇同款吐槽笔记，{n} 赞",
    "douyin 评论区全是问退款的",
    "有记者在打客服电话核实",
)
ACTION_TEXTS = (
    "已下架问题批次",
    "客服专项通道已开通，话术已更新",
    "已私信笔记作者沟通退款",
    "质检送样到第三方实验室",
    "评论区置顶回复已更新",
    "已安排客服加班，排队清零",
    "已给所有下单用户发短信",
    "退款入口已挂到笔记评论区",
)
KOL_ACTION_TEXTS = (  # actions the retro reads as KOL/KOC clarifications (a few percent of the actions)
    "已联系 3 位垂类博主做实测澄清",
    "KOC 实测视频已发布",
    "达人澄清笔记已发出",
    "博主实测结果：同批次正常，已转发",
)
KOL_ACTION_SHARE = 0.006
DECISION_TEXTS = (
    "决定：先发初步回应，正式声明等质检报告",
    "决定：问题批次全部召回",
    "决定：对买到问题批次的用户全额退款",
    "决定：暂停该品投放",
    "决定：升级为一级事件，老板牵头",
    "决定：每天 18 点在笔记下更新进展",
)
SYSTEM_TEXTS = ("级别调整为一级", "步骤“首次回应”已完成", "提醒：正式声明还有 30 分钟截止", "级别调整为二级")
STATEMENTS = (
    ("initial", "我们看到了大家的反馈，正在核实这批产品的问题，今天内在这里更新进展。"),
    (
        "formal",
        "关于近期部分用户反馈的产品色差问题：经第三方检测，11月批次存在染色工艺缺陷。"
        "即日起购买该批次的用户可在 3 天内申请全额退款，客服专线 400-800-1234 24 小时受理。",
    ),
    (None, "对于给您带来的不便我们深表歉意，公司高度重视，后续会妥善处理。"),
    (None, "退款已开放，截至今天 18 点已处理 1200 单，没收到的朋友私信我们。"),
    (None, "检测报告全文已发在这条笔记下面，欢迎大家监督。"),
    (None, "我们持续关注此事，相关部门正在积极配合调查，敬请谅解。"),
)
ROOT_TEXTS = (
    ("root_surface", "11月批次染色工艺参数被改动，导致色差"),
    ("root_deep", "供应商变更工艺没有走变更评审，质检抽检比例过低"),
    ("root_surface", "客服首日排队超过 2 小时，投诉外溢到社交平台"),
    ("root_deep", "没有舆情分级阈值，首次回应等了老板审批"),
)
SPREAD_LINKS = (
    ("https://weibo.com/1234567890/{n}", "weibo"),
    ("https://www.douyin.com/video/{n}", "douyin"),
    ("https://www.xiaohongshu.com/explore/{n}", "xhs"),
    ("https://news.example.com/a/{n}", "media"),
)
# Message metric samples: (metric, share of them, platform choices).
METRIC_MIX = (
    ("topic_reads", 0.25, ("xhs", "xhs", "weibo")),
    ("negative_ratio", 0.20, ("xhs",)),
    ("note_exposure", 0.15, ("xhs",)),
    ("reposts", 0.10, ("xhs", "weibo", "douyin")),
    ("likes", 0.10, ("xhs",)),
    ("comments", 0.10, ("xhs", "douyin")),
    ("complaints", 0.05, ("xhs",)),
    ("followers_lost", 0.03, ("xhs",)),
    ("sales_change", 0.02, ("xhs",)),
)
METRIC_WORDS = {
    "topic_reads": "话题阅读",
    "note_exposure": "笔记曝光",
    "reposts": "转发",
    "likes": "点赞",
    "comments": "评论",
    "negative_ratio": "负面占比",
    "complaints": "投诉量",
    "sales_change": "销量变化",
    "followers_lost": "掉粉",
}


# ----- synthetic incident ----------------------------------------------------------------------------------------


def negative_level(hours: float) -> float:
    """The underlying negative share at `hours` after the start (see NEGATIVE_KNOTS)."""
    knots = NEGATIVE_KNOTS
    if hours <= knots[0][0]:
        return knots[0][1]
    for (h0, v0), (h1, v1) in zip(knots, knots[1:], strict=False):
        if h0 <= hours < h1:
            return v0 + (v1 - v0) * (hours - h0) / (h1 - h0)
    return knots[-1][1]


def count_value(metric: str, frac: float, rng: random.Random) -> float:
    """A count metric at `frac` (0–1) of the incident: growing, topic_reads past 1亿."""
    peak = {
        "topic_reads": 1.6e8,
        "note_exposure": 4.2e7,
        "reposts": 2.3e5,
        "likes": 1.1e6,
        "comments": 1.8e5,
        "complaints": 12_000,
        "followers_lost": 35_000,
    }[metric]
    grown = peak * (1 - (1 - frac) ** 3)  # fast at first, flattening
    return float(round(max(1.0, grown * rng.uniform(0.97, 1.0)) + 500))


@dataclass
class Synthetic:
    incident_id: int = 0
    other_incident_id: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # table → rows of the benched incident
    visible_entries: int = 0  # not recalled
    negative_in_window: int = 0  # negative_ratio samples the retro's series must carry
    build_s: float = 0.0
    import_s: float = 0.0  # of build_s: the comment import


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(sa.insert(table), rows[i : i + BATCH])


def build(engine: sa.Engine, *, entries: int, samples: int, comments: int, seed: int) -> Synthetic:
    """Insert the synthetic incident (and a small second one) with Core executemany in batches."""
    from bot.config import BUNDLED_PLAYBOOKS
    from bot.drafting.lint import lint
    from bot.library.lexicon import load as load_lexicon

    lexicon = load_lexicon(BUNDLED_PLAYBOOKS)
    rng = random.Random(seed)
    t0 = time.perf_counter()
    out = Synthetic()
    start = START.astimezone(UTC)
    close = start + DURATION
    with engine.begin() as conn:
        for chat_id, title, opened, closed, level in (
            (CHAT_ID, "11月批次色差吐槽笔记发酵", start + timedelta(minutes=15), close, 1),
            (OTHER_CHAT_ID, "另一群的小事件", start - timedelta(days=30), start - timedelta(days=29), 2),
        ):
            result = conn.execute(
                sa.insert(Incident.__table__).returning(Incident.__table__.c.id),
                {
                    "chat_id": chat_id,
                    "title": title,
                    "playbook": PLAYBOOK,
                    "playbook_reason": "产品质量",
                    "level": level,
                    "status": "closed",
                    "started_at": opened - timedelta(minutes=15),
                    "opened_at": opened,
                    "closed_at": closed,
                    "opened_by": "ou_ceo",
                    "open_message_id": f"om_{chat_id}",
                    "remedy": "3天内可申请全额退款",
                    "is_drill": False,
                },
            )
            if chat_id == CHAT_ID:
                out.incident_id = result.scalar_one()
            else:
                out.other_incident_id = result.scalar_one()
        incident_id = out.incident_id

        _insert(
            conn,
            RoleAssignment.__table__,
            [
                {
                    "chat_id": chat,
                    "role": role,
                    "user_id": user_id,
                    "user_name": name,
                    "assigned_by": "ou_ceo",
                    "assigned_at": start - timedelta(days=3),
                }
                for chat in (CHAT_ID, OTHER_CHAT_ID)
                for role, user_id, name in ROSTER
            ],
        )

        # Timeline: `entries` entries at increasing event times over the three days. The metric entries carry
        # the message metric samples (one each); statements and root causes sit at fixed points.
        n_metric = min(samples, entries // 4)
        metric_slots = set(rng.sample(range(1, entries), n_metric))
        fixed: dict[int, tuple[str, str | None, str]] = {}
        statement_at = (55, 270, 600, 1500, 2300, 3600)  # minutes after the start
        for (subkind, text), minutes in zip(STATEMENTS, statement_at, strict=True):
            fixed[_slot(minutes, entries, metric_slots, fixed)] = ("statement", subkind, text)
        for i, (subkind, text) in enumerate(ROOT_TEXTS):
            fixed[_slot(900 + 700 * i, entries, metric_slots, fixed)] = ("decision", subkind, text)
        metric_order = [
            (metric, platforms) for metric, share, platforms in METRIC_MIX for _ in range(round(share * n_metric))
        ]
        metric_order += [("topic_reads", ("xhs",))] * (n_metric - len(metric_order))
        rng.shuffle(metric_order)
        metric_iter = iter(metric_order[:n_metric])

        step = DURATION / entries
        rows: list[dict] = []
        pending_samples: list[tuple[str, dict]] = []  # (message_id, sample row without entry_id)
        kinds = ("note", "spread", "action", "decision", "system")
        weights = (0.50, 0.18, 0.16, 0.08, 0.08)
        for i in range(entries):
            at = start + step * i + timedelta(seconds=rng.uniform(0, step.total_seconds() * 0.9))
            hours = (at - start).total_seconds() / 3600
            author_id, author_name = rng.choice(AUTHORS)
            subkind = links = None
            source = "message"
            if i == 0:
                kind, text = "detection", "小红书上一篇吐槽 11 月批次色差的笔记，2 小时 3000 赞，评论区都在问退款"
            elif i in fixed:
                kind, subkind, text = fixed[i]
            elif i in metric_slots:
                kind = "metric"
                metric, platforms = next(metric_iter)
                platform = rng.choice(platforms)
                if metric == "negative_ratio":
                    value = round(min(0.95, max(0.01, negative_level(hours) + rng.uniform(-0.02, 0.02))), 4)
                    text = f"评论区负面占比大概 {value:.0%}"
                elif metric == "sales_change":
                    value = round(-rng.uniform(0.05, 0.3), 4)
                    text = f"销量变化 下降{-value:.0%}"
                else:
                    value = count_value(metric, hours / (DURATION.total_seconds() / 3600), rng)
                    text = f"{METRIC_WORDS[metric]} {value / 10_000:.1f}万（{platform}）"
                pending_samples.append(
                    (
                        f"om_b{i}",
                        {
                            "incident_id": incident_id,
                            "metric": metric,
                            "value": value,
                            "platform": platform,
                            "at": at,
                            "source": "message",
                        },
                    )
                )
            else:
                kind = rng.choices(kinds, weights)[0]
                if kind == "note":
                    text = rng.choice(NOTE_TEXTS)
                elif kind == "spread":
                    text = rng.choice(SPREAD_TEXTS).format(n=rng.randrange(2, 900))
                    if rng.random() < 0.3:
                        url, platform = rng.choice(SPREAD_LINKS)
                        links = json.dumps([{"url": url.format(n=rng.randrange(10**8)), "platform": platform}])
                elif kind == "action":
                    text = rng.choice(KOL_ACTION_TEXTS if rng.random() < KOL_ACTION_SHARE else ACTION_TEXTS)
                elif kind == "decision":
                    text = rng.choice(DECISION_TEXTS)
                else:
                    text, source, author_id, author_name = rng.choice(SYSTEM_TEXTS), "system", "bot", "危机助手"
            recalled = kind in ("note", "spread", "action") and rng.random() < 0.01
            rows.append(
                {
                    "incident_id": incident_id,
                    "at": at,
                    "kind": kind,
                    "subkind": subkind,
                    "author_id": author_id,
                    "author_name": author_name,
                    "text": text,
                    "message_id": f"om_b{i}",
                    "source": source,
                    "links": links,
                    "recalled": recalled,
                    "pinned": kind == "statement",
                    "classified_by": "rules",
                    "created_at": at + timedelta(seconds=1),
                }
            )
            out.visible_entries += not recalled
        # The other incident: a few entries and samples, so the filters filter.
        other_start = start - timedelta(days=30)
        for i in range(200):
            rows.append(
                {
                    "incident_id": out.other_incident_id,
                    "at": other_start + timedelta(minutes=i),
                    "kind": "note",
                    "subkind": None,
                    "author_id": "ou_ops",
                    "author_name": "王运营",
                    "text": rng.choice(NOTE_TEXTS),
                    "message_id": f"om_o{i}",
                    "source": "message",
                    "links": None,
                    "recalled": False,
                    "pinned": False,
                    "classified_by": "rules",
                    "created_at": other_start + timedelta(minutes=i),
                }
            )
        _insert(conn, TimelineEntry.__table__, rows)
        te = TimelineEntry.__table__
        ids = dict(conn.execute(sa.select(te.c.message_id, te.c.id).where(te.c.incident_id == incident_id)).all())

        # Metric samples: the message ones (linked to their entries).
        sample_rows = [{**row, "entry_id": ids[message_id]} for message_id, row in pending_samples]
        negative_messages = sum(1 for row in sample_rows if row["metric"] == "negative_ratio")
        recalled_ids = {ids[r["message_id"]] for r in rows[:entries] if r["recalled"]}
        _insert(conn, MetricSample.__table__, sample_rows)
        out.negative_in_window = negative_messages  # all inside the window, none from a recalled entry; + import
        assert not any(r.get("entry_id") in recalled_ids for r in sample_rows)

        # Lints of the statements as `bot.statements` keeps them (all but the last, which compute lints itself).
        lint_rows = []
        for row in rows[:entries]:
            if row["kind"] != "statement" or row["text"] == STATEMENTS[-1][1]:
                continue
            result = lint(row["text"], "statement" if row["subkind"] == "formal" else "reply", lexicon=lexicon)
            lint_rows.append(
                {
                    "entry_id": ids[row["message_id"]],
                    "incident_id": incident_id,
                    "score": result.score,
                    "findings": json.dumps(
                        [
                            {
                                "code": f.code,
                                "severity": f.severity,
                                "span": list(f.span),
                                "suggestion": f.suggestion,
                                "text": f.text,
                            }
                            for f in result.findings
                        ],
                        ensure_ascii=False,
                    ),
                    "has_remedy": "no_remedy" not in result.codes,
                }
            )
        _insert(conn, StatementLint.__table__, lint_rows)

        changes = (
            (140, 2, 1, "话题阅读 620万，升级为一级"),
            (1800, 1, 2, "负面占比回落到 25%，降为二级"),
            (2600, 2, 1, "抖音二次发酵，重新升级"),
        )
        _insert(
            conn,
            LevelChange.__table__,
            [
                {
                    "incident_id": incident_id,
                    "at": start + timedelta(minutes=m),
                    "from_level": a,
                    "to_level": b,
                    "reason": reason,
                }
                for m, a, b, reason in changes
            ]
            + [
                {
                    "incident_id": out.other_incident_id,
                    "at": other_start,
                    "from_level": 3,
                    "to_level": 2,
                    "reason": "小事件",
                }
            ],
        )

        step_rows = []
        plan = (  # step_id, role, due (min), done (min) or None, active
            ("first_response", "ops", 60, 55, True),
            ("lead_briefing", "ops", 150, 175, True),
            ("cs_channel", "support", 120, 95, True),
            ("qa_trace", "qa", 240, 230, True),
            ("formal_statement", "marketing", 240, 270, True),
            ("segment_reply", "ops", 360, None, True),
            ("qa_report", "qa", 1440, 1300, True),
            ("kol_clarify", "marketing", 480, 400, True),
            ("legacy_hotline", "support", 600, None, True),  # a step since removed from the playbook
        )
        for position, (step_id, role, due, done, active) in enumerate(plan):
            step_rows.append(
                {
                    "incident_id": incident_id,
                    "step_id": step_id,
                    "role": role,
                    "position": position,
                    "active": active,
                    "due_at": start + timedelta(minutes=due),
                    "status": "done" if done is not None else "open",
                    "done_at": start + timedelta(minutes=done) if done is not None else None,
                    "done_by": "ou_ops" if done is not None else None,
                }
            )
        _insert(conn, IncidentStep.__table__, step_rows)

    # The comments, through the real importer: the benched incident's and a few of the other incident's.
    t_import = time.perf_counter()
    imported = retro_comments.import_into(
        engine,
        incident_id,
        retro_comments.export(comments, start=start, duration=DURATION, level=negative_level, seed=seed),
        now=close,
    )
    retro_comments.import_into(
        engine,
        out.other_incident_id,
        retro_comments.export(
            1000, start=other_start, duration=timedelta(hours=8), level=lambda _h: 0.2, seed=seed + 1
        ),
        now=close,
    )
    out.import_s = time.perf_counter() - t_import
    out.negative_in_window += retro_comments.expected_points(engine, incident_id, start, close)
    out.rows = {
        "timeline_entry": entries,
        "metric_sample": len(pending_samples),
        "comment": imported.imported,
        "incident_step": len(step_rows),
        "level_change": len(changes),
        "statement_lint": len(lint_rows),
        "role_assignment": len(ROSTER),
        "incident": 1,
    }
    out.build_s = time.perf_counter() - t0
    return out


def _slot(minutes: int, entries: int, taken: set[int], fixed: dict) -> int:
    """The entry index nearest to `minutes` after the start that is neither a metric entry nor taken."""
    i = max(1, min(entries - 1, round(minutes / (DURATION.total_seconds() / 60) * entries)))
    while i in taken or i in fixed:
        i += 1
    return min(i, entries - 1)


# ----- what is measured ------------------------------------------------------------------------------------------


def _tables() -> dict[str, sa.Table]:
    return {
        model.__tablename__: model.__table__
        for model in (
            TimelineEntry,
            MetricSample,
            Comment,
            IncidentStep,
            LevelChange,
            StatementLint,
            RoleAssignment,
            Incident,
        )
    }


def read_rows(engine: sa.Engine, incident_id: int, *, ordered: bool = False) -> int:
    """Baseline: every row the retro reads, as Python tuples (Core, typed). `ordered`: as compute orders them."""
    t = _tables()
    by_incident = ("timeline_entry", "metric_sample", "comment", "incident_step", "level_change", "statement_lint")
    count = 0
    with engine.connect() as conn:
        incident = tuple(conn.execute(sa.select(t["incident"]).where(t["incident"].c.id == incident_id)).one())
        count += 1
        for name in by_incident:
            table = t[name]
            stmt = sa.select(table).where(table.c.incident_id == incident_id)
            if ordered and name in ("timeline_entry", "metric_sample", "level_change"):
                stmt = stmt.order_by(table.c.at, table.c.id)
            rows = [tuple(row) for row in conn.execute(stmt)]
            count += len(rows)
        roster_table = t["role_assignment"]
        chat_id = incident[1]
        rows = [tuple(row) for row in conn.execute(sa.select(roster_table).where(roster_table.c.chat_id == chat_id))]
        count += len(rows)
    return count


def load_orm(engine: sa.Engine, incident_id: int) -> int:
    """The same reads as ORM objects, as compute's helpers issue them (no processing)."""
    from sqlmodel import Session

    from bot.incidents import roster
    from bot.steps import service as steps
    from bot.timeline import samples
    from bot.timeline import service as timeline

    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        count = 1 + len(timeline.entries(session, incident_id)) + len(samples.series(session, incident_id))
        count += len(steps.for_incident(session, incident_id))
        for model in (LevelChange, StatementLint):
            count += len(session.exec(sa.select(model).where(model.incident_id == incident_id)).all())
        count += sum(
            len(roster.holders(session, incident.chat_id, role))
            for role in ("lead", "ops", "marketing", "support", "qa")
        )
    return count


def make_compute(engine: sa.Engine, incident_id: int) -> Callable[[], dict]:
    from sqlmodel import Session

    from bot.config import BUNDLED_PLAYBOOKS
    from bot.library.lexicon import load as load_lexicon
    from bot.library.playbooks import load as load_playbooks
    from bot.retro import compute as retro

    library = load_playbooks(BUNDLED_PLAYBOOKS)  # the app holds its library and lexicon; not part of the compile
    lexicon = load_lexicon(BUNDLED_PLAYBOOKS)

    def run() -> dict:
        with Session(engine) as session:
            incident = session.get(Incident, incident_id)
            return retro.compute(session, incident, library=library, lexicon=lexicon, tz=TZ, now=NOW)

    return run


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    fn()  # warm-up: caches, SQLite page cache, compiled statements
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, result


def check(doc: dict, synthetic: Synthetic) -> list[str]:
    """The compiled document matches the synthetic incident (so the bench measured a real compile)."""
    problems = []
    if len(doc["timeline"]) != synthetic.visible_entries:
        problems.append(f"timeline has {len(doc['timeline'])} entries, expected {synthetic.visible_entries}")
    if len(doc["propagation"]["negative_ratio"]) != synthetic.negative_in_window:
        problems.append(
            f"negative_ratio series has {len(doc['propagation']['negative_ratio'])} points, "
            f"expected {synthetic.negative_in_window}"
        )
    if len(doc["escalations"]) < JUMPS:
        problems.append(f"{len(doc['escalations'])} escalations found, expected at least {JUMPS}")
    milestones = {(m["metric"], m["threshold"]) for m in doc["propagation"]["milestones"]}
    if ("topic_reads", 100_000_000) not in milestones:
        problems.append("topic_reads never crossed 1亿")
    if len(doc["level_changes"]) != 3:
        problems.append(f"{len(doc['level_changes'])} level changes, expected 3")
    return problems


def profile(fn: Callable[[], Any], top: int = 15) -> str:
    """One run under cProfile: the `top` functions by own time and by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # (file, line, name) → (primitive calls, calls, own, cumulative, callers)
    total = max(ct for _cc, _nc, _tt, ct, _callers in stats.values())
    lines = []
    for title, index in (("own time", 2), ("cumulative time", 3)):
        lines.append(f"cProfile of one compute run ({total:.2f}s under the profiler): top {top} by {title}")
        lines.append(f"{'calls':>10} {'own s':>8} {'cum s':>8}  function")
        ranked = sorted(stats.items(), key=lambda item: item[1][index], reverse=True)[:top]
        for (path, line, name), (_cc, nc, tt, ct, _callers) in ranked:
            lines.append(f"{nc:>10} {tt:>8.3f} {ct:>8.3f}  " + f"{_where(path, line)} {name}".strip())
        lines.append("")
    return "\n".join(lines)


def _where(path: str, line: int) -> str:
    """A short, unambiguous place: repo-relative, or package-relative for installed code."""
    if path.startswith("~") or path.startswith("<"):
        return ""
    p = Path(path)
    try:
        return f"{p.relative_to(ROOT)}:{line}"
    except ValueError:
        pass
    parts = p.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return f"{'/'.join(parts[parts.index(marker) + 1 :])}:{line}"
    return f"{'/'.join(parts[-2:])}:{line}"


# ----- databases -------------------------------------------------------------------------------------------------


@dataclass
class Database:
    url: str
    label: str
    cleanup: Callable[[], None]


def sqlite_database(keep: bool) -> Database:
    workdir = Path(tempfile.mkdtemp(prefix="crisisbot-retro-bench-"))
    path = workdir / "retro.db"

    def cleanup() -> None:
        if keep:
            print(f"database kept in {path}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    return Database(f"sqlite:///{path}", "sqlite (temp file)", cleanup)


def postgres_database(base_url: str, keep: bool) -> Database:
    """A throwaway schema in the given database; the URL puts it first on the search path."""
    base = sa.engine.make_url(db.normalize_url(base_url))
    schema = f"retro_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    def cleanup() -> None:
        if keep:
            print(f"schema {schema} kept", file=sys.stderr)
        else:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    label = f"postgresql {base.host or ''}:{base.port or ''}/{base.database} (schema {schema})"
    return Database(url, label, cleanup)


# ----- main ------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000, help="timeline entries (default 20000)")
    parser.add_argument(
        "--comments",
        type=int,
        default=200_000,
        help="comments imported into the incident through bot.comments (default 200000)",
    )
    parser.add_argument("--samples", type=int, default=2_000, help="metric samples from messages (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each, best taken (default 3)")
    parser.add_argument("--target", type=float, default=TARGET, help="max compute/baseline ratio (default 3.0)")
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL: a throwaway schema is made there and dropped (default: temp SQLite)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one compute run: top 15 functions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database (temp file / schema)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of text")
    args = parser.parse_args(argv)
    if args.entries < 100 or args.comments < 0 or args.samples < 10 or args.repeat < 1:
        parser.error("need --entries ≥ 100, --samples ≥ 10, --comments ≥ 0, --repeat ≥ 1")

    def say(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr, flush=True)

    database = postgres_database(args.database_url, args.keep) if args.database_url else sqlite_database(args.keep)
    report: dict[str, Any] = {
        "config": {
            "entries": args.entries,
            "comments": args.comments,
            "message_samples": args.samples,
            "comments_source": "a MediaCrawler XHS export imported by bot.comments.flows.import_comments",
            "repeat": args.repeat,
            "target": args.target,
            "database": database.label,
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "sqlalchemy": sa.__version__,
        }
    }
    engine = None
    try:
        say(f"migrating {database.label} …")
        db.upgrade(database.url)
        engine = db.make_engine(database.url)
        say(
            f"inserting {args.entries} timeline entries, {args.samples} message samples, "
            f"{args.comments} comments (exported as MediaCrawler CSV, then imported through bot.comments) …"
        )
        synthetic = build(engine, entries=args.entries, samples=args.samples, comments=args.comments, seed=args.seed)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("ANALYZE"))
        report["rows"] = synthetic.rows
        report["build_s"] = synthetic.build_s
        report["import_s"] = synthetic.import_s
        iid = synthetic.incident_id

        say("baseline: reading the rows into tuples …")
        base_s, base_all, rows_read = best_of(lambda: read_rows(engine, iid), args.repeat)
        say("compute …")
        compute = make_compute(engine, iid)
        comp_s, comp_all, doc = best_of(compute, args.repeat)
        say("context: ordered reads, ORM load …")
        ordered_s, _, _ = best_of(lambda: read_rows(engine, iid, ordered=True), args.repeat)
        orm_s, _, orm_rows = best_of(lambda: load_orm(engine, iid), args.repeat)
        ratio = comp_s / base_s
        problems = check(doc, synthetic)
        report.update(
            {
                "rows_read": rows_read,
                "baseline_s": base_s,
                "baseline_runs_s": base_all,
                "compute_s": comp_s,
                "compute_runs_s": comp_all,
                "ratio": ratio,
                "pass": ratio <= args.target and not problems,
                "context": {"ordered_read_s": ordered_s, "orm_load_s": orm_s, "orm_rows": orm_rows},
                "output": {
                    "timeline": len(doc["timeline"]),
                    "negative_ratio_points": len(doc["propagation"]["negative_ratio"]),
                    "escalations": len(doc["escalations"]),
                    "milestones": len(doc["propagation"]["milestones"]),
                    "platforms": [p["platform"] for p in doc["propagation"]["platforms"]],
                    "steps": f"{doc['kpis']['steps_met']}/{doc['kpis']['steps_total']}",
                    "findings": dict(Counter(f["code"] for f in doc["findings"])),
                },
                "problems": problems,
            }
        )
        if args.profile:
            say("profiling one compute run …")
            report["profile"] = profile(compute)
    finally:
        if engine is not None:
            engine.dispose()
        database.cleanup()

    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    return 0 if report["pass"] else 1


def print_report(r: dict[str, Any]) -> None:
    cfg, rows, ctx, out = r["config"], r["rows"], r["context"], r["output"]
    print(
        f"crisis-retro-bot retro compile bench — db {cfg['database']}, {cfg['cpus']} CPUs, "
        f"python {cfg['python']}, SQLAlchemy {cfg['sqlalchemy']}, best of {cfg['repeat']} after a warm-up"
    )
    print(
        f"synthetic incident: {rows['timeline_entry']} timeline entries, {rows['metric_sample']} metric samples "
        f"from messages, {rows['comment']} comments imported through bot.comments (of {cfg['comments']} "
        f"exported, in {r['import_s']:.1f}s), {rows['incident_step']} steps, {rows['level_change']} level changes, "
        f"{rows['statement_lint']} statement lints, {rows['role_assignment']} roster rows "
        f"(built in {r['build_s']:.1f}s)"
    )
    print()
    print(
        f"  baseline  read {r['rows_read']} rows into tuples   {r['baseline_s'] * 1000:9.0f} ms"
        f"   runs {', '.join(f'{t * 1000:.0f}' for t in r['baseline_runs_s'])}"
    )
    print(
        f"  compute   bot.retro.compute                {r['compute_s'] * 1000:9.0f} ms"
        f"   runs {', '.join(f'{t * 1000:.0f}' for t in r['compute_runs_s'])}"
    )
    print(f"  ratio     compute / baseline               {r['ratio']:9.2f}x   target ≤ {cfg['target']:g}x")
    print(
        f"  context:  same reads ordered as compute {ctx['ordered_read_s'] * 1000:.0f} ms "
        f"({ctx['ordered_read_s'] / r['baseline_s']:.2f}x); as ORM objects {ctx['orm_load_s'] * 1000:.0f} ms "
        f"({ctx['orm_load_s'] / r['baseline_s']:.2f}x); compute minus ORM load "
        f"{(r['compute_s'] - ctx['orm_load_s']) * 1000:.0f} ms"
    )
    print(
        f"  output:   {out['timeline']} timeline entries, {out['negative_ratio_points']} negative-share points, "
        f"{out['escalations']} escalations, {out['milestones']} milestones, platforms {out['platforms']}, "
        f"steps met {out['steps']}, findings {out['findings']}"
    )
    for problem in r["problems"]:
        print(f"PROBLEM: {problem}")
    print()
    if "profile" in r:
        print(r["profile"])
    print(
        "verdict:",
        "PASS" if r["pass"] else "FAIL",
        f"(compute {r['ratio']:.2f}x the baseline, target ≤ {cfg['target']:g}x)",
    )


if __name__ == "__main__":
    sys.exit(main())
