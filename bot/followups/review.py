"""The quarterly review as data (`crisisbot review --format json`): did the improvements work?

For a quarter (and a group, or every group) it lists the real incidents that started in it, the action items
by owner, and five KPIs for this quarter and the three before, each with a verdict against the previous
quarters taken together. Drill incidents never count.

Conventions:
- An incident belongs to the quarter in which it started (`started_at`, local time in `tz`).
- Per-incident numbers are the retro's (`bot.retro.compute`), so a review never disagrees with a retro.
- Minutes and shares are the median over incidents; steps met is Σ met / Σ due over incidents: a step counts only
  when it was due by the incident's close (or now while open), as the retro counts it (`bot.steps.states`).
- "Back under the alert" is, per incident, the minutes from the first negative-share sample above the alert
  threshold to the first later sample at or below it; incidents that never crossed are left out, and those that
  never came back are counted in `unrecovered` (they have no number).
- Verdict: this quarter's value against the value of the three previous quarters' incidents together:
  `improved`, `worse`, `unchanged` (equal after rounding) or `no_data` (either side has no incident with it).
- Action items: those of the group that were open at the end of the quarter (or now, for the running quarter),
  or created, done or dropped during it; `overdue` = still open with a due date before that moment.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.clock.now import as_utc
from bot.clock.quarters import Quarter
from bot.core import labels
from bot.followups import actions
from bot.followups.models import ActionItem
from bot.incidents.models import Incident, RoleAssignment
from bot.library.lexicon import Lexicon
from bot.library.playbooks import Library
from bot.retro import compute as retro_compute

TREND_QUARTERS = 4  # this quarter and the three before


@dataclass(frozen=True)
class KPI:
    id: str
    better: str  # lower | higher
    unit: str  # minutes | ratio

    @property
    def label(self) -> str:
        return labels.label("review_kpis", self.id)


KPIS = (
    KPI("first_response_minutes", "lower", "minutes"),
    KPI("formal_statement_minutes", "lower", "minutes"),
    KPI("steps_met_ratio", "higher", "ratio"),
    KPI("peak_negative_ratio", "lower", "ratio"),
    KPI("negative_recovery_minutes", "lower", "minutes"),
)


def compute(
    session: Session,
    *,
    quarter: Quarter,
    library: Library,
    lexicon: Lexicon,
    tz: ZoneInfo,
    now: datetime,
    chat_id: str | None = None,
) -> dict:
    """The review of `quarter` for one group (`chat_id`) or all groups, as of `now`."""
    quarters = [quarter]
    while len(quarters) < TREND_QUARTERS:
        quarters.insert(0, quarters[0].previous)
    start, _ = quarters[0].bounds(tz)
    q_start, q_end = quarter.bounds(tz)
    threshold = library.severity.alert.negative_ratio_above
    rows = _incidents(session, chat_id, start, q_end)
    per_incident = {q: [] for q in quarters}
    for incident in rows:
        data = retro_compute.compute(session, incident, library=library, lexicon=lexicon, tz=tz, now=now)
        per_incident[Quarter.of(as_utc(incident.started_at).astimezone(tz).date())].append(
            _incident_numbers(data, threshold)
        )
    current = per_incident[quarter]
    earlier = [item for q in quarters[:-1] for item in per_incident[q]]
    reference = min(now, q_end)
    return {
        "quarter": quarter.label,
        "chat_id": chat_id,
        "from": q_start.isoformat(),
        "to": q_end.isoformat(),
        "as_of": as_utc(now).astimezone(tz).isoformat(timespec="seconds"),
        "compared_with": [q.label for q in quarters[:-1]],
        "incident_counts": {q.label: len(per_incident[q]) for q in quarters},
        "alert_threshold": threshold,
        "incidents": current,
        "drills_excluded": _drill_count(session, chat_id, q_start, q_end),
        "kpis": [_kpi(kpi, per_incident, quarters, earlier) for kpi in KPIS],
        "unrecovered": sum(
            1 for item in current if item["negative_recovery_minutes"] is None and item["crossed_alert"]
        ),
        "actions": _actions(session, chat_id, q_start, reference, tz),
    }


def _incidents(session: Session, chat_id: str | None, start: datetime, end: datetime) -> list[Incident]:
    stmt = select(Incident).where(Incident.is_drill.is_(False), Incident.started_at >= start, Incident.started_at < end)
    if chat_id is not None:
        stmt = stmt.where(Incident.chat_id == chat_id)
    return list(session.exec(stmt.order_by(Incident.started_at, Incident.id)))


def _drill_count(session: Session, chat_id: str | None, start: datetime, end: datetime) -> int:
    stmt = select(Incident.id).where(
        Incident.is_drill.is_(True), Incident.started_at >= start, Incident.started_at < end
    )
    if chat_id is not None:
        stmt = stmt.where(Incident.chat_id == chat_id)
    return len(session.exec(stmt).all())


def _incident_numbers(data: dict, threshold: float) -> dict:
    kpis = data["kpis"]
    recovery, crossed = recovery_minutes(data["propagation"]["negative_ratio"], threshold)
    return {
        "id": data["incident"]["id"],
        "chat_id": data["incident"]["chat_id"],
        "title": data["incident"]["title"],
        "playbook": data["incident"]["playbook"],
        "level": data["incident"]["level"],
        "started_at": data["incident"]["started_at"],
        "closed_at": data["incident"]["closed_at"],
        "first_response_minutes": kpis["first_response_minutes"],
        "formal_statement_minutes": kpis["formal_statement_minutes"],
        "steps_met": kpis["steps_met"],
        "steps_total": kpis["steps_total"],
        "peak_negative_ratio": kpis["peak_negative_ratio"],
        "negative_recovery_minutes": recovery,
        "crossed_alert": crossed,
    }


def recovery_minutes(series: list[dict], threshold: float) -> tuple[int | float | None, bool]:
    """(minutes from the first sample above `threshold` to the first later one at or below it, crossed at all)."""
    points = sorted((datetime.fromisoformat(p["at"]), p["value"]) for p in series)
    above = next((at for at, value in points if value > threshold), None)
    if above is None:
        return None, False
    back = next((at for at, value in points if at > above and value <= threshold), None)
    return (retro_compute.minutes_between(above, back) if back else None), True


def aggregate(kpi: KPI, items: Iterable[dict]) -> float | int | None:
    items = list(items)
    if kpi.id == "steps_met_ratio":
        total = sum(item["steps_total"] for item in items)
        return round(sum(item["steps_met"] for item in items) / total, 4) if total else None
    values = [item[kpi.id] for item in items if item[kpi.id] is not None]
    if not values:
        return None
    middle = statistics.median(values)
    return round(middle, 4) if kpi.unit == "ratio" else retro_compute.rounded_minutes(middle)


def verdict(kpi: KPI, current: float | None, baseline: float | None) -> str:
    if current is None or baseline is None:
        return "no_data"
    if round(current, 4) == round(baseline, 4):
        return "unchanged"
    better = current < baseline if kpi.better == "lower" else current > baseline
    return "improved" if better else "worse"


def _kpi(kpi: KPI, per_incident: dict[Quarter, list[dict]], quarters: list[Quarter], earlier: list[dict]) -> dict:
    current = aggregate(kpi, per_incident[quarters[-1]])
    baseline = aggregate(kpi, earlier)
    return {
        "id": kpi.id,
        "label": kpi.label,
        "better": kpi.better,
        "unit": kpi.unit,
        "quarters": {q.label: aggregate(kpi, per_incident[q]) for q in quarters},
        "current": current,
        "baseline": baseline,
        "verdict": verdict(kpi, current, baseline),
    }


def _actions(session: Session, chat_id: str | None, start: datetime, reference: datetime, tz: ZoneInfo) -> dict:
    stmt = select(ActionItem).order_by(ActionItem.id)
    if chat_id is not None:
        stmt = stmt.where(ActionItem.chat_id == chat_id)
    today = reference.astimezone(tz).date()
    items = []
    for item in session.exec(stmt):
        created, changed = as_utc(item.created_at), as_utc(item.updated_at) if item.updated_at else None
        if created >= reference:
            continue
        closed_before = item.status != "open" and changed is not None and changed < start
        if closed_before:
            continue
        overdue = item.status == "open" and item.due is not None and item.due < today
        items.append(
            {
                **actions.as_retro(item),
                "id": item.id,
                "incident_id": item.incident_id,
                "chat_id": item.chat_id,
                "overdue": overdue,
            }
        )
    names = _names(session, chat_id)
    owners: dict[str, dict] = {}
    for item in items:
        for owner in item["owners"] or [""]:
            row = owners.setdefault(
                owner, {"owner": owner, "name": names.get(owner, ""), "open": 0, "overdue": 0, "done": 0, "dropped": 0}
            )
            row[item["status"]] += 1
            row["overdue"] += item["overdue"]
    return {"owners": sorted(owners.values(), key=lambda r: (-r["overdue"], -r["open"], r["owner"])), "items": items}


def _names(session: Session, chat_id: str | None) -> dict[str, str]:
    stmt = select(RoleAssignment.user_id, RoleAssignment.user_name)
    if chat_id is not None:
        stmt = stmt.where(RoleAssignment.chat_id == chat_id)
    return {user_id: name for user_id, name in session.exec(stmt) if name}
