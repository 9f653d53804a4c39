"""Gains and losses of the retro by the method's rules, each with its evidence: the first response against its
deadline, the remedy in the formal statement, official boilerplate, the effect of KOL clarifications, the support
channel, and the steps missed. Wording: `templates/findings/<code>.j2`, evidence `templates/findings/evidence.j2`."""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock.format import format_local
from bot.clock.now import as_utc
from bot.comments.analysis import Segment
from bot.core import labels
from bot.core.wording import environment
from bot.drafting.lint import lint, remedy_sentences, rules_of
from bot.drafting.models import StatementLint
from bot.library.lexicon import Lexicon
from bot.retro.json_values import minutes_between, percent
from bot.retro.listed_steps import ListedStep
from bot.retro.phrases import evidence
from bot.retro.reading import AT, VALUE, Entry, Point


def finding_text(code: str, **values: object) -> str:
    """Finding wording lives in templates/findings/<code>.j2."""
    return environment().get_template(f"findings/{code}.j2").render(**values).strip()


def statement_label(subkind: str | None) -> str:
    """初步回应 / 正式声明, or 对外回应 for a statement of no known subkind."""
    return labels.of("statements").get(subkind or "") or labels.kind("statement")


def has_remedy(entry: Entry, lints: dict[int, StatementLint], lexicon: Lexicon) -> bool:
    """The lint kept when the statement was logged; linted now when there is none."""
    record = lints.get(entry.id)
    if record is not None:
        return record.has_remedy
    return "no_remedy" not in lint(entry.text, "statement", lexicon=lexicon).codes


# What the lint finds in a statement the team published, in the order the losses are listed. A missing remedy is
# judged on the formal statement by its own rule; length is a drafting matter.
STATEMENT_LOSS_CODES = ("exaggeration", "blame_shift", "boilerplate", "no_empathy", "too_formal")
UNPRAISABLE = frozenset({"exaggeration", "boilerplate"})  # a statement with these is never quoted as a gain


def _lint_losses(entry: Entry, lints: dict[int, StatementLint], lexicon: Lexicon) -> dict[str, list[dict]]:
    """code → the findings of a public statement (the lint kept when it was logged, else linted now), each quoted
    excerpt once, in STATEMENT_LOSS_CODES order."""
    record = lints.get(entry.id)
    if record is not None:
        found = json.loads(record.findings or "[]")
    else:
        kind = "statement" if entry.subkind == "formal" else "reply"
        found = [
            {"code": f.code, "text": f.text, "suggestion": f.suggestion}
            for f in lint(entry.text, kind, lexicon=lexicon).findings
        ]
    by_code: dict[str, dict[str, dict]] = {}
    for item in found:
        if item.get("code") in STATEMENT_LOSS_CODES and item.get("text"):
            by_code.setdefault(item["code"], {}).setdefault(item["text"], item)
    return {code: list(by_code[code].values()) for code in STATEMENT_LOSS_CODES if code in by_code}


def findings(
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
    kol_words: Sequence[str],
    alert_above: float | None = None,
    deescalations: Sequence[tuple[Point, Point, tuple[datetime, str] | None]] = (),
    segments: Sequence[Segment] = (),
) -> list[dict]:
    """Gains and losses by the method's rules, each with its evidence. Gains first, then losses, each in rule
    order (the losses the method stresses most first). `reference` is the close (or now while open): a response
    still missing after its deadline is a loss, and so is a negative share still above the alert line
    (`alert_above`, severity.yaml) at the last sample. A fall of the negative share from imported comments
    (`deescalations`) is a gain for what the team did just before, unless the KOL rule credited the same samples;
    the demands still made by the segment with the highest negative share (`segments`) are a loss."""

    def when(at: datetime) -> str:
        return format_local(at, tz, now=started)

    def finding(kind: str, code: str, text: str, proof: str) -> dict:
        return {"kind": kind, "code": code, "text": text, "evidence": proof}

    gains: list[dict] = []
    losses: list[dict] = []
    by_id = {step.id: step for step in listed}
    judged: set[str] = set()  # steps a specific rule already judged (no second "missed" finding)

    # Timing of the first public response against the first_response deadline (it kept its level's deadline).
    response_step = by_id.get("first_response")
    if first_statement is not None and response_step is not None:
        judged.add("first_response")
        values = {
            "minutes": minutes_between(started, first_statement.at),
            "limit": minutes_between(started, response_step.due_at),
        }
        proof = evidence(
            "first_response",
            started=when(started),
            label=statement_label(first_statement.subkind),
            at=when(first_statement.at),
            due=when(response_step.due_at),
        )
        if as_utc(first_statement.at) <= response_step.due_at:
            code = "first_response_in_time"
            gains.append(finding("gain", code, finding_text(code, **values), proof))
        else:
            code = "first_response_late"
            losses.append(finding("loss", code, finding_text(code, **values), proof))
    elif response_step is not None and response_step.due_at < reference:
        judged.add("first_response")
        code = "first_response_missing"
        proof = evidence("first_response_missing", started=when(started), due=when(response_step.due_at))
        text = finding_text(code, limit=minutes_between(started, response_step.due_at))
        losses.append(finding("loss", code, text, proof))

    # Every lint finding on a statement the team published is a loss, quoted with the suggested rewrite.
    flagged: set[int] = set()
    statement_losses: list[dict] = []
    for entry in statements:
        label = statement_label(entry.subkind)
        for code, hits in _lint_losses(entry, lints, lexicon).items():
            if code in UNPRAISABLE:
                flagged.add(entry.id)
            quotes = [hit["text"] for hit in hits]
            proof = evidence(
                "lint", at=when(entry.at), label=label, quotes=quotes, suggestion=hits[0].get("suggestion")
            )
            text = finding_text(f"statement_{code}", label=label)
            statement_losses.append(finding("loss", f"statement_{code}", text, proof))

    # The first formal statement names a concrete remedy, or does not. One with exaggeration or boilerplate is not
    # held up as a gain, whatever its remedy.
    if formal is not None and not formal_has_remedy:
        proof = evidence("statement", at=when(formal.at), text=formal.text)
        losses.append(finding("loss", "statement_no_remedy", finding_text("statement_no_remedy"), proof))
    elif formal is not None and formal.id not in flagged:
        spans = remedy_sentences(formal.text, rules_of(lexicon).no_remedy)
        # without a trailing “；”: the evidence joins them with one
        sentences = [s for s in (formal.text[start:end].strip().rstrip("；;，, ") for start, end in spans) if s]
        proof = evidence("remedy", sentences=sentences) or formal.text
        gains.append(finding("gain", "statement_has_remedy", finding_text("statement_has_remedy"), proof))

    losses.extend(statement_losses)

    # The public's mood at the end: still above the alert line (负面评论占比>20%即启动响应) is a crisis not contained.
    if alert_above is not None and negative and negative[-1][VALUE] > alert_above:
        last = negative[-1]
        peak = max(negative, key=lambda row: row[VALUE])
        values = {"value": percent(last[VALUE]), "alert": percent(alert_above), "peak": percent(peak[VALUE])}
        proof = evidence("negative_above_alert", at=when(last[AT]), peak_at=when(peak[AT]), **values)
        code = "negative_above_alert"
        losses.append(finding("loss", code, finding_text(code, **values), proof))

    # KOL/KOC clarification: the negative share just before → the first one after.
    for action, before, after in kol_effects(entries, negative, kol_words):
        values = {"before": percent(before.value), "after": percent(after.value)}
        proof = evidence(
            "kol",
            before_at=when(before.at),
            before=values["before"],
            action_at=when(action.at),
            action=action.text,
            after_at=when(after.at),
            after=values["after"],
        )
        if after.value < before.value:
            gains.append(
                finding("gain", "kol_clarify_effect", finding_text("kol_clarify_effect_gain", **values), proof)
            )
        else:
            losses.append(
                finding("loss", "kol_clarify_effect", finding_text("kol_clarify_effect_loss", **values), proof)
            )

    # The public calmed down after an action: a fall found in the imported comments (the KOL rule's samples aside).
    credited = {(as_utc(before.at), as_utc(after.at)) for _, before, after in kol_effects(entries, negative, kol_words)}
    for earlier, later, after in deescalations:
        if after is None or getattr(later, "source", "") != "import":
            continue
        if (as_utc(earlier.at), as_utc(later.at)) in credited:
            continue
        values = {"before": percent(earlier.value), "after": percent(later.value), "action": after[1]}
        proof = evidence(
            "deescalation",
            before_at=when(earlier.at),
            before=values["before"],
            action_at=when(after[0]),
            action=after[1],
            after_at=when(later.at),
            after=values["after"],
        )
        code = "negative_deescalation"
        gains.append(finding("gain", code, finding_text(code, **values), proof))

    # What the most upset user segment still asks for, after the last public statement.
    unresolved = segment_demands(segments)
    if unresolved is not None:
        name = labels.label("segments", unresolved.segment)
        demands = [{"name": demand, "count": n} for demand, n in unresolved.demands]
        proof = evidence(
            "segment_demands",
            segment=name,
            count=unresolved.count,
            share=percent(unresolved.share),
            demands=demands,
        )
        text = finding_text(
            "segment_demands_unresolved",
            segment=name,
            share=percent(unresolved.share),
            demands="、".join(f"“{demand}”" for demand, _ in unresolved.demands),
            stated=bool(statements),
        )
        losses.append(finding("loss", "segment_demands_unresolved", text, proof))

    # The support channel opened in time.
    channel = by_id.get("cs_channel")
    if channel is not None and channel.met:
        judged.add("cs_channel")
        proof = evidence("cs_channel", done=when(channel.done_at), due=when(channel.due_at))
        gains.append(finding("gain", "cs_channel_in_time", finding_text("cs_channel_in_time"), proof))

    # Steps missed: done late, or still open after their deadline.
    for step in listed:
        if step.id in judged or step.met:
            continue
        if step.done_at is not None:
            proof = evidence("step_late", step=step.id, due=when(step.due_at), done=when(step.done_at))
        elif step.due_at < reference:
            proof = evidence("step_open", step=step.id, due=when(step.due_at))
        else:
            continue
        losses.append(finding("loss", "step_missed", finding_text("step_missed", title=step.title), proof))
    return gains + losses


SEGMENT_MINIMUM = 20  # comments a segment needs before its demands are judged


def segment_demands(segments: Sequence[Segment]) -> Segment | None:
    """The segment with the highest negative share among those with SEGMENT_MINIMUM comments or more (the first in
    the method's order on a tie), when it still makes demands; None otherwise."""
    judged = [s for s in segments if s.count >= SEGMENT_MINIMUM]
    if not judged:
        return None
    worst = max(judged, key=lambda s: (s.share, -judged.index(s)))
    return worst if worst.demands and worst.negative else None


def kol_effects(
    entries: Sequence[Entry], negative: Sequence[Point], kol_words: Sequence[str]
) -> list[tuple[Entry, Point, Point]]:
    """(action, the negative share at or before it, the first one after it) for actions naming bloggers/KOLs or
    clarifications (`kol_words`, from the playbook folder's recommendations); of several actions before the same
    next sample, the latest one."""
    words = [w.lower() for w in kol_words]
    actions = [e for e in entries if e.kind == "action" and any(w in e.text.lower() for w in words)]
    if not actions:
        return []
    times = [row[AT] for row in negative]  # UTC-aware, as the entries' times
    found: dict[int, tuple[Entry, Point, Point]] = {}  # by the index of the sample after the action
    for action in actions:
        upto = bisect.bisect_right(times, action.at)
        if upto == 0 or upto == len(negative):
            continue
        found[upto] = (action, negative[upto - 1], negative[upto])
    return list(found.values())


def verdict_pending(
    listed: Sequence[ListedStep], reference: datetime, tz: ZoneInfo, found: Sequence[dict], *, closed: bool = True
) -> str | None:
    """The line the report shows when no step was due at the close (or now): how the team responded has no verdict
    yet, whatever else was lost — never “no losses”. None otherwise."""
    if not listed:
        return None
    if any(step.done_at is not None or step.due_at <= reference for step in listed):
        return None
    first = min(listed, key=lambda step: step.due_at)
    return finding_text(
        "verdict_pending",
        step=first.title,
        due=format_local(first.due_at, tz, now=reference),
        at=format_local(reference, tz),
        closed=closed,
    )
