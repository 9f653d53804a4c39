#!/usr/bin/env python
"""Comment import end to end: ``--comments`` (200,000) MediaCrawler Xiaohongshu comments written to a CSV (older
schema, millisecond times, 1 % duplicates, 2 % replies), then ``bot.comments.flows.import_comments`` on a temp SQLite
file — read, recognise, parse, dedup, sentiment (``bot.sentiment.classify`` in batches), bulk insert, commit — timed
as a whole and by stage, with the process's resident memory (RSS) sampled while it runs.

    python bench/import.py                      # 200,000 comments; target >= 3,000 comments/s
    python bench/import.py --comments 20000 --json

Exits 1 when the rate is below ``--target`` (comments/s) or the stored count is wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench import mediacrawler  # noqa: E402
from bot.comments import flows  # noqa: E402
from bot.comments.models import Comment  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import db  # noqa: E402
from bot.incidents.models import Incident  # noqa: E402

OPENINGS = ["用了三天", "刚拆封", "敏感肌", "第二次回购", "看到笔记", "朋友推荐", "直播间买的", "闺蜜说"]
MIDDLES = [
    "脸上全是红疹", "有点刺痛", "完全没问题", "客服一直不回", "说好的敏感肌可用呢", "包装漏了", "味道很大",
    "效果还可以", "发痒了一晚上", "官方能不能出来说句话",
]  # fmt: skip
ENDINGS = ["要求退款！", "太失望了", "坐等检测报告", "被骗了吧", "还会回购", "已经停用了", "呵呵，真行", "。"]


def write_export(path: Path, count: int, seed: int = 7) -> int:
    """A MediaCrawler XHS comment export of `count` rows; returns the number of distinct comments."""
    rng = random.Random(seed)
    start_ms = int(datetime(2025, 11, 25, 2, 0, tzinfo=UTC).timestamp() * 1000)
    rows = []
    seen: set[int] = set()
    for i in range(count):
        n = i if rng.random() > 0.01 or i == 0 else rng.randrange(i)  # ~1 % duplicates of earlier rows
        seen.add(n)
        r = random.Random(n)
        text = f"{r.choice(OPENINGS)}，{r.choice(MIDDLES)}，{r.choice(ENDINGS)}#{n}"
        parent = f"c{r.randrange(max(n, 1)):08d}" if r.random() < 0.02 else "0"
        rows.append(
            mediacrawler.xhs_row(
                comment_id=f"c{n:08d}",
                at_ms=start_ms + n * 400,
                text=text,
                user=n % 50_000,
                likes=r.randrange(200),
                modified_ms=start_ms + count * 400,
                parent=parent,
            )
        )
    path.write_text(mediacrawler.xhs_csv(rows), encoding="utf-8")
    return len(seen)


class RssSampler(threading.Thread):
    """Peak resident memory of this process, sampled every 50 ms from /proc."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        page = resource.getpagesize()
        while not self.stop.is_set():
            with open("/proc/self/statm") as statm:
                self.peak = max(self.peak, int(statm.read().split()[1]) * page)
            self.stop.wait(0.05)


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--target", type=float, default=3000.0, help="comments/s the import must reach")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "xhs_comments.csv"
        distinct = write_export(export, args.comments)
        file_mb = round(export.stat().st_size / 1e6, 1)
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        db.upgrade(url)
        settings = Settings(_env_file=None, database_url=url)
        engine = db.make_engine(url)
        now = datetime(2025, 11, 25, 6, 0, tzinfo=UTC)
        from bot import sentiment

        sentiment.classify(["预热"])  # load the model and the lexicon before the clock starts
        with Session(engine) as session:
            incident = Incident(
                chat_id="oc_bench", title="面霜过敏", playbook="product_defect", started_at=now, opened_at=now
            )
            session.add(incident)
            session.commit()
            baseline = rss()
            sampler = RssSampler()
            sampler.start()
            started = time.perf_counter()
            data = flows.read_file(export, settings)
            summary = flows.import_comments(
                session, incident, data, name=export.name, source="cli", settings=settings, now=now
            )
            session.commit()
            seconds = time.perf_counter() - started
            sampler.stop.set()
            sampler.join()
            stored = session.execute(sa.select(sa.func.count()).select_from(Comment)).scalar_one()
        engine.dispose()
        texts = [f"用了三天，脸上全是红疹，要求退款！#{i}" for i in range(20_000)]
        t0 = time.perf_counter()
        sentiment.classify(texts)
        classify_rate = len(texts) / (time.perf_counter() - t0)

    result = {
        "comments": args.comments,
        "file_mb": file_mb,
        "imported": summary.imported,
        "skipped": summary.skipped,
        "stored": stored,
        "seconds": round(seconds, 2),
        "comments_per_second": round(args.comments / seconds),
        "classify_per_second_alone": round(classify_rate),
        "rss_before_mb": round(baseline / 2**20),
        "rss_peak_mb": round(sampler.peak / 2**20),
        "target": args.target,
    }
    result["distinct"] = distinct
    ok = stored == distinct == summary.imported and result["comments_per_second"] >= args.target
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(
            f"{args.comments} MediaCrawler comments ({file_mb} MB CSV) imported in {result['seconds']} s: "
            f"{result['comments_per_second']} comments/s (target {args.target:.0f}); "
            f"imported {summary.imported}, skipped {summary.skipped}; "
            f"RSS {result['rss_before_mb']} MB before, peak {result['rss_peak_mb']} MB while importing; "
            f"sentiment alone {result['classify_per_second_alone']} texts/s"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
