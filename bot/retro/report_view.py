"""Everything the report templates show, formatted from the retro JSON (the contract's dict) and the playbook
folder's library and recommendations: the templates only arrange it. Nothing is recomputed from the database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock.format import format_duration, format_local
from bot.core import labels
from bot.library.playbooks import Library
from bot.retro.json_values import percent
from bot.retro.phrases import word
from bot.retro.public import public_view
from bot.retro.strategies import optimization
from bot.retro.timetable import Formats, schedule, strategy_view
from bot.steps import states
from bot.timeline.values import format_value

KEY_TIMELINE_KINDS = ("detection", "spread", "statement", "action", "decision", "note")
TIMELINE_LIMIT = 80  # rows of the key-events table; the rest is counted


def view(
    retro: dict,
    *,
    tz: ZoneInfo,
    recommendations: dict,
    library: Library,
    now: datetime,
    names: dict[str, str] | None = None,
) -> dict:
    """The report's view. `now` is the caller's clock (the reference time of an open incident)."""
    incident, kpis = retro["incident"], retro["kpis"]
    started = datetime.fromisoformat(incident["started_at"])
    now = now.astimezone(tz)
    closed = datetime.fromisoformat(incident["closed_at"]) if incident.get("closed_at") else None
    fmt = Formats(tz=tz, year=started.astimezone(tz).year, names=names or {})
    scenario, titles = playbook_info(incident["playbook"], library)
    steps = [
        _step_view(step, fmt, titles, started, closed or now, closed=bool(closed)) for step in retro.get("steps", [])
    ]
    by_step = {step["id"]: step for step in steps}
    strategies = optimization(retro, recommendations)
    base_day = (closed or now).astimezone(tz).date()
    propagation = retro.get("propagation", {})

    losses = [f for f in retro.get("findings", []) if f.get("kind") == "loss"]
    gains = [f for f in retro.get("findings", []) if f.get("kind") == "gain"]
    timeline = [e for e in retro.get("timeline", []) if e.get("kind") in KEY_TIMELINE_KINDS]
    return {
        "sections": labels.SECTIONS,
        "now": now,
        "fmt": fmt,
        "incident": incident,
        "scenario": scenario,
        "level_name": labels.level(incident["level"]),
        "level_changes": [
            {
                "at": fmt.when(c["at"]),
                "from": labels.level(c["from"]),
                "to": labels.level(c["to"]),
                "reason": c.get("reason") or "",
                "up": c["to"] < c["from"],
            }
            for c in retro.get("level_changes", [])
        ],
        "started": fmt.when(incident["started_at"]),
        "opened": fmt.when(incident["opened_at"]),
        "closed": fmt.when(incident.get("closed_at")),
        "duration": format_duration(((closed or now) - started).total_seconds() / 60),
        "as_of": format_local(now, tz),
        "peaks": _peaks(kpis),
        "kpis": _kpi_rows(kpis, by_step, states.tally(step["state_id"] for step in steps), closed=bool(closed)),
        "milestones": [
            {
                "metric": labels.metric(m["metric"]),
                "threshold": format_value(m["metric"], m["threshold"]),
                "at": fmt.when(m["at"]),
                "at_first_sample": bool(m.get("at_first_sample")),
            }
            for m in propagation.get("milestones", [])
        ],
        "platforms": [
            {"platform": labels.platform(p["platform"]), "at": fmt.when(p["first_at"]), "text": fmt.text(p["text"])}
            for p in propagation.get("platforms", [])
        ],
        "negative": [
            {
                "at": fmt.when(s["at"]),
                "value": percent(s["value"]),
                "source": labels.label("sample_sources", s.get("source", "")),
            }
            for s in propagation.get("negative_ratio", [])
        ],
        "escalations": [
            {
                "at": fmt.when(e["at"]),
                "from": percent(e["from"]),
                "to": percent(e["to"]),
                "trigger_at": fmt.when(e["trigger"]["at"]) if e.get("trigger") else "",
                "trigger": fmt.text(e["trigger"]["text"]) if e.get("trigger") else "",
            }
            for e in retro.get("escalations", [])
        ],
        "deescalations": [
            {
                "at": fmt.when(d["at"]),
                "from": percent(d["from"]),
                "to": percent(d["to"]),
                "after_at": fmt.when(d["after"]["at"]) if d.get("after") else "",
                "after": fmt.text(d["after"]["text"]) if d.get("after") else "",
            }
            for d in retro.get("deescalations", [])
        ],
        "comments": public_view(retro.get("comments"), fmt),
        "timeline": [
            {
                "at": fmt.when(e["at"]),
                "kind": labels.kind(e["kind"]),
                "author": fmt.person(e.get("author") or ""),
                "text": fmt.text(e["text"]),
            }
            for e in timeline[:TIMELINE_LIMIT]
        ],
        "timeline_more": max(0, len(timeline) - TIMELINE_LIMIT),
        "root": {
            "surface": [fmt.text(t) for t in retro.get("root_causes", {}).get("surface", [])],
            "deep": [fmt.text(t) for t in retro.get("root_causes", {}).get("deep", [])],
        },
        "steps": steps,
        "steps_met": kpis.get("steps_met", 0),
        "steps_total": kpis.get("steps_total", 0),
        "steps_heading": word("steps_heading", met=kpis.get("steps_met", 0), total=kpis.get("steps_total", 0)),
        "gains": [_finding_view(f, fmt) for f in gains],
        "losses": [_finding_view(f, fmt) for f in losses],
        "verdict_pending": retro.get("verdict_pending"),
        "strategies": [
            strategy_view(item, fmt, base_day, fmt.when(retro.get("next_review_at"))) for item in strategies
        ],
        "schedule": schedule(strategies, retro, fmt, base_day),
        "next_review": fmt.when(retro.get("next_review_at")),
    }


def playbook_info(playbook_id: str, library: Library) -> tuple[str, dict[str, str]]:
    """(scenario name, step id → title) from the playbook folder's library."""
    playbook = library.playbooks.get(playbook_id)
    if playbook is None:
        return playbook_id, {}
    return playbook.name, {step.id: step.title for step in playbook.steps}


def _step_view(
    step: dict, fmt: Formats, titles: dict[str, str], started: datetime, reference: datetime, *, closed: bool
) -> dict:
    """A row of the step table: its state at the close (or `reference` while open), worded by `bot.steps.states`."""
    due = datetime.fromisoformat(step["due_at"])
    done = datetime.fromisoformat(step["done_at"]) if step.get("done_at") else None
    state_id = states.of_retro_step(step, reference)
    state = states.word(state_id, closed=closed)
    if state_id == states.LATE and done is not None:
        state = word("step_late_by", state=state, duration=format_duration((done - due).total_seconds() / 60))
    return {
        "id": step["id"],
        "title": titles.get(step["id"], step["id"]),
        "role": labels.role(step["role"]),
        "owners": fmt.people(step.get("owners") or []),
        "due": fmt.when(step["due_at"]),
        "done": fmt.when(step.get("done_at")),
        "state": state,
        "state_id": state_id,
        "ok": states.verdict(state_id),
        "limit": format_duration((due - started).total_seconds() / 60),
    }


def _kpi_rows(kpis: dict, steps: dict[str, dict], tally: states.Tally, *, closed: bool) -> list[dict]:
    """The response KPIs: label, value, target, verdict, ok (True / False / None when there is nothing to judge).
    The on-time rate counts only the steps that were due (`tally`, from the step states); with none due it judges
    nothing."""

    def timing(label: str, minutes, step_id: str, missing: str) -> dict:
        step = steps.get(step_id)
        target = word("kpi_limit", limit=step["limit"]) if step else "—"
        if minutes is None:
            return {
                "label": label,
                "value": missing,
                "short": missing,
                "target": target,
                "verdict": word("kpi_unpublished"),
                "ok": False,
            }
        short = value = format_duration(minutes)  # as people write it: 55分钟, 4小时30分钟
        ok = step["ok"] if step else None
        return {
            "label": label,
            "value": value,
            "short": short,
            "target": target,
            "verdict": word("verdict", ok=ok),
            "ok": ok,
        }

    remedy = bool(kpis.get("statement_has_remedy"))
    met, total = kpis.get("steps_met", 0), kpis.get("steps_total", 0)
    return [
        timing(
            word("kpi_first_response"),
            kpis.get("first_response_minutes"),
            "first_response",
            word("kpi_no_first_response"),
        ),
        timing(
            word("kpi_formal_statement"),
            kpis.get("formal_statement_minutes"),
            "formal_statement",
            word("kpi_no_formal_statement"),
        ),
        {
            "label": word("kpi_remedy"),
            "value": word("yes_no", value=remedy),
            "short": word("yes_no", value=remedy),
            "target": word("kpi_remedy_target"),
            "verdict": word("kpi_remedy_verdict", value=remedy),
            "ok": remedy,
        },
        {
            "label": word("kpi_steps"),
            "value": word("kpi_steps_value", met=met, total=total),
            "short": word("kpi_steps_value", met=met, total=total),
            "target": word("kpi_steps_target"),
            "verdict": word(
                "kpi_steps_verdict",
                met=met,
                total=total,
                late=tally.late,
                missed=tally.missed,
                not_due=tally.not_due,
                closed=closed,
            ),
            "ok": (met == total) if total else None,
        },
    ]


def _peaks(kpis: dict) -> list[dict]:
    peaks = []
    if kpis.get("peak_topic_reads") is not None:
        value = format_value("topic_reads", kpis["peak_topic_reads"])
        peaks.append({"label": word("peak", what=labels.metric("topic_reads")), "value": value})
    if kpis.get("peak_negative_ratio") is not None:
        value = percent(kpis["peak_negative_ratio"])
        peaks.append({"label": word("peak", what=labels.metric("negative_ratio")), "value": value})
    return peaks


def _finding_view(finding: dict, fmt: Formats) -> dict:
    return {
        "code": finding.get("code", ""),
        "text": fmt.text(finding.get("text", "")),
        "evidence": fmt.text(finding.get("evidence", "")),
    }
