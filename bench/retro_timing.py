"""What bench/retro.py measures and checks: the baseline read of every row the retro needs (as tuples, optionally
ordered as compute orders them), the same reads as ORM objects, ``bot.retro.compute`` as the app calls it, best of
N timed runs after a warm-up, the check of the compiled document against the synthetic incident, and a cProfile
summary of one compute run."""

from __future__ import annotations

import cProfile
import gc
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.retro_incident import Synthetic
from bench.retro_scenario import JUMPS, NOW, TZ
from bot.comments.models import Comment
from bot.drafting.models import StatementLint
from bot.incidents.models import Incident, RoleAssignment
from bot.steps.models import IncidentStep
from bot.timeline.models import LevelChange, MetricSample, TimelineEntry

ROOT = Path(__file__).resolve().parent.parent


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
