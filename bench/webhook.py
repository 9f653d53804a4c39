#!/usr/bin/env python
"""Webhook ack benchmark: signed + encrypted Feishu events against the running app on loopback.

What it does, per phase:

1. starts the fake Feishu Open API (in this process) so the bot's replies have somewhere to go;
2. starts a bare FastAPI endpoint (``POST /feishu/events`` → ``{"msg": "success"}``) as a separate
   process with the same uvicorn settings as ``crisisbot serve``, and measures it;
3. starts the real app (``python -m bot serve``) as a separate process in webhook mode, and sends
   it the same kind of load: N distinct ``im.message.receive_v1`` events, encrypted with AES and
   signed as Feishu does (bodies are encrypted before timing; the signature is computed just before
   each request so timestamps stay inside the app's replay window however long the run is);
4. after the load, waits until the inbox and the outbox drained, and verifies that every event was
   stored exactly once and every ``/help`` got exactly one reply at the fake.

Phase ``normal`` uses a fast fake; phase ``slow`` delays every message send at the fake
(``--slow-send-ms``, default 200 ms), so the outbox is busy for the whole run while acks are measured.
``--synchronous full,normal`` runs the app once per SQLite setting of the inbox commit (INBOX_SYNCHRONOUS) in
each phase, against the same bare measurement: what the fsync before each ack costs. ``--worker-process on,off``
likewise runs it with processing in the forked worker process and in the serving process (WORKER_PROCESS).

    python bench/webhook.py                      # 2000 events, concurrency 16, both phases
    python bench/webhook.py --events 300 --json  # machine-readable results
    python bench/webhook.py --database-url postgresql://user:pw@127.0.0.1/bench

Exit status 1 when an event was lost or duplicated, a /help reply is missing or doubled, a request
failed, the queues did not drain, or the app's ack p99 exceeds ``--p99-budget-ms``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# What other scripts import from here stays importable from here: `Batch as Batch` and the keys are re-exports
# for bench/fault_driver.py; build_events, start_app, slow_fake_class and verify are used below as well.
from bench.webhook_checks import log_findings, verify, wait_drained  # noqa: E402
from bench.webhook_load import FEISHU_ACK_LIMIT_MS, build_events, run_load, summarize  # noqa: E402
from bench.webhook_load import Batch as Batch  # noqa: E402
from bench.webhook_servers import ENCRYPT_KEY as ENCRYPT_KEY  # noqa: E402
from bench.webhook_servers import VERIFICATION_TOKEN as VERIFICATION_TOKEN  # noqa: E402
from bench.webhook_servers import (  # noqa: E402
    cpu_ms_per_event,
    cpu_seconds,
    rss_mib,
    serve_bare,
    slow_fake_class,
    start_app,
    start_bare,
)

# ----- phases --------------------------------------------------------------------------------


def _prefix(run_id: str, phase: str, variant: tuple[str, str]) -> str:
    """Event ids distinct per app run (phase, synchronous mode, worker process on/off)."""
    mode, worker = variant
    return f"{run_id}{phase[0]}{mode[0]}{worker[-1]}"


def run_phase(
    name: str, args, workdir: Path, fake, run_id: str, send_delay_ms: float, seed: int
) -> list[dict[str, Any]]:
    """One bare measurement, then the app once per --synchronous mode and --worker-process setting; a result per
    app run."""
    phase_dir = workdir / name
    phase_dir.mkdir()
    fake.send_delay = send_delay_ms / 1000
    warmup = min(args.warmup, args.events)
    help_every = round(1 / args.help_ratio) if args.help_ratio > 0 else 0
    modes = [m.strip() for m in args.synchronous.split(",") if m.strip()]
    workers = [w.strip() for w in args.worker_process.split(",") if w.strip()]
    variants = [(mode, worker) for mode in modes for worker in workers]

    def say(text: str) -> None:
        if not args.json:
            print(f"[{name}] {text}", file=sys.stderr, flush=True)

    # Same requests for every target: encrypted now, signed at send time; distinct ids per app run.
    batches = {
        variant: build_events(
            _prefix(run_id, name, variant), warmup + args.events, help_every=help_every, chats=args.chats, seed=seed
        )
        for variant in variants
    }
    bare_bodies = batches[variants[0]].bodies  # the bare endpoint ignores content; same sizes, same client crypto work
    say("bare FastAPI endpoint …")
    bare = start_bare(phase_dir)
    try:
        run_load(bare.url, bare_bodies[:warmup], args)
        cpu_before = cpu_seconds(bare.proc.pid)
        bare_summary = summarize(run_load(bare.url, bare_bodies[warmup:], args))
        bare_summary["cpu_ms_per_event"] = cpu_ms_per_event(cpu_before, cpu_seconds(bare.proc.pid), args.events)
    finally:
        bare.stop()
    results = []
    for variant in variants:
        mode, worker = variant
        label = " ".join(
            [name] + ([f"sync={mode}"] if len(modes) > 1 else []) + ([f"worker={worker}"] if len(workers) > 1 else [])
        )
        app_batch = batches[variant]
        prefix = _prefix(run_id, name, variant)
        result: dict[str, Any] = {"phase": label, "send_delay_ms": send_delay_ms, "synchronous": mode}
        result["worker_process"] = worker
        result["bare"] = bare_summary
        database_url = args.database_url or f"sqlite:///{phase_dir / f'crisisbot-{mode}-{worker}.db'}"
        say(f"app ({database_url.split('@')[-1]}, INBOX_SYNCHRONOUS={mode}, WORKER_PROCESS={worker}) …")
        app = start_app(phase_dir, fake, database_url, mode, worker)
        try:
            idle_rss = rss_mib(app.proc.pid)
            run_load(app.url, app_batch.bodies[:warmup], args)
            cpu_before = cpu_seconds(app.proc.pid)
            load = run_load(app.url, app_batch.bodies[warmup:], args, sample_health=True)
            result["app"] = summarize(load)
            result["app"]["idle_rss_mib"] = idle_rss
            say("waiting for the inbox and outbox to drain …")
            timeout = args.drain_timeout or (60 + 1.5 * len(app_batch.help_message_ids) * (send_delay_ms / 1000 + 0.05))
            result["drain"] = wait_drained(app.url, fake, app_batch.help_message_ids, timeout)
            # CPU of the whole job (acks, processing, sends; /healthz sampling included), per event.
            result["app"]["cpu_ms_per_event"] = cpu_ms_per_event(cpu_before, cpu_seconds(app.proc.pid), args.events)
            result["app"]["rss_after_mib"] = rss_mib(app.proc.pid)
            time.sleep(0.3)  # let a wrong second reply show up before counting
            result["verify"] = verify(database_url, prefix, app_batch, fake)
        finally:
            app.stop()
            result["app_log"] = log_findings(app)
        bare_s, app_s = result["bare"], result["app"]
        result["ratio"] = {
            key: (app_s[key] / bare_s[key] if bare_s[key] else float("nan"))
            for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "throughput_rps")
        }
        result["warmup_events"] = warmup
        results.append(result)
    return results


# ----- report --------------------------------------------------------------------------------


def _ms(v: float) -> str:
    return f"{v:8.1f}" if v == v else "     n/a"


def print_table(report: dict[str, Any]) -> None:
    cfg = report["config"]
    print(
        f"crisis-retro-bot webhook ack bench — {cfg['events']} events/phase (+{cfg['warmup']} warm-up), "
        f"concurrency {cfg['concurrency']}, rate {cfg['rate'] or 'unthrottled'}, "
        f"{cfg['help_ratio']:.0%} /help over {cfg['chats']} chats, db {cfg['database']}, "
        f"{cfg['cpus']} CPUs, python {cfg['python']}"
    )
    print()
    header = (
        f"{'phase':<22}{'target':<8}{'ok/sent':>12}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    )
    print(header)
    print("-" * len(header))
    for phase in report["phases"]:
        label = phase["phase"] + (f" (send {phase['send_delay_ms']:.0f}ms)" if phase["send_delay_ms"] else "")
        for target in ("bare", "app"):
            s = phase[target]
            print(
                f"{label if target == 'bare' else '':<22}{target:<8}{s['ok']:>6}/{s['requests']:<5}"
                f"{s['throughput_rps']:>9.0f}{_ms(s['p50_ms'])} {_ms(s['p95_ms'])} "
                f"{_ms(s['p99_ms'])} {_ms(s['max_ms'])}"
            )
        r = phase["ratio"]
        print(
            f"{'':<22}{'app/bare':<8}{'':>12}{r['throughput_rps']:>8.2f}x{r['p50_ms']:>8.2f}x"
            f"{r['p95_ms']:>8.2f}x{r['p99_ms']:>8.2f}x{r['max_ms']:>8.2f}x"
        )
    print()
    for phase in report["phases"]:
        a, d, v = phase["app"], phase["drain"], phase["verify"]
        dl = a.get("during_load", {})
        backlog = d.get("backlog_at_end_of_load") or {}

        def secs(x):
            return "never (timeout)" if x is None else f"{x:.2f}s"

        print(
            f"[{phase['phase']}] app ack p99 {a['p99_ms']:.1f} ms = {a['p99_ms'] / FEISHU_ACK_LIMIT_MS:.1%} of "
            f"Feishu's 3 s; >1 s: {a['over_1s']}, >3 s: {a['over_3s']}; errors: {a['errors'] or 'none'}"
        )
        cpu, bare_cpu = a.get("cpu_ms_per_event"), phase["bare"].get("cpu_ms_per_event")
        if cpu is not None and bare_cpu is not None:
            print(
                f"    CPU per event: app {cpu:.2f} ms (acks, processing, sends), bare {bare_cpu:.2f} ms; "
                f"app memory (PSS of its processes) idle {a.get('idle_rss_mib') or 0:.0f} MiB, "
                f"after load {a.get('rss_after_mib') or 0:.0f} MiB"
            )
        print(
            f"    during load: max inbox pending {dl.get('max_inbox_pending')}, max outbox pending "
            f"{dl.get('max_outbox_pending')}, slowest /healthz {dl.get('max_healthz_ms', 0):.0f} ms"
        )
        print(
            f"    after load: backlog inbox {backlog.get('inbox_pending')} / outbox {backlog.get('outbox_pending')}; "
            f"inbox drained in {secs(d['inbox_drained_s'])}, outbox drained in {secs(d['outbox_drained_s'])}, "
            f"all /help replies seen in {secs(d['replies_seen_s'])}"
        )
        print(
            f"    stored {v['events_stored']}/{v['events_sent']} (missing {v['events_missing']}, "
            f"twice {v['events_stored_twice']}), inbox {v['inbox_status']}, retried {v['inbox_retried']}; "
            f"outbox {v['outbox_status']}"
        )
        print(
            f"    /help replied exactly once {v['help_replied_once']}/{v['help_sent']} (missing "
            f"{v['help_missing_reply']}, twice {v['help_replied_twice']}); replies to ordinary messages "
            f"{v['replies_to_ordinary_messages']} → {'OK' if v['ok'] else 'FAILED'}"
        )
        for label, key in (
            ("inbox wait (stored → processed)", "inbox_wait_ms"),
            ("outbox wait (queued → sent)", "outbox_wait_ms"),
        ):
            lag = v.get(key) or {}
            if lag:
                print(f"    {label}: p50 {lag['p50']:.0f} ms, p99 {lag['p99']:.0f} ms, max {lag['max']:.0f} ms")
        logs = phase.get("app_log") or {}
        if logs.get("counts"):
            print(f"    app log: {logs['counts']}; e.g.")
            for line in logs["samples"][:4]:
                print(f"      {line}")
    print()
    for problem in report["problems"]:
        print(f"PROBLEM: {problem}")
    print("verdict:", "OK" if not report["problems"] else "FAILED")


def problems_of(report: dict[str, Any], budget_ms: float) -> list[str]:
    found = []
    for phase in report["phases"]:
        name, a, v, d = phase["phase"], phase["app"], phase["verify"], phase["drain"]
        if a["errors"]:
            found.append(f"{name}: app answered non-200 / failed requests: {a['errors']}")
        if phase["bare"]["errors"]:
            found.append(f"{name}: bare endpoint errors: {phase['bare']['errors']}")
        if a["p99_ms"] > budget_ms:
            found.append(f"{name}: app ack p99 {a['p99_ms']:.0f} ms exceeds the {budget_ms:.0f} ms budget")
        if a["over_3s"]:
            found.append(f"{name}: {a['over_3s']} acks took longer than Feishu's 3 s (Feishu would retry them)")
        if d["timed_out"]:
            found.append(f"{name}: queues did not drain in time (last /healthz: {d['last_health']})")
        if not v["ok"]:
            found.append(f"{name}: verification failed: {json.dumps(v, ensure_ascii=False)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="timed events per phase (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open-loop request rate in req/s (default 0: as fast as the concurrency allows)",
    )
    parser.add_argument("--warmup", type=int, default=50, help="untimed events before each measurement")
    parser.add_argument("--help-ratio", type=float, default=0.1, help="share of /help commands (default 0.1)")
    parser.add_argument("--chats", type=int, default=20, help="distinct chats the events spread over")
    parser.add_argument(
        "--slow-send-ms",
        type=float,
        default=200.0,
        help="delay of every message send at the fake in the slow phase (default 200)",
    )
    parser.add_argument("--phases", default="normal,slow", help="comma list of: normal, slow")
    parser.add_argument(
        "--synchronous",
        default="full",
        help="comma list of the app's INBOX_SYNCHRONOUS (SQLite, the inbox commit before each ack): full, normal; "
        "each is one app run per phase against the same bare run (default full, the app's default)",
    )
    parser.add_argument(
        "--worker-process",
        default="on",
        help="comma list of the app's WORKER_PROCESS: on (processing in the forked worker process), off (in the "
        "serving process); each is one app run per phase against the same bare run (default on, the app's default)",
    )
    parser.add_argument(
        "--database-url", default="", help="e.g. postgresql://… (default: a fresh SQLite file per phase in a temp dir)"
    )
    parser.add_argument("--request-timeout", type=float, default=30.0)
    parser.add_argument("--drain-timeout", type=float, default=0.0, help="seconds (default: from the load)")
    parser.add_argument(
        "--p99-budget-ms",
        type=float,
        default=1000.0,
        help="fail when the app's ack p99 exceeds this (default 1000, a third of Feishu's 3 s)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite files)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.bare_server:
        serve_bare(args.bare_server)
        return 0
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    modes = [m.strip() for m in args.synchronous.split(",") if m.strip()]
    if not set(phases) <= {"normal", "slow"} or args.events < 1 or args.concurrency < 1 or args.chats < 1:
        parser.error("check --phases (normal,slow), --events, --concurrency and --chats")
    if not modes or not set(modes) <= {"full", "normal"} or len(set(modes)) != len(modes):
        parser.error("--synchronous takes full and/or normal")
    workers = [w.strip() for w in args.worker_process.split(",") if w.strip()]
    if not workers or not set(workers) <= {"on", "off"} or len(set(workers)) != len(workers):
        parser.error("--worker-process takes on and/or off")

    from tests.fakes.feishu_openapi import reset_lark_token_cache

    run_id = secrets.token_hex(3)
    workdir = Path(tempfile.mkdtemp(prefix="crisisbot-bench-"))
    report: dict[str, Any] = {
        "config": {
            "events": args.events,
            "warmup": min(args.warmup, args.events),
            "concurrency": args.concurrency,
            "rate": args.rate,
            "help_ratio": args.help_ratio,
            "chats": args.chats,
            "slow_send_ms": args.slow_send_ms,
            "synchronous": args.synchronous,
            "worker_process": args.worker_process,
            "database": (args.database_url.split("@")[-1] or "sqlite (temp file)"),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "run_id": run_id,
            "workdir": str(workdir),
        },
        "phases": [],
    }
    reset_lark_token_cache()
    fake = slow_fake_class()().start()
    failed = True
    try:
        for i, name in enumerate(phases):
            delay = args.slow_send_ms if name == "slow" else 0.0
            report["phases"].extend(run_phase(name, args, workdir, fake, run_id, delay, args.seed + i))
        report["problems"] = problems_of(report, args.p99_budget_ms)
        failed = bool(report["problems"])
    finally:
        fake.stop()
        if args.keep or failed:
            print(f"logs and databases kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print_table(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
