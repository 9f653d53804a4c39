"""Drill runs: a scenario (`bot.library.drills`) played into a drill incident of a group.

- `start` opens the drill incident (flagged `is_drill`, its playbook deadlines compressed by the speed) and its
  DrillRun row; the team then responds with the normal commands.
- `due_injects` (called by the sweep) posts each inject once at started_at + at/speed, as a marked drill message,
  recording its data point in the drill incident through the usual services (severity: level upgrade, negative
  alert). An inject due while the bot was down is posted once, late. When the scenario's end passes, the drill
  ends: the incident is closed at that time and the drill retro goes out.
- `stop` (/drill stop) and `closed_by_hand` (/结束 on a drill incident) end it early, once.
- the drill retro scores the run (`bot.drills.score`); scenario time ↔ real time is `bot.drills.timescale`.

A drill ends once: a Notice `drill:end` (unique per incident) is written in the same transaction as the close."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import yaml
from sqlmodel import Session, select

from bot.config import Settings
from bot.core.bundled import TEMPLATES
from bot.core.llm import LLM
from bot.core.messages import Outbound
from bot.core.wording import say
from bot.drills import messaging as drill_messaging
from bot.drills.models import DrillRun
from bot.drills.score import Score, score
from bot.drills.timescale import inject_time
from bot.incidents import flows as incident_flows
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.library import drills as drill_files
from bot.library.playbooks import Library, PlaybookError
from bot.retro import flows as retro_flows
from bot.retro import messaging as retro_messaging
from bot.scheduling.ledger import LATE_AFTER, Ledger
from bot.timeline import samples, severity
from bot.timeline import service as timeline

log = logging.getLogger(__name__)
StepPrompter = Callable[[Session, Incident, Library, Settings, datetime], list[Outbound]]

MIN_SPEED, MAX_SPEED = 1.0, 60.0
WORDS = yaml.safe_load((TEMPLATES / "drills" / "command_words.yaml").read_text(encoding="utf-8"))
END_KEY = "drill:end"


class SpeedProblem(ValueError):
    """A speed outside 1–60 or not a number."""


def parse_speed(raw: str | None) -> float:
    """ "10", "10x", "x10", "10倍" → 10.0; 1 when not given; SpeedProblem otherwise."""
    if raw is None:
        return 1.0
    text = raw.strip().lower()
    for prefix in WORDS["speed_prefixes"]:
        text = text.removeprefix(prefix)
    for suffix in WORDS["speed_suffixes"]:
        text = text.removesuffix(suffix)
    if not re.fullmatch(r"\d+(?:\.\d+)?", text):
        raise SpeedProblem(raw)
    value = float(text)
    if not MIN_SPEED <= value <= MAX_SPEED:
        raise SpeedProblem(raw)
    return value


def scenarios(settings: Settings) -> drill_files.Drills:
    """The drill scenarios (the last good version when a file is broken); PlaybookError when none ever loaded."""
    return drill_files.load(settings.playbook_dir)


def running(session: Session, chat_id: str) -> DrillRun | None:
    stmt = (
        select(DrillRun).where(DrillRun.chat_id == chat_id, DrillRun.status == "running").order_by(DrillRun.id.desc())
    )
    return session.exec(stmt).first()


def run_of(session: Session, incident_id: int) -> DrillRun | None:
    return session.exec(select(DrillRun).where(DrillRun.incident_id == incident_id)).first()


def open_incident_in(session: Session, chat_id: str) -> Incident | None:
    """The group's open incident (real or drill) that keeps a drill from starting."""
    found = incidents.open_incidents(session, chat_id)
    return found[0] if found else None


# --- start -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    run: DrillRun
    opened: incident_flows.Opened
    scenario: drill_files.Scenario


def start(
    session: Session,
    *,
    settings: Settings,
    library: Library,
    scenario: drill_files.Scenario,
    speed: float,
    chat_id: str,
    at: datetime,
    by: str,
    by_name: str,
    message_id: str,
) -> Started:
    """Open the drill incident and its run. The caller has checked that nothing else is open in the group."""
    choice = incident_flows.Choice(library.playbooks[scenario.playbook], [], True)
    opened = incident_flows.open_incident(
        session,
        settings=settings,
        library=library,
        reader=None,
        chat_id=chat_id,
        title=say("drill_incident_title", scenario=scenario),
        choice=choice,
        level=scenario.level,
        since=None,
        opened_at=at,
        opened_by=by,
        opened_by_name=by_name,
        message_id=message_id,
    )
    incident = opened.incident
    incident.is_drill, incident.time_scale = True, speed
    session.add(incident)
    run = DrillRun(
        incident_id=incident.id, chat_id=chat_id, scenario=scenario.id, speed=speed, started_by=by, started_at=at
    )
    session.add(run)
    session.flush()
    return Started(run, opened, scenario)


# --- the sweep -------------------------------------------------------------------------------------------------------


def due_injects(
    session: Session, settings: Settings, library: Library, now: datetime, *, prompt_steps: StepPrompter
) -> list[Outbound]:
    """Every running drill: the injects whose time came (each once), then its end when the scenario is over.
    `prompt_steps` is the sweep's own step pass (prompts, reminders), run on a drill incident whose injects just
    changed its data; it is handed in so that drills never import the sweep that calls them."""
    try:
        known = scenarios(settings)
    except PlaybookError:
        log.exception("no usable drill scenarios: running drills are paused until they are fixed")
        return []
    messages: list[Outbound] = []
    for run in session.exec(select(DrillRun).where(DrillRun.status == "running")).all():
        incident = session.get(Incident, run.incident_id)
        if incident is None:
            continue
        if incident.status != "open":  # closed some other way: the drill ends with it
            messages += _conclude_with_card(session, settings, library, run, incident, status="stopped")
            continue
        scenario = known.scenarios.get(run.scenario)
        if scenario is None:
            log.warning("drill %s: scenario %r is gone; the drill waits for /drill stop", run.id, run.scenario)
            continue
        posted = _post_due(session, settings, library, run, incident, scenario, now)
        messages += posted
        end_at = inject_time(run, scenario.end)
        if end_at <= now:
            messages += end(session, settings, library, run, incident, at=end_at, status="finished")
        elif posted:  # a data point may have raised the level or activated steps: prompt them now
            messages += prompt_steps(session, incident, library, settings, now)
    return messages


def _post_due(
    session: Session,
    settings: Settings,
    library: Library,
    run: DrillRun,
    incident: Incident,
    scenario: drill_files.Scenario,
    now: datetime,
) -> list[Outbound]:

    ledger = Ledger(session, incident.id)
    messages: list[Outbound] = []
    for index, inject in enumerate(scenario.injects):
        due = inject_time(run, inject.at)
        if due > now:
            break
        key = f"drill:inject:{index}"
        if ledger.sent(key):
            continue
        ledger.note(key, now)
        entry = timeline.add(
            session, incident, at=due, kind=drill_files.TIMELINE_KINDS[inject.kind], text=inject.text, source="drill"
        )
        findings = []
        if inject.metric is not None:
            sample = samples.record(
                session,
                incident,
                metric=inject.metric.name,
                value=inject.metric.value,
                platform=inject.metric.platform,
                at=due,
                source="drill",
                entry_id=entry.id if entry else None,
            )
            findings = severity.assess(session, incident, [sample], library.severity)
        messages.append(
            drill_messaging.inject_message(incident, scenario, inject, late=now - due > LATE_AFTER, settings=settings)
        )
        notes = incident_flows.announcements(session, incident, findings, settings=settings, library=library)
        messages += [Outbound(chat_id=incident.chat_id, text=text) for text in notes]
    return messages


# --- the end ---------------------------------------------------------------------------------------------------------


def end(
    session: Session,
    settings: Settings,
    library: Library,
    run: DrillRun,
    incident: Incident,
    *,
    at: datetime,
    status: str,
    by: str = "",
    by_name: str = "",
    message_id: str | None = None,
    llm: LLM | None = None,
) -> list[Outbound]:
    """Close the drill incident at `at` and post the drill retro and the usual retro (once)."""
    ledger = Ledger(session, incident.id)
    if ledger.sent(END_KEY):
        return []
    ledger.note(END_KEY, at)
    if incident.status == "open":
        timeline.add(
            session,
            incident,
            at=at,
            kind="system",
            text=say("drill_end_entry", status=status),
            author_id=by,
            author_name=by_name,
            message_id=message_id or None,
            source="drill",
        )
        incidents.close(session, incident, at=at)
    scored = _finish(session, settings, library, run, incident, status=status)
    compiled = retro_flows.compile_retro(session, incident, settings, llm, now=at)
    return [
        Outbound(chat_id=incident.chat_id, text=say("drill_ended", score=scored, status=status)),
        drill_messaging.score_card(scored, incident),
        *retro_messaging.retro_outputs(
            compiled, chat_id=incident.chat_id, leads=roster.holders(session, incident.chat_id, "lead")
        ),
    ]


def stop(
    session: Session,
    settings: Settings,
    library: Library,
    run: DrillRun,
    *,
    at: datetime,
    by: str,
    by_name: str,
    message_id: str,
    llm: LLM | None = None,
) -> list[Outbound]:
    """/drill stop: end the running drill now."""
    incident = session.get(Incident, run.incident_id)
    return end(
        session,
        settings,
        library,
        run,
        incident,
        at=at,
        status="stopped",
        by=by,
        by_name=by_name,
        message_id=message_id,
        llm=llm,
    )


def closed_by_hand(session: Session, settings: Settings, library: Library, incident: Incident) -> list[Outbound]:
    """/结束 closed a drill incident (the usual retro goes out with it): the drill retro, once. [] for others."""
    if not incident.is_drill:
        return []
    run = run_of(session, incident.id)
    if run is None or run.status != "running":
        return []
    return _conclude_with_card(session, settings, library, run, incident, status="stopped")


def _conclude_with_card(
    session: Session, settings: Settings, library: Library, run: DrillRun, incident: Incident, *, status: str
) -> list[Outbound]:

    ledger = Ledger(session, incident.id)
    if ledger.sent(END_KEY):
        return []
    ledger.note(END_KEY, incident.closed_at or run.started_at)
    return [drill_messaging.score_card(_finish(session, settings, library, run, incident, status=status), incident)]


def _finish(
    session: Session, settings: Settings, library: Library, run: DrillRun, incident: Incident, *, status: str
) -> Score:
    run.status, run.finished_at = status, incident.closed_at
    session.add(run)
    session.flush()
    try:
        scenario = scenarios(settings).scenarios.get(run.scenario)
    except PlaybookError:
        scenario = None
    return score(session, library, run, incident, scenario)
