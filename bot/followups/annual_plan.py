"""The annual risk plan (年度风险预案): the active playbooks, thresholds, response rules, follow-up cadence and
standing improvements of a playbook folder as one Markdown document (`crisisbot playbooks export`).

Logic only: every number comes from the YAML files (severity levels, playbooks, lexicon lint rules, retro
recommendations, drills) and the settings; the wording is in `templates/report/annual_plan.md.j2`."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from bot.clock.format import format_duration
from bot.config import Settings
from bot.core import labels
from bot.core.labels import role as role_label
from bot.core.wording import environment
from bot.drafting import lint
from bot.library import drills, playbooks
from bot.library import lexicon as lexicon_module
from bot.library import recommendations as recommendation_book
from bot.library.phrase_examples import examples
from bot.timeline.values import format_value

EXAMPLES_PER_PHRASE = 5
_FOLD_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


class PlanError(ValueError):
    """`path: field: reason` for every problem that stops the export."""


def _duration(delta) -> str:
    return format_duration(delta.total_seconds() / 60)


def _unfold(text: str) -> str:
    """YAML's folded lines join with a space; between two Chinese characters there should be none."""
    return _FOLD_SPACE.sub("", " ".join(text.split()))


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8] if path.is_file() else "—"


def _metric_name(metric: str, lexicon: lexicon_module.Lexicon) -> str:
    aliases = lexicon.metrics.get(metric) or []
    return aliases[0] if aliases else labels.metric(metric)


def _threshold(rule: playbooks.Threshold, lexicon: lexicon_module.Lexicon) -> dict:
    return {
        "metric": rule.metric,
        "name": _metric_name(rule.metric, lexicon),
        "value": format_value(rule.metric, rule.above, lexicon),
    }


def _step(step: playbooks.Step, lexicon: lexicon_module.Lexicon) -> dict:
    only_level = step.when.level if step.when else None
    ratio = step.when.negative_ratio_above if step.when else None
    return {
        "id": step.id,
        "title": step.title,
        "role": role_label(step.role),
        "approver": role_label(step.approver) if step.approver else None,
        "deadlines": {
            level: None if only_level not in (None, level) else _duration(step.deadline[level]) for level in (1, 2)
        },
        "only_level": only_level,
        "negative_above": format_value("negative_ratio", ratio, lexicon) if ratio is not None else None,
        "done_when": list(step.done_when),
        "remind_before": _duration(step.remind_before),
        "escalate_after": _duration(step.escalate_after),
        "hint": _unfold(step.hint),
    }


def _step_deadlines(library: playbooks.Library, step_id: str, level: int) -> list[str]:
    """The distinct deadlines of one step id at one level across the playbooks, shortest first."""
    steps = [p.step(step_id) for p in library.playbooks.values()]
    found = {s.deadline[level] for s in steps if s and (s.when is None or s.when.level in (None, level))}
    return [_duration(delta) for delta in sorted(found)]


def _levels(library: playbooks.Library, lexicon: lexicon_module.Lexicon) -> list[dict]:
    severity = library.severity
    return [
        {
            "level": level,
            "name": rule.name,
            "lead": role_label(rule.lead_role),
            "summary": rule.summary,
            "enter_when": [_threshold(t, lexicon) for t in rule.enter_when],
            "default": level == severity.default_level,
            "first_response": _step_deadlines(library, "first_response", level),
            "formal_statement": _step_deadlines(library, "formal_statement", level),
        }
        for level, rule in sorted(severity.levels.items())
    ]


def _conditional_steps(library: playbooks.Library, lexicon: lexicon_module.Lexicon) -> list[dict]:
    """Steps that start only once the negative share passes a threshold, grouped by that threshold."""
    groups: dict[float, dict[str, str]] = {}
    for playbook in library.playbooks.values():
        for step in playbook.steps:
            if step.when and step.when.negative_ratio_above is not None:
                groups.setdefault(step.when.negative_ratio_above, {}).setdefault(step.id, step.title)
    return [
        {
            "value": format_value("negative_ratio", ratio, lexicon),
            "steps": [{"id": sid, "title": title} for sid, title in steps.items()],
        }
        for ratio, steps in sorted(groups.items())
    ]


def _phrase_rows(rule) -> list[dict]:
    rows: list[dict] = []
    seen: set[str] = set()
    for phrase in rule.phrases:
        found = [text for text in examples(phrase.pattern) if text not in seen]
        if not found:
            continue
        seen.update(found)
        rows.append(
            {
                "avoid": found[:EXAMPLES_PER_PHRASE],
                "more": len(found) > EXAMPLES_PER_PHRASE,
                "instead": phrase.suggestion.replace("{text}", found[0]),
            }
        )
    return rows


def _guidelines(lexicon: lexicon_module.Lexicon) -> dict:
    rules = lint.rules_of(lexicon)
    remedy = rules.no_remedy
    return {
        "boilerplate": _phrase_rows(rules.boilerplate),
        "exaggeration": _phrase_rows(rules.exaggeration),
        "blame_shift": _phrase_rows(rules.blame_shift),
        "remedy": remedy.suggestion,
        "remedy_bounds": [kind for kind in ("time", "amount", "channel") if remedy.bounds.get(kind)],
        "vague": [text for pattern in remedy.vague for text in examples(pattern)[:1]],
        "empathy": rules.no_empathy.suggestion,
        "formal": [
            marker.suggestion.replace("{text}", (examples(marker.pattern) or [""])[0])
            for marker in rules.too_formal.markers
        ],
        "lengths": [
            {"kind": kind, "min": bounds.min, "max": bounds.max} for kind, bounds in rules.length.bounds.items()
        ],
    }


def _recommendations(folder: Path) -> list[dict]:
    try:
        book = recommendation_book.book(folder)
    except recommendation_book.RecommendationsError as exc:
        raise PlanError(str(exc)) from None
    return [
        {
            "id": rid,
            "title": rec.title,
            "area": rec.area,
            "role": role_label(rec.role),
            "text": rec.text,
            "within_days": rec.within_days,
            "due_at_review": rec.due_at_review,
        }
        for rid in book.standing
        for rec in [book.recommendations[rid]]
    ]


def _drills(folder: Path, library: playbooks.Library) -> list[dict]:
    """The drill scenarios of `drills/*.yaml`: name, the playbook it exercises (its Chinese name) and the start
    level, validated like the running bot validates them."""
    try:
        scenarios = drills.parse(folder).scenarios.values()
    except playbooks.PlaybookError as exc:
        raise PlanError(str(exc)) from None
    found = [{"name": s.name, "playbook": s.playbook, "level": s.level} for s in scenarios]
    for drill in found:
        playbook = library.playbooks.get(drill["playbook"])
        drill["playbook_name"] = playbook.name if playbook else None
    return found


def _files(folder: Path, library: playbooks.Library, lexicon: lexicon_module.Lexicon) -> list[dict]:
    rows = [
        {
            "file": playbooks.SEVERITY_FILE,
            "what": "severity",
            "version": library.severity.version,
            "sum": _fingerprint(folder / playbooks.SEVERITY_FILE),
        }
    ]
    rows += [
        {
            "file": f"{pid}.yaml",
            "what": playbook.name,
            "version": playbook.version,
            "sum": _fingerprint(folder / f"{pid}.yaml"),
        }
        for pid, playbook in library.playbooks.items()
    ]
    rows.append(
        {
            "file": "lexicon.yaml",
            "what": "lexicon",
            "version": lexicon.version,
            "sum": _fingerprint(folder / "lexicon.yaml"),
        }
    )
    recommendations = folder / recommendation_book.RECOMMENDATIONS_FILE
    rows.append(
        {
            "file": recommendation_book.RECOMMENDATIONS_FILE.as_posix() if recommendations.is_file() else "—",
            "what": "recommendations",
            "version": 1,
            "sum": _fingerprint(recommendations),
        }
    )
    return rows


def view(settings: Settings, *, today: date) -> dict:
    """Everything the document shows, from the files in `settings.playbook_dir`, dated `today` (the caller's
    local date). PlaybookError / PlanError / LexiconError when a file is broken."""
    folder = settings.playbook_dir
    library = playbooks.parse(folder)
    lexicon = lexicon_module.parse(folder / "lexicon.yaml")
    return {
        "today": today,
        "files": _files(folder, library, lexicon),
        "levels": _levels(library, lexicon),
        "alert": format_value("negative_ratio", library.severity.alert.negative_ratio_above, lexicon),
        "alert_metric": _metric_name("negative_ratio", lexicon),
        "conditional": _conditional_steps(library, lexicon),
        "scenarios": [
            {
                "id": p.id,
                "name": p.name,
                "description": p.description,
                "roles": [role_label(r) for r in p.roles],
                "match": p.match,
                "steps": [_step(s, lexicon) for s in p.steps],
            }
            for p in library.playbooks.values()
        ],
        "guidelines": _guidelines(lexicon),
        "sections": labels.SECTIONS,
        "cadence": {
            "review_workday": settings.review_workday,
            "review_time": settings.review_time,
            "drill_day": settings.drill_day,
            "drill_time": settings.drill_time,
            "timezone": settings.bot_timezone,
        },
        "drills": _drills(folder, library),
        "standing": _recommendations(folder),
    }


def _cell(value: object) -> str:
    """A Markdown table cell: one line, pipes kept literal."""
    return " ".join(str(value).split()).replace("|", "\\|")


def markdown(settings: Settings, *, today: date) -> str:
    """The annual plan as Markdown, dated `today`."""
    text = environment().get_template("report/annual_plan.md.j2").render(**view(settings, today=today), cell=_cell)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
