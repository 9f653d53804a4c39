#!/usr/bin/env python
"""Report pages under load (issue 15, item 7): how fast the bot still answers while many people open the report.

Builds one closed incident in a temporary SQLite database, serves the app (sandbox mode) on loopback, and measures
/healthz latency (the same worker pool as webhook acks) in two phases of the same run: alone (the baseline), and
while `--opens` clients open the signed report link at once, repeatedly. Prints p50 / p99 / max of both, their
ratio, how many pages were drawn, and the process RSS before and after.

    python bench/report_load.py              # 40 concurrent opens
    python bench/report_load.py --opens 80
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import create_app  # noqa: E402
from tests.chat import SandboxChat  # noqa: E402
from tests.support import Clock, make_settings, serve  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def latencies(base: str, seconds: float) -> list[float]:
    found, end = [], time.monotonic() + seconds
    with httpx.Client(timeout=30) as client:
        while time.monotonic() < end:
            start = time.perf_counter()
            client.get(base + "/healthz")
            found.append((time.perf_counter() - start) * 1000)
    return found


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):7.1f} ms  p99 {p99:7.1f} ms  max {ordered[-1]:7.1f} ms  (n={len(ordered)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=40, help="clients opening the report at once")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{folder}/bench.db"
        chat = SandboxChat(db_url)
        chat.say("/角色 负责人 @周总", mentions=(("ou_ceo", "周总"),))
        chat.say("/危机 开启 面霜过敏 级别=1")
        chat.say("负面评论占比升至45%", minutes=10)
        chat.say("话题阅读量破620万", minutes=20)
        chat.say("/结束", minutes=60)
        chat.say("/复盘", minutes=61)
        cards = [s.card for s in chat.sent() if s.card]
        card = next((c for c in reversed(cards) if c["title"].startswith("复盘")), None)
        if card is None:
            raise SystemExit(f"no retro card: {[c['title'] for c in cards]} {chat.texts()[-3:]}")
        url = card["blocks"][-1]["buttons"][0]["url"]
        path = url[url.index("/reports/") :]
        app = create_app(make_settings(db_url), clock=Clock(chat.clock()))
        before = rss_mib()
        with serve(app) as base:
            httpx.get(base + path, timeout=120)  # warm: fonts, templates
            alone = latencies(base, args.seconds)
            stop = threading.Event()

            def keep_opening() -> None:
                with httpx.Client(timeout=300) as client:
                    while not stop.is_set():
                        client.get(base + path)

            with ThreadPoolExecutor(args.opens) as pool:
                for _ in range(args.opens):
                    pool.submit(keep_opening)
                loaded = latencies(base, args.seconds)
                stop.set()
            drawn = app.state.report_pages.rendered
        after = rss_mib()
        chat.close()
    print(f"/healthz alone                     {summary(alone)}")
    print(f"/healthz with {args.opens:3d} report openers    {summary(loaded)}")
    p99 = [sorted(values)[int(len(values) * 0.99)] for values in (loaded, alone)]
    print(f"ratio p99 loaded/alone: {p99[0] / p99[1]:.1f}x")
    print(f"report pages drawn: {drawn} (one version of one retro)")
    print(f"RSS: {before:.0f} MiB before serving, {after:.0f} MiB after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
