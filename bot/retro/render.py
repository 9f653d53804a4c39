"""The retrospective as the team reads it: the six-part report (危机概述 → 全链路数据 → 根源分析 → 应对得失 →
优化策略 → 执行时间表) rendered from the retro JSON (`bot.retro.compute`, the contract's dict) as Markdown and as a
self-contained HTML page with charts.

Logic only: the wording is in `templates/report/retro.{md,html}.j2`, the recommendations in
`playbooks/retro/recommendations.yaml` (data, validated by pydantic when loaded; a bad file fails with its path,
the field and the reason). Every number comes from the retro dict; nothing is recomputed from the database.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from bot.clock import parse as eventtime
from bot.config import BUNDLED_PLAYBOOKS
from bot.core import labels, mentions
from bot.core.wording import environment
from bot.library.roles import LABELS as ROLE_LABELS
from bot.library.roles import RoleId
from bot.retro import charts
from bot.timeline.numbers import format_value

log = logging.getLogger(__name__)

RECOMMENDATIONS_FILE = Path("retro") / "recommendations.yaml"  # inside the playbook folder
SECTIONS = ("危机概述", "全链路数据", "根源分析", "应对得失", "优化策略", "执行时间表")
LEVEL_NAMES = {1: "一级危机", 2: "二级危机"}
METRIC_LABELS = {
    "topic_reads": "话题阅读",
    "note_exposure": "笔记曝光",
    "reposts": "转载/转发",
    "likes": "点赞",
    "comments": "评论",
    "negative_ratio": "负面评论占比",
    "complaints": "投诉量",
    "sales_change": "销量变化",
    "followers_lost": "掉粉",
}
PLATFORM_LABELS = {"xhs": "小红书", "weibo": "微博", "douyin": "抖音", "media": "媒体"}
SOURCE_LABELS = {"message": "群消息", "import": "评论导入"}
STATUS_LABELS = {"open": "待完成", "done": "已完成", "closed": "已完成", "cancelled": "已取消", "overdue": "已逾期"}
KEY_TIMELINE_KINDS = ("detection", "spread", "statement", "action", "decision", "note")
TIMELINE_LIMIT = 80  # rows of the key-events table; the rest is counted
_STEP_EVIDENCE = re.compile(r"^([a-z][a-z0-9_]*)：")  # step_missed evidence: "formal_statement：截止 13:10，…"
_FOLD_SPACE = re.compile(r"(?<=[，。；：、！？）”])\s+")
_THRESHOLD_REASON = re.compile(r"^([a-z_]+) ([0-9.e+]+) > ([0-9.e+]+)$")  # level change: "topic_reads 6.2e+06 > 5e+06"


# --- recommendations.yaml -----------------------------------------------------------------------------------------


class RecommendationsError(ValueError):
    """`path: field: reason` for every problem found."""


RecommendationId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Recommendation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: str = Field(min_length=2)
    title: str = Field(min_length=2)
    text: str = Field(min_length=10)
    role: RoleId
    within_days: int = Field(gt=0, le=366)
    due_at_review: bool = False  # due at the next quarterly review (the timetable's review row stands for it)
    match: list[str] = Field(default_factory=list)

    @field_validator("text", "title")
    @classmethod
    def _folded(cls, value: str) -> str:
        """YAML's folded lines join with a space; after Chinese punctuation there should be none."""
        return _FOLD_SPACE.sub("", value.strip())


class Recommendations(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    recommendations: dict[RecommendationId, Recommendation]
    losses: dict[str, list[RecommendationId]] = Field(default_factory=dict)  # loss finding code → ids
    steps: dict[str, list[RecommendationId]] = Field(default_factory=dict)  # step_missed by step id → ids
    default: list[RecommendationId] = Field(default_factory=list)  # any other loss
    standing: list[RecommendationId] = Field(default_factory=list)  # in every report

    def unknown_references(self) -> list[tuple[str, str]]:
        """(field, id) of every reference to a recommendation that is not defined."""
        found = []
        groups = [(f"losses.{code}", ids) for code, ids in self.losses.items()]
        groups += [(f"steps.{step}", ids) for step, ids in self.steps.items()]
        groups += [("default", self.default), ("standing", self.standing)]
        for field, ids in groups:
            found += [(f"{field}[{i}]", rid) for i, rid in enumerate(ids) if rid not in self.recommendations]
        return found


def parse_recommendations(path: Path) -> Recommendations:
    """Read and validate one recommendations file; RecommendationsError listing every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise RecommendationsError(f"{path}: {where}: YAML syntax: {exc.problem or exc}") from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RecommendationsError(f"{path}: (file): {' '.join(str(exc).split())}") from None
    try:
        parsed = Recommendations.model_validate(data)
    except ValidationError as exc:
        problems = [f"{path}: {_field(e['loc'])}: {_reason(e)}" for e in exc.errors()]
        raise RecommendationsError("\n".join(problems)) from None
    unknown = parsed.unknown_references()
    if unknown:
        known = ", ".join(parsed.recommendations)
        raise RecommendationsError(
            "\n".join(f"{path}: {field}: unknown recommendation {rid!r}; known: {known}" for field, rid in unknown)
        )
    return parsed


def _field(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def _reason(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field (misspelt? see the bundled playbooks/retro/recommendations.yaml)"
    return str(error["msg"]).removeprefix("Value error, ")


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> dict:
    return parse_recommendations(Path(path)).model_dump()


def load_recommendations(folder: Path) -> dict:
    """The recommendations of a playbook folder (`retro/recommendations.yaml`), validated; the bundled file when the
    folder has none. Re-read when the file changes. RecommendationsError (path, field, reason) when broken."""
    path = Path(folder) / RECOMMENDATIONS_FILE
    if not path.is_file():
        bundled = BUNDLED_PLAYBOOKS / RECOMMENDATIONS_FILE
        if path != bundled:
            log.info("%s not found; using the bundled recommendations", path)
        path = bundled
    return _cached(str(path), path.stat().st_mtime if path.exists() else 0.0)


# --- optimization strategies ----------------------------------------------------------------------------------------


def optimization(retro: dict, recommendations: dict) -> list[dict]:
    """The optimization strategies: for each loss the recommendations it maps to (step_missed by the step it names,
    unknown codes by `default`), then the standing ones, each once with the losses it answers. The team's actions
    (`retro["actions"]`) are attached to the recommendation whose `match` words fit them best (one not listed yet
    joins the list), or listed on their own. Items: id (None for an action on its own), area, title, text, role,
    role_label, within_days, due_at_review, because (loss findings), standing, actions, source
    ("loss" | "standing" | "action")."""
    book = Recommendations.model_validate(recommendations)
    items: dict[str, dict] = {}

    def add(rid: str, *, source: str, because: dict | None = None) -> dict:
        if rid not in items:
            rec = book.recommendations[rid]
            items[rid] = _item(rid, rec.area, rec.title, rec.text, rec.role, rec.within_days, rec.due_at_review, source)
        if because is not None and because not in items[rid]["because"]:
            items[rid]["because"].append(because)
        return items[rid]

    for loss in (f for f in retro.get("findings", []) if f.get("kind") == "loss"):
        for rid in recommendation_ids(loss, book):
            add(rid, source="loss", because=loss)
    for rid in book.standing:
        add(rid, source="standing")["standing"] = True

    loose: list[dict] = []
    for action in retro.get("actions", []):
        rid = _best_match(
            action, [(i["id"], book.recommendations[i["id"]].match) for i in items.values()]
        ) or _best_match(action, [(r, rec.match) for r, rec in book.recommendations.items()])
        if rid is None:
            item = _item(None, "团队改进项", action.get("text", ""), "", None, None, False, "action")
            loose.append(item)
        else:
            item = add(rid, source="action")
        item["actions"].append(action)
    return list(items.values()) + loose


def _item(
    rid: str | None,
    area: str,
    title: str,
    text: str,
    role: str | None,
    within_days: int | None,
    due_at_review: bool,
    source: str,
) -> dict:
    return {
        "id": rid,
        "area": area,
        "title": title,
        "text": text,
        "role": role,
        "role_label": ROLE_LABELS.get(role, role) if role else "",
        "within_days": within_days,
        "due_at_review": due_at_review,
        "because": [],
        "standing": False,
        "actions": [],
        "source": source,
    }


def recommendation_ids(loss: dict, recommendations: Recommendations) -> list[str]:
    """The recommendation ids answering one loss finding."""
    code = loss.get("code", "")
    if code == "step_missed":
        match = _STEP_EVIDENCE.match(loss.get("evidence", ""))
        if match and match.group(1) in recommendations.steps:
            return recommendations.steps[match.group(1)]
    return recommendations.losses.get(code) or recommendations.default


def _best_match(action: dict, candidates: list[tuple[str, list[str]]]) -> str | None:
    """The id whose `match` words cover most of the action's text (longer words are more specific); the first
    one on a tie; None when no word matches."""
    text = action.get("text", "").lower()
    best, best_score = None, 0
    for rid, words in candidates:
        score = sum(len(word) for word in words if word.lower() in text)
        if score > best_score:
            best, best_score = rid, score
    return best


# --- rendering ----------------------------------------------------------------------------------------------------


def markdown(
    retro: dict,
    *,
    tz: ZoneInfo,
    recommendations: dict | None = None,
    names: dict[str, str] | None = None,
    library=None,
    now: datetime | None = None,
    summaries: dict[str, str] | None = None,
) -> str:
    """The report as Markdown: `# title`, then the six sections as `## 危机概述` … `## 执行时间表`.
    `summaries` (section → paragraph) are optional LLM narratives, shown marked as generated."""
    view = _view(retro, tz=tz, recommendations=recommendations, names=names, library=library, now=now)
    view["summaries"] = summaries or {}
    text = environment().get_template("report/retro.md.j2").render(**view, cell=_cell)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def html(
    retro: dict,
    *,
    tz: ZoneInfo,
    recommendations: dict | None = None,
    names: dict[str, str] | None = None,
    library=None,
    now: datetime | None = None,
    summaries: dict[str, str] | None = None,
) -> str:
    """The report as one self-contained HTML page (inline CSS, charts as PNG data URIs, no external requests),
    user text escaped."""
    view = _view(retro, tz=tz, recommendations=recommendations, names=names, library=library, now=now)
    view["summaries"] = summaries or {}
    titles = {step["id"]: step["title"] for step in view["steps"]}
    view["charts"] = {
        "propagation": _data_uri(charts.propagation_chart(retro, tz=tz)),
        "negative": _data_uri(charts.negative_chart(retro, tz=tz)),
        "gantt": _data_uri(charts.steps_gantt(retro, tz=tz, now=view["now"], titles=titles)),
    }
    return environment().get_template("report/retro.html.j2").render(**view)


@dataclass(frozen=True)
class _Formats:
    tz: tzinfo
    year: int
    names: dict[str, str]

    def when(self, value: str | None) -> str:
        """ISO time → "11月24日 09:10" in the display zone ("" for None)."""
        if not value:
            return ""
        at = datetime.fromisoformat(value)
        shown = eventtime.format_local(at, self.tz)
        return shown if at.astimezone(self.tz).year == self.year else f"{at.astimezone(self.tz).year}年{shown}"

    def day(self, value: date | str) -> str:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return f"{day.month}月{day.day}日" if day.year == self.year else f"{day.year}年{day.month}月{day.day}日"

    def person(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    def people(self, user_ids: list[str]) -> str:
        return "、".join(self.person(u) for u in user_ids)

    def text(self, value: str) -> str:
        """User text for display: mention markers become "@name"."""
        return "".join(f"@{self.person(piece)}" if is_id else piece for piece, is_id in mentions.split(value or ""))


def _view(
    retro: dict,
    *,
    tz: ZoneInfo,
    recommendations: dict | None,
    names: dict[str, str] | None,
    library,
    now: datetime | None,
) -> dict:
    """Everything the templates show, formatted; the templates only arrange it."""
    if recommendations is None:
        recommendations = load_recommendations(BUNDLED_PLAYBOOKS)
    incident, kpis = retro["incident"], retro["kpis"]
    started = datetime.fromisoformat(incident["started_at"])
    now = (now or datetime.now(tz)).astimezone(tz)
    closed = datetime.fromisoformat(incident["closed_at"]) if incident.get("closed_at") else None
    fmt = _Formats(tz=tz, year=started.astimezone(tz).year, names=names or {})
    scenario, titles = _playbook_info(incident["playbook"], library)
    steps = [_step_view(step, fmt, titles, started, closed or now) for step in retro.get("steps", [])]
    by_step = {step["id"]: step for step in steps}
    strategies = optimization(retro, recommendations)
    base_day = (closed or now).astimezone(tz).date()

    losses = [f for f in retro.get("findings", []) if f.get("kind") == "loss"]
    gains = [f for f in retro.get("findings", []) if f.get("kind") == "gain"]
    timeline = [e for e in retro.get("timeline", []) if e.get("kind") in KEY_TIMELINE_KINDS]
    return {
        "sections": SECTIONS,
        "now": now,
        "fmt": fmt,
        "incident": incident,
        "scenario": scenario,
        "level_name": LEVEL_NAMES.get(incident["level"], f"{incident['level']}级"),
        "level_changes": [
            {
                "at": fmt.when(c["at"]),
                "from": LEVEL_NAMES.get(c["from"], str(c["from"])),
                "to": LEVEL_NAMES.get(c["to"], str(c["to"])),
                "reason": _reason_text(c.get("reason") or ""),
                "up": c["to"] < c["from"],
            }
            for c in retro.get("level_changes", [])
        ],
        "started": fmt.when(incident["started_at"]),
        "opened": fmt.when(incident["opened_at"]),
        "closed": fmt.when(incident.get("closed_at")),
        "duration": eventtime.format_duration(((closed or now) - started).total_seconds() / 60),
        "as_of": eventtime.format_local(now, tz),
        "peaks": _peaks(kpis),
        "kpis": _kpi_rows(kpis, by_step),
        "milestones": [
            {
                "metric": METRIC_LABELS.get(m["metric"], m["metric"]),
                "threshold": format_value(m["metric"], m["threshold"]),
                "at": fmt.when(m["at"]),
            }
            for m in retro.get("propagation", {}).get("milestones", [])
        ],
        "platforms": [
            {
                "platform": PLATFORM_LABELS.get(p["platform"], p["platform"]),
                "at": fmt.when(p["first_at"]),
                "text": fmt.text(p["text"]),
            }
            for p in retro.get("propagation", {}).get("platforms", [])
        ],
        "negative": [
            {
                "at": fmt.when(s["at"]),
                "value": _percent(s["value"]),
                "source": SOURCE_LABELS.get(s.get("source", ""), s.get("source", "")),
            }
            for s in retro.get("propagation", {}).get("negative_ratio", [])
        ],
        "escalations": [
            {
                "at": fmt.when(e["at"]),
                "from": _percent(e["from"]),
                "to": _percent(e["to"]),
                "trigger_at": fmt.when(e["trigger"]["at"]) if e.get("trigger") else "",
                "trigger": fmt.text(e["trigger"]["text"]) if e.get("trigger") else "",
            }
            for e in retro.get("escalations", [])
        ],
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
        "gains": [_finding_view(f, fmt) for f in gains],
        "losses": [_finding_view(f, fmt) for f in losses],
        "strategies": [
            _strategy_view(item, fmt, base_day, fmt.when(retro.get("next_review_at"))) for item in strategies
        ],
        "schedule": _schedule(strategies, retro, fmt, base_day),
        "next_review": fmt.when(retro.get("next_review_at")),
    }


def _playbook_info(playbook_id: str, library) -> tuple[str, dict[str, str]]:
    """(scenario name, step id → title) from the playbook library (the bundled one by default)."""
    try:
        if library is None:
            from bot.library.playbooks import load as load_playbooks

            library = load_playbooks(BUNDLED_PLAYBOOKS)
        playbook = library.playbooks.get(playbook_id)
    except Exception as exc:  # noqa: BLE001 - the report must render even with broken playbooks
        log.warning("playbooks unavailable for the report: %s", exc)
        playbook = None
    if playbook is None:
        return playbook_id, {}
    return playbook.name, {step.id: step.title for step in playbook.steps}


def _step_view(step: dict, fmt: _Formats, titles: dict[str, str], started: datetime, reference: datetime) -> dict:
    due = datetime.fromisoformat(step["due_at"])
    done = datetime.fromisoformat(step["done_at"]) if step.get("done_at") else None
    if step.get("met"):
        state, ok = "按时完成", True
    elif done is not None:
        state, ok = f"超时 {eventtime.format_duration((done - due).total_seconds() / 60)}", False
    elif reference > due:
        state, ok = "逾期未完成", False
    else:
        state, ok = "进行中", None
    return {
        "id": step["id"],
        "title": titles.get(step["id"], step["id"]),
        "role": ROLE_LABELS.get(step["role"], step["role"]),
        "owners": fmt.people(step.get("owners") or []),
        "due": fmt.when(step["due_at"]),
        "done": fmt.when(step.get("done_at")),
        "state": state,
        "ok": ok,
        "limit": _minutes(round((due - started).total_seconds() / 60, 1)),
    }


def _kpi_rows(kpis: dict, steps: dict[str, dict]) -> list[dict]:
    """The response KPIs: label, value, target, verdict, ok (True / False / None when there is nothing to judge)."""

    def timing(label: str, minutes, step_id: str, missing: str) -> dict:
        step = steps.get(step_id)
        target = f"时限 {step['limit']}（按当时级别）" if step else "—"
        if minutes is None:
            return {
                "label": label,
                "value": missing,
                "short": missing,
                "target": target,
                "verdict": "未发布",
                "ok": False,
            }
        value = _minutes(minutes) + (f"（{eventtime.format_duration(minutes)}）" if minutes >= 60 else "")
        ok = step["ok"] if step else None
        verdict = {True: "达标", False: "超时", None: "—"}[ok]
        return {
            "label": label,
            "value": value,
            "short": _minutes(minutes),
            "target": target,
            "verdict": verdict,
            "ok": ok,
        }

    remedy = kpis.get("statement_has_remedy")
    met, total = kpis.get("steps_met", 0), kpis.get("steps_total", 0)
    return [
        timing("初步回应用时", kpis.get("first_response_minutes"), "first_response", "没有对外回应"),
        timing("正式声明用时", kpis.get("formal_statement_minutes"), "formal_statement", "没有正式声明"),
        {
            "label": "声明含具体解决方案",
            "value": "是" if remedy else "否",
            "short": "是" if remedy else "否",
            "target": "动作 + 时限/金额/渠道（如“3天内可申请全额退款”）",
            "verdict": "达标" if remedy else "缺失",
            "ok": bool(remedy),
        },
        {
            "label": "步骤按时完成",
            "value": f"{met}/{total}",
            "short": f"{met}/{total}",
            "target": "全部按时",
            "verdict": ("达标" if met == total else f"{total - met} 项未按时") if total else "—",
            "ok": (met == total) if total else None,
        },
    ]


def _peaks(kpis: dict) -> list[dict]:
    peaks = []
    if kpis.get("peak_topic_reads") is not None:
        peaks.append({"label": "话题阅读峰值", "value": format_value("topic_reads", kpis["peak_topic_reads"])})
    if kpis.get("peak_negative_ratio") is not None:
        peaks.append({"label": "负面评论占比峰值", "value": _percent(kpis["peak_negative_ratio"])})
    return peaks


def _finding_view(finding: dict, fmt: _Formats) -> dict:
    return {
        "code": finding.get("code", ""),
        "text": fmt.text(finding.get("text", "")),
        "evidence": fmt.text(finding.get("evidence", "")),
    }


def _strategy_view(item: dict, fmt: _Formats, base_day: date, review: str) -> dict:
    if item["due_at_review"]:
        suggested = review
    else:
        suggested = fmt.day(base_day + timedelta(days=item["within_days"])) if item["within_days"] else ""
    return {
        "area": item["area"],
        "title": fmt.text(item["title"]),
        "text": item["text"],
        "role": item["role_label"],
        "standing": item["standing"],
        "source": item["source"],
        "because": [fmt.text(loss.get("text", "")) for loss in item["because"]],
        "actions": [_action_view(a, fmt) for a in item["actions"]],
        "suggested_due": suggested,
    }


def _action_view(action: dict, fmt: _Formats) -> dict:
    return {
        "text": fmt.text(action.get("text", "")),
        "owners": fmt.people(action.get("owners") or []) or "待指派",
        "due": fmt.day(action["due"]) if action.get("due") else "未定",
        "status": STATUS_LABELS.get(action.get("status", ""), action.get("status", "")),
    }


def _schedule(strategies: list[dict], retro: dict, fmt: _Formats, base_day: date) -> list[dict]:
    """The execution timetable: the team's actions, the recommendations nobody has taken up yet (with the suggested
    role and due date), and the next quarterly review, by date."""
    rows = []
    for item in strategies:
        for action in item["actions"]:
            view = _action_view(action, fmt)
            rows.append(
                {
                    **view,
                    "for": item["title"] if item["id"] else "",
                    "claimed": True,
                    "sort": action.get("due") or "9999",
                }
            )
        if not item["actions"] and item["within_days"] and not item["due_at_review"]:
            due = base_day + timedelta(days=item["within_days"])
            rows.append(
                {
                    "text": item["title"],
                    "owners": f"建议：{item['role_label']}（待认领）",
                    "due": fmt.day(due),
                    "status": "待认领",
                    "for": "",
                    "claimed": False,
                    "sort": due.isoformat(),
                }
            )
    if retro.get("next_review_at"):
        at = datetime.fromisoformat(retro["next_review_at"])
        rows.append(
            {
                "text": "季度复盘：检查优化策略执行情况（响应时间是否缩短、负面评论占比是否下降）",
                "owners": ROLE_LABELS["lead"],
                "due": fmt.when(retro["next_review_at"]),
                "status": "已排期",
                "for": "",
                "claimed": True,
                "sort": at.date().isoformat(),
            }
        )
    rows.sort(key=lambda row: (row["sort"], not row["claimed"]))
    for row in rows:
        del row["sort"]
    return rows


def _reason_text(reason: str) -> str:
    """“topic_reads 6.2e+06 > 5e+06” → “话题阅读 620万 超过 500万”; other reasons as recorded."""
    match = _THRESHOLD_REASON.match(reason.strip())
    if not match or match.group(1) not in METRIC_LABELS:
        return reason
    metric, value, limit = match.group(1), float(match.group(2)), float(match.group(3))
    return f"{METRIC_LABELS[metric]} {format_value(metric, value)} 超过 {format_value(metric, limit)}"


def _minutes(value) -> str:
    return f"{value:g} 分钟"


def _percent(value: float) -> str:
    return f"{round(value * 100, 1):g}%"


def _cell(value: object) -> str:
    """A Markdown table cell: one line, pipes kept literal."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
