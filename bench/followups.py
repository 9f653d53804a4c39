#!/usr/bin/env python
"""What the follow-ups cost: the per-sweep check for quarterly reviews and drill reminders, and the review itself.

The sweep runs every SWEEP_INTERVAL_SECONDS (15 s) and after processed events; since issue 7 it also looks at every
known group for a quarterly review or drill reminder that is due. This measures, on a temp SQLite file with
``--groups`` groups (each with a roster and ``--incidents`` closed incidents with statements, steps and
negative-share samples spread over the last four quarters):

1. steady state (everything already sent): ``prompts.sweep`` with the follow-up check vs the same sweep with the
   check replaced by a no-op — the ratio is what the check adds to every sweep;
2. the due moment: the sweep that posts the reviews of every group at once, while another thread stores inbound
   events the way the webhook does before acknowledging them (their latency must stay far below Feishu's 3 s);
3. ``review.compute`` for all groups together vs the baseline of ``retro.compute`` for each incident it covers
   (the review is built on the retros: the ratio is the aggregation's overhead).

Each timing is the best of ``--repeat`` runs after a warm-up.

    python bench/followups.py                    # 300 groups × 4 incidents
    python bench/followups.py --groups 50 --incidents 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select  # noqa: E402

from bot.clock.quarters import Quarter  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import db, inbox  # noqa: E402
from bot.followups import flows as followups
from bot.followups import review
from bot.incidents.models import Incident, RoleAssignment
from bot.library.lexicon import load as load_lexicon  # noqa: E402
from bot.library.playbooks import load as load_playbooks  # noqa: E402
from bot.retro import compute as retro
from bot.scheduling import sweep as prompts
from bot.scheduling.models import ChatNotice  # noqa: E402
from bot.steps.models import IncidentStep
from bot.timeline.models import MetricSample, TimelineEntry

SH = ZoneInfo("Asia/Shanghai")
REVIEW_AT = datetime(2027, 1, 4, 10, 0, 30, tzinfo=SH)  # first working day of 2027Q1


def build(engine, groups: int, per_group: int) -> None:
    starts = [datetime(2026, 2, 10, 10, tzinfo=SH) + timedelta(days=86 * i) for i in range(4)]
    with Session(engine) as session:
        for g in range(groups):
            chat = f"oc_bench_{g}"
            for role, user in (("lead", "ou_ceo"), ("ops", "ou_ops"), ("marketing", "ou_mkt")):
                session.add(
                    RoleAssignment(
                        chat_id=chat,
                        role=role,
                        user_id=f"{user}_{g}",
                        user_name=role,
                        assigned_at=starts[0] - timedelta(days=1),
                    )
                )
            for i in range(per_group):
                start = starts[i % 4] + timedelta(hours=g % 24)
                incident = Incident(
                    chat_id=chat,
                    title=f"事件 {g}-{i}",
                    playbook="product_defect",
                    level=2,
                    status="closed",
                    started_at=start,
                    opened_at=start,
                    closed_at=start + timedelta(hours=12),
                )
                session.add(incident)
                session.flush()
                for minutes, kind, subkind, text in (
                    (30 + g % 50, "statement", "initial", "非常抱歉，3天内回复"),
                    (200 + i * 20, "statement", "formal", "3天内可申请全额退款"),
                ):
                    session.add(
                        TimelineEntry(
                            incident_id=incident.id,
                            at=start + timedelta(minutes=minutes),
                            kind=kind,
                            subkind=subkind,
                            author_id="ou_mkt",
                            text=text,
                        )
                    )
                for minutes, value in ((10, 0.25), (60, 0.31), (150, 0.18)):
                    session.add(
                        MetricSample(
                            incident_id=incident.id,
                            metric="negative_ratio",
                            value=value,
                            platform="xhs",
                            at=start + timedelta(minutes=minutes),
                            source="message",
                        )
                    )
                session.add(
                    IncidentStep(
                        incident_id=incident.id,
                        step_id="first_response",
                        role="ops",
                        active=True,
                        due_at=start + timedelta(hours=2),
                        status="done",
                        done_at=start + timedelta(minutes=40),
                    )
                )
        session.commit()


def best(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--incidents", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        db.upgrade(url)
        engine = db.make_engine(url)
        settings = Settings(_env_file=None, database_url=url)
        library = load_playbooks(settings.playbook_dir)
        lexicon = load_lexicon(settings.playbook_dir)
        build(engine, args.groups, args.incidents)

        # The due moment, while another thread stores inbound events as the webhook does before its ack.
        acks: list[float] = []
        done = threading.Event()

        def store_events() -> None:
            n = 0
            while not done.is_set():
                n += 1
                payload = {
                    "type": "message",
                    "event_id": f"ev_bench_{n}",
                    "message_id": f"om_bench_{n}",
                    "chat_id": "oc_bench_0",
                    "text": "收到",
                }
                began = time.perf_counter()
                inbox.record(
                    engine,
                    source="sandbox",
                    keys=inbox.EventKeys(f"ev_bench_{n}", "message", f"om_bench_{n}", "oc_bench_0"),
                    payload=payload,
                )
                acks.append(time.perf_counter() - began)
                time.sleep(0.02)

        writer = threading.Thread(target=store_events)
        writer.start()
        began = time.perf_counter()
        queued = prompts.sweep(engine, settings, now=REVIEW_AT)
        due_moment = time.perf_counter() - began
        done.set()
        writer.join()
        with Session(engine) as session:
            sent = len(session.exec(select(ChatNotice.id).where(ChatNotice.key.startswith("review:"))).all())

        steady = best(lambda: prompts.sweep(engine, settings, now=REVIEW_AT + timedelta(minutes=1)), args.repeat)
        original = followups.due
        prompts.followups_due = lambda *a, **k: []
        try:
            without = best(lambda: prompts.sweep(engine, settings, now=REVIEW_AT + timedelta(minutes=1)), args.repeat)
        finally:
            prompts.followups_due = original

        quarter = Quarter(2026, 4)

        def whole_review() -> dict:
            with Session(engine) as session:
                return review.compute(session, quarter=quarter, library=library, lexicon=lexicon, tz=SH, now=REVIEW_AT)

        def retros_only() -> int:
            start, _ = quarter.previous.previous.previous.bounds(SH)
            with Session(engine) as session:
                rows = session.exec(select(Incident).where(Incident.started_at >= start)).all()
                for incident in rows:
                    retro.compute(session, incident, library=library, lexicon=lexicon, tz=SH, now=REVIEW_AT)
                return len(rows)

        covered = retros_only()
        review_time = best(whole_review, max(1, args.repeat // 2))
        baseline = best(retros_only, max(1, args.repeat // 2))
        engine.dispose()

    print(f"groups {args.groups} × incidents {args.incidents} (SQLite)")
    print(f"due moment: one sweep queued {queued} messages, reviews for {sent} groups, in {due_moment * 1000:.0f} ms")
    acks.sort()
    print(
        f"  meanwhile {len(acks)} inbound events stored: p50 {acks[len(acks) // 2] * 1000:.1f} ms, "
        f"p99 {acks[int(len(acks) * 0.99)] * 1000:.1f} ms, max {acks[-1] * 1000:.1f} ms"
    )
    print(
        f"steady sweep: {steady * 1000:.1f} ms with the follow-up check, {without * 1000:.1f} ms without "
        f"→ ratio {steady / without:.2f}×"
    )
    print(
        f"review.compute (all groups, {covered} incidents in the trend): {review_time * 1000:.0f} ms; "
        f"baseline retro.compute of each: {baseline * 1000:.0f} ms → ratio {review_time / baseline:.2f}×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
