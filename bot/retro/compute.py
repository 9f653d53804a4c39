"""The retrospective as data: every number of the retro JSON (`crisisbot retro --format json`), computed
deterministically from what the bot recorded. No LLM, no I/O besides the database session, no writes.

Conventions (the contract is in DESIGN.md, "Retro JSON"; these are the choices it leaves open):

- Times are event times, rendered ISO 8601 in `tz` with its offset ("2026-11-24T09:10:00+08:00"), to the second.
- Durations are minutes: an int when whole after rounding to 0.1 minute, else a float with one decimal
  (event times carry milliseconds: 55 min 1 s is 55, 55 min 30 s is 55.5).
- Ratios are fractions 0–1 (rounded to 4 decimals); counts are ints when whole.
- Recalled entries are left out everywhere — timeline, statements, triggers, platforms, root causes — and so are
  the metric samples read from them: the sender took the message back. (Step rows are used as recorded.)
- The incident's window is started_at … closed_at (no upper bound while open, as no sample can be later than
  the messages it came from): peaks, milestones, the negative-share series and escalations use samples inside it.
- Steps are the playbook's steps that apply ("listed"), mirroring `bot.steps.sync` without writing: a done step
  keeps the deadline it had when done; an open one gets its deadline for the incident's current level.
- Root causes are timeline entries whose `subkind` is `root_surface` or `root_deep` (any kind; `/root` writes them;
  the bare `surface`/`deep` are read too).
- `next_review_at`: the first day of the quarter after the close (or `now` while open), 10:00 in `tz`.
- `actions` is [] until action items are stored.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import Row
from sqlmodel import Session, select

from bot.clock import parse as eventtime
from bot.clock.now import as_utc, utcnow
from bot.config import BUNDLED_PLAYBOOKS
from bot.core.wording import environment
from bot.drafting.lint import lint, remedy_sentences, rules_of
from bot.drafting.models import StatementLint
from bot.followups import actions
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.models import Incident
from bot.library.lexicon import Lexicon
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import Library, Playbook
from bot.steps import service as steps
from bot.timeline.models import LevelChange, MetricSample, TimelineEntry

# The rows compute works on (Core selects, see "reading"): attribute access by column name, like the ORM objects.
Entry = Row  # a timeline entry: id, at, kind, subkind, author_id, text, links, recalled
Point = Row  # a negative-share sample: at, value, source

ESCALATION_POINTS = 0.15  # a rise of the negative share by at least 15 points between consecutive samples
MILESTONES = (10_000, 100_000, 1_000_000, 10_000_000, 100_000_000)  # 1万 → 10万 → 100万 → 1000万 → 1亿
MILESTONE_METRICS = ("topic_reads", "note_exposure", "reposts", "likes", "comments", "complaints", "followers_lost")
ROOT_SUBKINDS = {"root_surface": "surface", "surface": "surface", "root_deep": "deep", "deep": "deep"}
KOL_WORDS = ("博主", "KOL", "KOC", "达人", "实测", "澄清")
REVIEW_HOUR = 10
_EPSILON = 1e-9  # 0.20 → 0.35 is a rise of 15 points, whatever binary floats say


# Wording of the findings (Chinese). Placeholders are filled with times, minutes and quotes.
def finding_text(code: str, **values: object) -> str:
    """Finding wording lives in templates/findings/<code>.j2."""
    return environment().get_template(f"findings/{code}.j2").render(**values).strip()


STATEMENT_LABELS = {"initial": "初步回应", "formal": "正式声明"}


@dataclass(frozen=True)
class ListedStep:
    id: str
    title: str
    role: str
    due_at: datetime
    done_at: datetime | None

    @property
    def met(self) -> bool:
        return self.done_at is not None and self.done_at <= self.due_at


def latest_for_chat(session: Session, chat_id: str) -> Incident | None:
    """The chat's most recently opened incident, open or closed."""
    return incidents.latest(session, chat_id)


def compute(
    session: Session,
    incident: Incident,
    *,
    library: Library,
    tz: ZoneInfo,
    lexicon: Lexicon | None = None,
    now: datetime | None = None,
    escalation_points: float = ESCALATION_POINTS,
) -> dict:
    """The retro JSON of an incident, exactly as the contract. `lexicon` defaults to the bundled one;
    `now` (the reference time of an open incident) to the clock.

    Built for big incidents (issue 6: 20,000 entries, 200,000 imported samples): rows are read with Core selects
    as plain tuples (no ORM objects), the window and the recalled-entry filter run in SQL, peaks and milestones
    are SQL aggregates, and only the negative-share series (which is output point by point) is read in full."""
    lexicon = lexicon or load_lexicon(BUNDLED_PLAYBOOKS)
    started = as_utc(incident.started_at)
    closed = as_utc(incident.closed_at) if incident.closed_at else None
    reference = closed or as_utc(now or utcnow())

    entries = [e for e in _entries(session, incident.id) if not e.recalled]
    entry_text = {e.id: e.text for e in entries}
    window = _Window(incident.id, started, closed)
    negative = _negative_series(session, window)
    counts = _count_metrics(session, window)

    statements = [e for e in entries if e.kind == "statement"]
    first_statement = statements[0] if statements else None
    formal = next((e for e in statements if e.subkind == "formal"), None)
    lints = _statement_lints(session, incident.id)
    formal_has_remedy = formal is not None and _has_remedy(formal, lints, lexicon)

    playbook = library.playbooks.get(incident.playbook)
    listed = listed_steps(session, incident, playbook, _peak_negative_ever(session, incident.id))

    escalation_list = escalations(negative, entries, points=escalation_points)
    clock = _Clock(tz)
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
            "peak_negative_ratio": _ratio(max((row[_VALUE] for row in negative), default=None)),
            "peak_topic_reads": _count(counts.peaks.get("topic_reads")),
            "steps_met": sum(1 for step in listed if step.met),
            "steps_total": len(listed),
        },
        "propagation": {
            "milestones": [
                {"metric": metric, "threshold": threshold, "at": clock.iso(at)}
                for metric, threshold, at in counts.milestones
            ],
            "platforms": [
                {"platform": platform, "first_at": clock.iso(at), "text": text}
                for platform, at, text in platforms(
                    entries, _first_sample_per_platform(session, window), entry_text, lexicon
                )
            ],
            "negative_ratio": _series_points(negative, tz),
        },
        "escalations": [
            {
                "at": clock.iso(later.at),
                "from": _ratio(earlier.value),
                "to": _ratio(later.value),
                "trigger": {"at": clock.iso(trigger.at), "text": trigger.text} if trigger else None,
            }
            for earlier, later, trigger in escalation_list
        ],
        "level_changes": [
            {"at": clock.iso(c.at), "from": c.from_level, "to": c.to_level, "reason": c.reason}
            for c in _level_changes(session, incident.id)
        ],
        "steps": [
            {
                "id": step.id,
                "role": step.role,
                "owners": [m.user_id for m in roster.holders(session, incident.chat_id, step.role)],
                "due_at": clock.iso(step.due_at),
                "done_at": clock.iso(step.done_at) if step.done_at else None,
                "met": step.met,
            }
            for step in listed
        ],
        "root_causes": root_causes(entries),
        "findings": findings(
            incident,
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
        ),
        "actions": [actions.as_retro(item) for item in actions.for_incident(session, incident.id)],
        "next_review_at": clock.iso(next_review(reference, tz)),
        "timeline": [{"at": clock.iso(e.at), "kind": e.kind, "author": e.author_id, "text": e.text} for e in entries],
    }


# --- reading ------------------------------------------------------------------------------------------------------
# Core selects of the columns used, as Row tuples: an incident can hold 200,000 samples, and building an ORM object
# per row costs several times the read itself. Datetime columns still go through UTCDateTime (its
# process_result_value applies to Core selects of table columns too), so every `at` read here is UTC-aware.

_ENTRY = TimelineEntry.__table__
_SAMPLE = MetricSample.__table__
_AT, _VALUE = 0, 1  # columns of a negative-share row: (at, value, source), see _negative_series


def _entries(session: Session, incident_id: int) -> list[Entry]:
    """The incident's timeline entries (recalled ones included) in event order, as rows with the used columns."""
    c = _ENTRY.c
    stmt = (
        sa.select(c.id, c.at, c.kind, c.subkind, c.author_id, c.text, c.links, c.recalled)
        .where(c.incident_id == incident_id)
        .order_by(c.at, c.id)
    )
    return session.execute(stmt).all()


@dataclass(frozen=True)
class _Window:
    """The samples the retro reads: the incident's, from started_at to closed_at (open-ended while open), and not
    from a recalled entry. `of(table)` is that filter as SQL, for `metric_sample` or an alias of it. (SQLite compares
    the stored UTC text, in UTCDateTime's fixed format: the same order the `ORDER BY at` of every read relies on.)"""

    incident_id: int
    started: datetime
    closed: datetime | None

    def of(self, table: sa.FromClause = _SAMPLE) -> list[sa.ColumnElement[bool]]:
        c, e = table.c, _ENTRY.c
        recalled = sa.select(e.id).where(e.incident_id == self.incident_id, e.recalled)
        conditions = [
            c.incident_id == self.incident_id,
            c.at >= self.started,
            sa.or_(c.entry_id.is_(None), c.entry_id.not_in(recalled)),
        ]  # NOT IN alone drops NULLs
        if self.closed is not None:
            conditions.append(c.at <= self.closed)
        return conditions


def _negative_series(session: Session, window: _Window) -> list[Point]:
    """The negative shares in the window in event order, as (at, value, source) rows: the one series that is
    read in full, as it is output point by point."""
    c = _SAMPLE.c
    stmt = sa.select(c.at, c.value, c.source).where(*window.of(), c.metric == "negative_ratio").order_by(c.at, c.id)
    return session.execute(stmt).all()


@dataclass(frozen=True)
class _CountMetrics:
    peaks: dict[str, float]  # metric → highest value in the window
    milestones: list[tuple[str, int, datetime]]  # (metric, threshold, first time a sample reached it)


def _count_metrics(session: Session, window: _Window) -> _CountMetrics:
    """Peaks and milestones of the count metrics in one aggregate query: per metric MAX(value) and, per threshold,
    MIN(at) of the samples at or above it — the `at` of the first such sample in (at, id) order, exactly."""
    c = _SAMPLE.c
    firsts = [sa.func.min(sa.case((c.value >= threshold, c.at))) for threshold in MILESTONES]  # typed as `at`
    stmt = (
        sa.select(c.metric, sa.func.max(c.value), *firsts)
        .where(*window.of(), c.metric.in_(MILESTONE_METRICS))
        .group_by(c.metric)
    )
    rows = {row[0]: row for row in session.execute(stmt)}
    milestones = [
        (metric, threshold, rows[metric][2 + i])
        for metric in MILESTONE_METRICS
        if metric in rows
        for i, threshold in enumerate(MILESTONES)
        if rows[metric][2 + i] is not None
    ]
    return _CountMetrics({metric: row[1] for metric, row in rows.items()}, milestones)


def _peak_negative_ever(session: Session, incident_id: int) -> float | None:
    """The highest negative share of any sample of the incident (the step conditions read it unfiltered)."""
    c = _SAMPLE.c
    stmt = sa.select(sa.func.max(c.value)).where(c.incident_id == incident_id, c.metric == "negative_ratio")
    return session.execute(stmt).scalar()


def _first_sample_per_platform(session: Session, window: _Window) -> list[Row]:
    """Per platform, its first sample in the window in (at, id) order, as (platform, at, metric, value, entry_id):
    the rows at their platform's MIN(at) (a join on the stored values, which the `at` index serves), earliest id
    first."""
    s = _SAMPLE.alias("s")
    first = (
        sa.select(_SAMPLE.c.platform, sa.func.min(_SAMPLE.c.at).label("at"))
        .where(*window.of())
        .group_by(_SAMPLE.c.platform)
        .subquery("first")
    )
    stmt = (
        sa.select(s.c.platform, s.c.at, s.c.metric, s.c.value, s.c.entry_id)
        .join(first, sa.and_(s.c.platform == first.c.platform, s.c.at == first.c.at))
        .where(*window.of(s))
        .order_by(s.c.at, s.c.id)
    )
    found: dict[str, Row] = {}
    for row in session.execute(stmt):
        found.setdefault(row.platform, row)
    return list(found.values())


# --- pieces -------------------------------------------------------------------------------------------------------


def minutes_between(start: datetime, end: datetime) -> int | float:
    """Minutes from `start` to `end`: an int when whole (to 0.1 minute), else one decimal."""
    return rounded_minutes((as_utc(end) - as_utc(start)).total_seconds() / 60)


def rounded_minutes(minutes: float) -> int | float:
    """Minutes rounded to 0.1: an int when whole, else one decimal."""
    value = round(float(minutes), 1)
    return int(value) if value.is_integer() else value


def listed_steps(
    session: Session, incident: Incident, playbook: Playbook | None, peak_negative: float | None
) -> list[ListedStep]:
    """The steps that apply to the incident, in playbook order, with their deadlines as `steps.sync` keeps them:
    a done step keeps the deadline it had when done, an open one is due by the current level's deadline."""
    rows = {row.step_id: row for row in steps.for_incident(session, incident.id)}
    started = as_utc(incident.started_at)
    scale = incident.time_scale or 1.0  # a compressed drill runs its deadlines faster, as steps.sync does
    listed: list[ListedStep] = []
    known: set[str] = set()
    for step in playbook.steps if playbook else ():
        known.add(step.id)
        row = rows.get(step.id)
        if row is not None and row.status == "done":
            due = as_utc(row.due_at) if row.due_at else started + step.deadline[incident.level] / scale
            listed.append(ListedStep(step.id, step.title, step.role, due, as_utc(row.done_at or row.due_at or due)))
        elif (row is not None and row.active) or steps.condition_holds(step, incident, peak_negative):
            listed.append(
                ListedStep(step.id, step.title, step.role, started + step.deadline[incident.level] / scale, None)
            )
    for row in sorted(rows.values(), key=lambda r: r.position):  # steps since removed from the playbook
        if row.step_id in known or not row.active or row.due_at is None:
            continue
        done_at = as_utc(row.done_at) if row.status == "done" and row.done_at else None
        listed.append(ListedStep(row.step_id, row.step_id, row.role, as_utc(row.due_at), done_at))
    return listed


def platforms(
    entries: Sequence[Entry], first_samples: Iterable[Row], entry_text: dict[int, str], lexicon: Lexicon
) -> list[tuple[str, datetime, str]]:
    """(platform, first time, text) for each platform other than Xiaohongshu: the first entry naming it (a word of
    the lexicon, or a link to it) or the first metric sample on it, whichever is earlier (the entry on a tie).
    `first_samples`: each platform's first sample in the window (`_first_sample_per_platform`)."""
    first: dict[str, tuple[datetime, int, str]] = {}

    def seen(platform: str, at: datetime, order: int, text: str) -> None:
        if platform == "xhs" or platform not in lexicon.platforms:
            return
        key = (as_utc(at), order)
        if platform not in first or key < first[platform][:2]:
            first[platform] = (key[0], order, text)

    # Entries come in event order, so no later entry can beat a platform's first naming entry: a platform found is
    # no longer searched for (rather than a regex search per platform on each of 20,000 entries).
    pending = {platform: pattern for platform, pattern in _platform_words(lexicon) if platform != "xhs"}
    for order, entry in enumerate(entries):
        if not pending:
            break
        named = [platform for platform, pattern in pending.items() if pattern.search(entry.text)]
        if entry.links:
            named += [link.get("platform", "") for link in json.loads(entry.links)]
        for platform in named:
            seen(platform, entry.at, order, entry.text)
            pending.pop(platform, None)
    for sample in first_samples:
        text = entry_text.get(sample.entry_id or -1) or f"{sample.metric} {_number(sample)}（{sample.platform}）"
        seen(sample.platform, sample.at, len(entries), text)
    ranked = sorted(first.items(), key=lambda item: (item[1][0], item[1][1], list(lexicon.platforms).index(item[0])))
    return [(platform, at, text) for platform, (at, _order, text) in ranked]


def _platform_words(lexicon: Lexicon) -> list[tuple[str, re.Pattern[str]]]:
    """Per platform, a pattern of its names (ASCII names as whole words: “RED” is not in “reduce”)."""
    result = []
    for platform in lexicon.platforms:
        names = [alias for alias, target in lexicon.platform_aliases() if target == platform]
        parts = [rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])" if n.isascii() else re.escape(n) for n in names]
        result.append((platform, re.compile("|".join(parts), re.IGNORECASE)))
    return result


def escalations(
    negative: Sequence[Point], entries: Sequence[Entry], *, points: float = ESCALATION_POINTS
) -> list[tuple[Point, Point, Entry | None]]:
    """Consecutive negative-share samples rising by at least `points`, each with its trigger: the latest `spread`
    entry after the earlier sample and at or before the later one (None when there is none).
    `negative`: (at, value, source) rows in event order; times read from the DB are UTC-aware already."""
    spread = [e for e in entries if e.kind == "spread"]
    spread_times = [e.at for e in spread]
    values = [row[_VALUE] for row in negative]
    threshold = points - _EPSILON
    found = []
    for i, (earlier, later) in enumerate(zip(values, values[1:], strict=False), start=1):
        if later - earlier < threshold:
            continue
        earlier_row, later_row = negative[i - 1], negative[i]
        upto = bisect.bisect_right(spread_times, later_row[_AT])
        trigger = spread[upto - 1] if upto and spread_times[upto - 1] > earlier_row[_AT] else None
        found.append((earlier_row, later_row, trigger))
    return found


def _level_changes(session: Session, incident_id: int) -> list[LevelChange]:
    stmt = select(LevelChange).where(LevelChange.incident_id == incident_id).order_by(LevelChange.at, LevelChange.id)
    return list(session.exec(stmt))


def root_causes(entries: Iterable[Entry]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"surface": [], "deep": []}
    for entry in entries:
        side = ROOT_SUBKINDS.get(entry.subkind or "")
        if side:
            found[side].append(entry.text)
    return found


def next_review(reference: datetime, tz: ZoneInfo) -> datetime:
    """The first day of the quarter after `reference` (in `tz`), at 10:00."""
    local = as_utc(reference).astimezone(tz)
    month = (local.month - 1) // 3 * 3 + 4
    year = local.year + (month > 12)
    return datetime(year, (month - 1) % 12 + 1, 1, REVIEW_HOUR, 0, tzinfo=tz)


def _statement_lints(session: Session, incident_id: int) -> dict[int, StatementLint]:
    stmt = select(StatementLint).where(StatementLint.incident_id == incident_id)
    return {record.entry_id: record for record in session.exec(stmt)}


def _has_remedy(entry: Entry, lints: dict[int, StatementLint], lexicon: Lexicon) -> bool:
    """The lint kept when the statement was logged; linted now when there is none."""
    record = lints.get(entry.id)
    if record is not None:
        return record.has_remedy
    return "no_remedy" not in lint(entry.text, "statement", lexicon=lexicon).codes


def _boilerplate_of(entry: Entry, lints: dict[int, StatementLint], lexicon: Lexicon) -> list[str]:
    """The boilerplate phrases found in a public statement (kept lint, else linted now), each once."""
    record = lints.get(entry.id)
    if record is not None:
        texts = [f.get("text", "") for f in json.loads(record.findings or "[]") if f.get("code") == "boilerplate"]
    else:
        kind = "statement" if entry.subkind == "formal" else "reply"
        texts = [f.text for f in lint(entry.text, kind, lexicon=lexicon).findings if f.code == "boilerplate"]
    return list(dict.fromkeys(t for t in texts if t))


# --- gains and losses ---------------------------------------------------------------------------------------------


def findings(
    incident: Incident,
    *,
    started: datetime,
    reference: datetime,
    tz: ZoneInfo,
    first_statement: Entry | None,
    formal: Entry | None,
    formal_has_remedy: bool,
    statements: Sequence[Entry],
    lints: dict[int, StatementLint],
    entries: Sequence[Entry],
    negative: Sequence[Point],
    listed: Sequence[ListedStep],
    lexicon: Lexicon,
) -> list[dict]:
    """Gains and losses by the method's rules, each with its evidence. Gains first, then losses, each in rule
    order (the losses the method stresses most first)."""

    def when(at: datetime) -> str:
        return eventtime.format_local(at, tz, now=started)

    def finding(kind: str, code: str, text: str, evidence: str) -> dict:
        return {"kind": kind, "code": code, "text": text, "evidence": evidence}

    gains: list[dict] = []
    losses: list[dict] = []
    by_id = {step.id: step for step in listed}
    judged: set[str] = set()  # steps a specific rule already judged (no second "missed" finding)

    # Timing of the first public response against the first_response deadline (it kept its level's deadline).
    response_step = by_id.get("first_response")
    if first_statement is not None and response_step is not None:
        judged.add("first_response")
        minutes = minutes_between(started, first_statement.at)
        limit = minutes_between(started, response_step.due_at)
        evidence = (
            f"开始 {when(started)} → {STATEMENT_LABELS.get(first_statement.subkind or '', '对外回应')} "
            f"{when(first_statement.at)}（截止 {when(response_step.due_at)}）"
        )
        if as_utc(first_statement.at) <= response_step.due_at:
            gains.append(
                finding(
                    "gain",
                    "first_response_in_time",
                    finding_text("first_response_in_time", minutes=minutes, limit=limit),
                    evidence,
                )
            )
        else:
            losses.append(
                finding(
                    "loss",
                    "first_response_late",
                    finding_text("first_response_late", minutes=minutes, limit=limit),
                    evidence,
                )
            )

    # The first formal statement names a concrete remedy, or does not.
    if formal is not None:
        if formal_has_remedy:
            spans = remedy_sentences(formal.text, rules_of(lexicon).no_remedy)
            sentences = [formal.text[start:end].strip() for start, end in spans]
            gains.append(
                finding(
                    "gain",
                    "statement_has_remedy",
                    finding_text("statement_has_remedy"),
                    "；".join(s for s in sentences if s) or formal.text,
                )
            )
        else:
            losses.append(
                finding(
                    "loss",
                    "statement_no_remedy",
                    finding_text("statement_no_remedy"),
                    f"{when(formal.at)} {formal.text}",
                )
            )

    # Official boilerplate in public statements.
    for entry in statements:
        phrases = _boilerplate_of(entry, lints, lexicon)
        if phrases:
            label = STATEMENT_LABELS.get(entry.subkind or "", "对外回应")
            losses.append(
                finding(
                    "loss",
                    "statement_boilerplate",
                    finding_text("statement_boilerplate", label=label),
                    f"{when(entry.at)} {label}：" + "、".join(f"“{p}”" for p in phrases),
                )
            )

    # KOL/KOC clarification: the negative share just before → the first one after.
    for action, before, after in kol_effects(entries, negative):
        values = {"before": _percent(before.value), "after": _percent(after.value)}
        evidence = (
            f"{when(before.at)} {values['before']} → {when(action.at)} {action.text} → "
            f"{when(after.at)} {values['after']}"
        )
        if after.value < before.value:
            gains.append(
                finding("gain", "kol_clarify_effect", finding_text("kol_clarify_effect_gain", **values), evidence)
            )
        else:
            losses.append(
                finding("loss", "kol_clarify_effect", finding_text("kol_clarify_effect_loss", **values), evidence)
            )

    # The support channel opened in time.
    channel = by_id.get("cs_channel")
    if channel is not None and channel.met:
        judged.add("cs_channel")
        gains.append(
            finding(
                "gain",
                "cs_channel_in_time",
                finding_text("cs_channel_in_time"),
                f"完成 {when(channel.done_at)}（截止 {when(channel.due_at)}）",
            )
        )

    # Steps missed: done late, or still open after their deadline.
    for step in listed:
        if step.id in judged or step.met:
            continue
        if step.done_at is not None:
            evidence = f"{step.id}：截止 {when(step.due_at)}，完成 {when(step.done_at)}"
        elif step.due_at < reference:
            evidence = f"{step.id}：截止 {when(step.due_at)}，未完成"
        else:
            continue
        losses.append(finding("loss", "step_missed", finding_text("step_missed", title=step.title), evidence))
    return gains + losses


def kol_effects(entries: Sequence[Entry], negative: Sequence[Point]) -> list[tuple[Entry, Point, Point]]:
    """(action, the negative share at or before it, the first one after it) for actions naming bloggers/KOLs or
    clarifications; of several actions before the same next sample, the latest one."""
    actions = [e for e in entries if e.kind == "action" and any(w.lower() in e.text.lower() for w in KOL_WORDS)]
    if not actions:
        return []
    times = [row[_AT] for row in negative]  # UTC-aware, as the entries' times
    found: dict[int, tuple[Entry, Point, Point]] = {}  # by the index of the sample after the action
    for action in actions:
        upto = bisect.bisect_right(times, action.at)
        if upto == 0 or upto == len(negative):
            continue
        found[upto] = (action, negative[upto - 1], negative[upto])
    return list(found.values())


# --- rendering ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    tz: ZoneInfo

    def iso(self, at: datetime) -> str:
        return as_utc(at).astimezone(self.tz).isoformat(timespec="seconds")


def _series_points(negative: Sequence[Point], tz: ZoneInfo) -> list[dict]:
    """The negative-share series of the JSON, a point per sample: with 200,000 samples this loop is the floor of
    `compute`, so it is `_Clock.iso` and `_ratio` inlined — the times come UTC-aware from the DB (no as_utc), and
    one astimezone per point is as fast as an offset cache (and right across DST changes)."""
    return [
        {
            "at": at.astimezone(tz).isoformat(timespec="seconds"),
            "value": round(float(value), 4),
            "source": "import" if source == "import" else "message",
        }
        for at, value, source in negative
    ]


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _count(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _number(sample: Row) -> str:
    ratio = sample.metric in ("negative_ratio", "sales_change")
    return str(_ratio(sample.value) if ratio else _count(sample.value))


def _percent(value: float) -> str:
    return f"{round(value * 100, 1):g}%"
