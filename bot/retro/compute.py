"""The retrospective as data (the entry point, `compute`): every number of the retro JSON
(`crisisbot retro --format json`), computed deterministically from what the bot recorded. No LLM, no I/O besides the
database session, no writes.

Conventions (the contract is in DESIGN.md, "Retro JSON"; these are the choices it leaves open):

- Times are event times, rendered ISO 8601 in `tz` with its offset ("2026-11-24T09:10:00+08:00"), to the second.
- Durations are minutes: an int when whole after rounding to 0.1 minute, else a float with one decimal
  (event times carry milliseconds: 55 min 1 s is 55, 55 min 30 s is 55.5).
- Ratios are fractions 0–1 (rounded to 4 decimals); counts are ints when whole.
- Recalled entries are left out everywhere — timeline, statements, triggers, platforms, root causes — and so are
  the metric samples read from them: the sender took the message back. (Step rows are used as recorded.)
- The incident's window is started_at … closed_at (no upper bound while open, as no sample can be later than
  the messages it came from): peaks, milestones, the negative-share series and escalations use samples inside it.
- Steps are the playbook's steps that apply ("listed", `bot.retro.listed_steps`), mirroring `bot.steps.service.sync`
  without writing, with the one deadline formula (`bot.steps.service.due_at`).
- Root causes are timeline entries whose `subkind` is `root_surface` or `root_deep` (any kind; `/root` writes them;
  the bare `surface`/`deep` are read too).
- Steps have a state at the close (or `now` while open), the one definition in `bot.steps.states`: `steps_total`
  counts the steps that were due (met, late, missed), `steps_met` the met ones; a step not yet due at that moment
  counts in neither.
- `next_review_at`: the quarterly review of the quarter of the close (or `now` while open), as the scheduler posts
  it: the group's n-th working day of the next quarter at its time (`bot.followups.cadence.review_after`).
- Level-change reasons that are thresholds are stored as data (metric, value, threshold) and worded by
  `templates/retro/level_reason.j2` ("话题阅读 620万 超过 500万"); others are the recorded text.

Pieces: `reading` (the SQL), `listed_steps`, `propagation`, `findings`, `json_values` (how values are written),
`public` (the imported comments, from `bot.comments.analysis`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock.now import as_utc
from bot.comments import analysis as comment_analysis
from bot.comments.phrases import Phrases
from bot.comments.phrases import phrases as phrase_book
from bot.config import BUNDLED_PLAYBOOKS
from bot.followups import actions
from bot.followups.cadence import Cadence, default_cadence, review_after
from bot.incidents import names as names_service
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.library.lexicon import Lexicon
from bot.library.playbooks import Library
from bot.library.recommendations import KOL_WORDS
from bot.retro import reading
from bot.retro.findings import findings, has_remedy, verdict_pending
from bot.retro.json_values import IsoClock, count, minutes_between, ratio, rounded_minutes, series_points
from bot.retro.level_reasons import reason_text
from bot.retro.listed_steps import ListedStep, listed_steps
from bot.retro.propagation import (
    ESCALATION_POINTS,
    deescalations,
    escalations,
    import_deescalations,
    import_escalations,
    platforms,
)
from bot.retro.public import comments_json
from bot.retro.reading import VALUE, Entry
from bot.steps import states

__all__ = [  # the retro's Python API, as callers import it from here
    "ESCALATION_POINTS",
    "ListedStep",
    "compute",
    "latest_for_chat",
    "listed_steps",
    "minutes_between",
    "next_review",
    "root_causes",
    "rounded_minutes",
]

ROOT_SUBKINDS = {"root_surface": "surface", "surface": "surface", "root_deep": "deep", "deep": "deep"}


def latest_for_chat(session: Session, chat_id: str) -> Incident | None:
    """The chat's most recently opened incident, open or closed."""
    return incidents.latest(session, chat_id)


def compute(
    session: Session,
    incident: Incident,
    *,
    library: Library,
    tz: ZoneInfo,
    lexicon: Lexicon,
    now: datetime,
    kol_words: Sequence[str] = KOL_WORDS,
    escalation_points: float = ESCALATION_POINTS,
    cadence: Cadence | None = None,
    phrases: Phrases | None = None,
) -> dict:
    """The retro JSON of an incident, exactly as the contract. `library`, `lexicon` and `kol_words` are the playbook
    folder's (`bot.retro.flows` passes PLAYBOOK_DIR's); `now` is the caller's clock, the reference time of an open
    incident. `cadence` is the group's quarterly-review schedule (`bot.followups.cadence`; the default one when
    not given), which dates `next_review_at`. `phrases` is the folder's comment phrase book (segments, demands,
    keyword stop words; the bundled one when not given).

    Built for big incidents (issue 6: 20,000 entries, 200,000 imported samples): rows are read with Core selects
    as plain tuples (no ORM objects), the window and the recalled-entry filter run in SQL, peaks and milestones
    are SQL aggregates, and only the negative-share series (which is output point by point) is read in full."""
    started = as_utc(incident.started_at)
    closed = as_utc(incident.closed_at) if incident.closed_at else None
    reference = closed or as_utc(now)

    entries = [e for e in reading.entries(session, incident.id) if not e.recalled]
    entry_text = {e.id: e.text for e in entries}
    window = reading.Window(incident.id, started, closed)
    typed = reading.negative_series(session, window)
    counts = reading.count_metrics(session, window)

    statements = [e for e in entries if e.kind == "statement"]
    first_statement = statements[0] if statements else None
    formal = next((e for e in statements if e.subkind == "formal"), None)
    lints = reading.statement_lints(session, incident.id)
    formal_has_remedy = formal is not None and has_remedy(formal, lints, lexicon)

    playbook = library.playbooks.get(incident.playbook)
    listed = listed_steps(session, incident, playbook, reading.peak_negative_ever(session, incident.id))
    step_states = [states.state_at(applies=True, due_at=s.due_at, done_at=s.done_at, at=reference) for s in listed]
    tally = states.tally(step_states)

    # The public's own data: imported comments, bucketed into `"source": "import"` points beside the typed samples.
    public = comment_analysis.public(
        session,
        incident.id,
        phrases or phrase_book(BUNDLED_PLAYBOOKS),
        since=started,
        until=closed,
        open_since=statements[-1].at if statements else None,
    )
    imported = public.points if public else []
    negative = sorted([*typed, *imported], key=lambda row: row[0]) if imported else typed

    completed = [(step.done_at, step.title) for step in listed if step.done_at is not None]
    escalation_list = _by_time(
        escalations(typed, entries, points=escalation_points)
        + import_escalations(imported, entries, points_needed=escalation_points)
    )
    deescalation_list = _by_time(
        deescalations(typed, entries, completed, points=escalation_points)
        + import_deescalations(imported, entries, completed, points_needed=escalation_points)
    )
    found = findings(
        started=started,
        reference=reference,
        tz=tz,
        first_statement=first_statement,
        formal=formal,
        formal_has_remedy=formal_has_remedy,
        statements=statements,
        lints=lints,
        entries=entries,
        negative=negative,
        listed=listed,
        lexicon=lexicon,
        kol_words=kol_words,
        alert_above=library.severity.alert.negative_ratio_above,
        deescalations=deescalation_list,
        segments=public.segments if public else (),
    )
    names = member_names(session, incident.chat_id, entries)
    clock = IsoClock(tz)
    return {
        "incident": {
            "id": incident.id,
            "chat_id": incident.chat_id,
            "title": incident.title,
            "playbook": incident.playbook,
            "level": incident.level,
            "started_at": clock.iso(started),
            "opened_at": clock.iso(incident.opened_at),
            "closed_at": clock.iso(closed) if closed else None,
        },
        "kpis": {
            "first_response_minutes": minutes_between(started, first_statement.at) if first_statement else None,
            "formal_statement_minutes": minutes_between(started, formal.at) if formal else None,
            "statement_has_remedy": formal_has_remedy,
            "peak_negative_ratio": ratio(max((row[VALUE] for row in negative), default=None)),
            "peak_topic_reads": count(counts.peaks.get("topic_reads")),
            "steps_met": tally.met,
            "steps_total": tally.due,
        },
        "propagation": {
            "milestones": [
                {"metric": metric, "threshold": threshold, "at": clock.iso(at), "at_first_sample": first}
                for metric, threshold, at, first in counts.milestones
            ],
            "platforms": [
                {"platform": platform, "first_at": clock.iso(at), "text": text}
                for platform, at, text in platforms(
                    entries, reading.first_sample_per_platform(session, window), entry_text, lexicon
                )
            ],
            "negative_ratio": series_points(negative, tz),
        },
        "comments": comments_json(public, tz) if public else None,
        "escalations": [
            {
                "at": clock.iso(later.at),
                "from": ratio(earlier.value),
                "to": ratio(later.value),
                "trigger": {"at": clock.iso(trigger.at), "text": trigger.text} if trigger else None,
            }
            for earlier, later, trigger in escalation_list
        ],
        "deescalations": [
            {
                "at": clock.iso(later.at),
                "from": ratio(earlier.value),
                "to": ratio(later.value),
                "after": {"at": clock.iso(after[0]), "text": after[1]} if after else None,
            }
            for earlier, later, after in deescalation_list
        ],
        "level_changes": [
            {"at": clock.iso(c.at), "from": c.from_level, "to": c.to_level, "reason": reason_text(c)}
            for c in reading.level_changes(session, incident.id)
        ],
        "steps": [
            {
                "id": step.id,
                "role": step.role,
                "owners": (owners := [m.user_id for m in roster.holders(session, incident.chat_id, step.role)]),
                "owner_names": [names.get(owner, owner) for owner in owners],
                "due_at": clock.iso(step.due_at),
                "done_at": clock.iso(step.done_at) if step.done_at else None,
                "met": step.met,
                "state": state,
            }
            for step, state in zip(listed, step_states, strict=True)
        ],
        "root_causes": root_causes(entries),
        "findings": found,
        "verdict_pending": verdict_pending(listed, reference, tz, found, closed=closed is not None),
        "actions": [actions.as_retro(item, names) for item in actions.for_incident(incident.id, session=session)],
        "next_review_at": clock.iso(next_review(reference, tz, cadence)),
        "timeline": [
            {
                "at": clock.iso(e.at),
                "kind": e.kind,
                "author": e.author_id,
                "author_name": names.get(e.author_id, e.author_id),
                "text": e.text,
            }
            for e in entries
        ],
    }


def _by_time(found: list[tuple]) -> list[tuple]:
    """Jumps of the typed samples and of the import points together, by the time of the later point."""
    return sorted(found, key=lambda item: as_utc(item[1][0]))


def root_causes(entries: Iterable[Entry]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"surface": [], "deep": []}
    for entry in entries:
        side = ROOT_SUBKINDS.get(entry.subkind or "")
        if side:
            found[side].append(entry.text)
    return found


def next_review(reference: datetime, tz: ZoneInfo, cadence: Cadence | None = None) -> datetime:
    """The quarterly review after `reference` as the scheduler posts it (`bot.followups.cadence.review_after`; the
    default cadence — the first working day of the next quarter, 10:00 — when none is given)."""
    return review_after(reference, cadence or default_cadence(), tz)


def member_names(session: Session, chat_id: str, entries: Iterable[Entry]) -> dict[str, str]:
    """Member id → display name: what the group's directory knows (bot.incidents.names: the roster, Feishu's chat
    members and contacts, cached), then the name a message came with. Unknown ids are left out (shown as the id)."""
    found = {e.author_id: e.author_name for e in entries if e.author_id and getattr(e, "author_name", "")}
    return {**found, **names_service.known(session, chat_id)}
