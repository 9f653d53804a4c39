"""Building bench/retro.py's synthetic incident in a fresh database: the incident rows, the roster, the timeline
entries with their metric samples and statement lints, level changes and steps (Core executemany in batches), then
the comments through the real importer (bench/retro_comments.py) — plus a small second incident in the same tables
so the ``WHERE incident_id`` filters have something to filter. The story itself is in bench/retro_scenario.py."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, timedelta

import sqlalchemy as sa

from bench import retro_comments
from bench.retro_scenario import (
    ACTION_TEXTS,
    AUTHORS,
    CHAT_ID,
    DECISION_TEXTS,
    DURATION,
    KOL_ACTION_SHARE,
    KOL_ACTION_TEXTS,
    METRIC_MIX,
    METRIC_WORDS,
    NOTE_TEXTS,
    OTHER_CHAT_ID,
    PLAYBOOK,
    ROOT_TEXTS,
    ROSTER,
    SPREAD_LINKS,
    SPREAD_TEXTS,
    START,
    STATEMENTS,
    SYSTEM_TEXTS,
    count_value,
    negative_level,
)
from bot.drafting.models import StatementLint
from bot.incidents.models import Incident, RoleAssignment
from bot.steps.models import IncidentStep
from bot.timeline.models import LevelChange, MetricSample, TimelineEntry

BATCH = 5000


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
