"""Drill messages and cards: data gathered here, wording in templates/ (messages/drill_*.j2, cards/drill_*.j2)."""

from __future__ import annotations

from bot.clock.format import format_duration, format_local
from bot.config import Settings
from bot.core import labels
from bot.core.labels import role as role_label
from bot.core.messages import Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.drills.timescale import inject_time
from bot.incidents.models import Incident
from bot.library.drills import Drills, Inject, Scenario
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import Library
from bot.timeline.values import format_value


def speed_text(speed: float) -> str:
    return f"{speed:g}"


def inject_message(
    incident: Incident, scenario: Scenario, inject: Inject, *, late: bool, settings: Settings
) -> Outbound:
    metric = None
    if inject.metric is not None:
        lexicon = load_lexicon(settings.playbook_dir)
        metric = {
            "label": labels.metric(inject.metric.name),
            "platform": labels.platform(inject.metric.platform),
            "value": format_value(inject.metric.name, inject.metric.value, lexicon),
        }
    return Outbound(
        chat_id=incident.chat_id, text=say("drill_inject", scenario=scenario, inject=inject, metric=metric, late=late)
    )


def started_message(started, *, library: Library, settings: Settings) -> Outbound:
    """What the group is told when a drill starts (after the usual opening card)."""
    run, incident, scenario = started.run, started.opened.incident, started.scenario
    real = format_duration(scenario.end / run.speed)
    return Outbound(
        chat_id=incident.chat_id,
        text=say(
            "drill_started",
            scenario=scenario,
            incident=incident,
            speed=speed_text(run.speed),
            real=real,
            playbook=library.playbooks[incident.playbook],
            level=library.severity.levels[incident.level],
            ends=format_local(inject_time(run, scenario.end), settings.tz, now=run.started_at),
        ),
    )


def scenario_list(drills: Drills, library: Library) -> str:
    return say(
        "drill_list",
        scenarios=list(drills.scenarios.values()),
        playbooks={pid: p.name for pid, p in library.playbooks.items()},
    )


def score_card(score, incident: Incident) -> Outbound:
    """The drill retro: per step the response time in scenario minutes against the playbook deadline, and a score."""
    lines = [{"step": step, "role": role_label(step.role)} for step in score.steps]
    body = Markdown(
        environment()
        .get_template("cards/drill_retro.j2")
        .render(score=score, incident=incident, lines=lines, speed=speed_text(score.speed))
        .strip()
    )
    percent = score.percent
    color = "blue" if percent is None else "green" if percent >= 80 else "orange" if percent >= 50 else "red"
    card = Card(title=say("drill_retro_title", score=score, incident=incident), blocks=(body,), color=color)
    return Outbound(chat_id=incident.chat_id, kind="card", card=card, ref=f"incident:{incident.id}:drill_retro")
