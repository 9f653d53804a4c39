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
import json
import os
import secrets
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.retro_incident import build  # noqa: E402
from bench.retro_timing import best_of, check, load_orm, make_compute, profile, read_rows  # noqa: E402
from bot.core import db  # noqa: E402

TARGET = 3.0


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
