"""How the crisis spread, from the timeline and the samples: the first time each other platform appears, and the
escalations of the negative share (each with the `spread` entry that triggered it) and its de-escalations (each with
what the team did just before). Samples typed in the group jump between two consecutive samples; the points computed
from imported comments (bucketed, so a jump spreads over neighbouring buckets) jump within ESCALATION_WINDOW."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Row

from bot.clock.now import as_utc
from bot.library.lexicon import Lexicon
from bot.retro.json_values import number
from bot.retro.phrases import evidence
from bot.retro.reading import AT, VALUE, Entry, Point

ESCALATION_POINTS = 0.15  # a rise of the negative share by at least 15 points between consecutive samples
_EPSILON = 1e-9  # 0.20 → 0.35 is a rise of 15 points, whatever binary floats say


def platforms(
    entries: Sequence[Entry], first_samples: Iterable[Row], entry_text: dict[int, str], lexicon: Lexicon
) -> list[tuple[str, datetime, str]]:
    """(platform, first time, text) for each platform other than Xiaohongshu: the first entry naming it (a word of
    the lexicon, or a link to it) or the first metric sample on it, whichever is earlier (the entry on a tie).
    `first_samples`: each platform's first sample in the window (`reading.first_sample_per_platform`)."""
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
        text = entry_text.get(sample.entry_id or -1) or evidence(
            "sample", metric=sample.metric, value=number(sample), platform=sample.platform
        )
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
    values = [row[VALUE] for row in negative]
    threshold = points - _EPSILON
    found = []
    for i, (earlier, later) in enumerate(zip(values, values[1:], strict=False), start=1):
        if later - earlier < threshold:
            continue
        earlier_row, later_row = negative[i - 1], negative[i]
        upto = bisect.bisect_right(spread_times, later_row[AT])
        trigger = spread[upto - 1] if upto and spread_times[upto - 1] > earlier_row[AT] else None
        found.append((earlier_row, later_row, trigger))
    return found


def deescalations(
    negative: Sequence[Point],
    entries: Sequence[Entry],
    completed: Sequence[tuple[datetime, str]],
    *,
    points: float = ESCALATION_POINTS,
) -> list[tuple[Point, Point, tuple[datetime, str] | None]]:
    """Consecutive negative-share samples falling by at least `points` (“联动博主实测后负面评论占比从65%降至30%”), each
    with what the team did just before: the latest `action` or `statement` entry, or playbook step completed
    (`completed`: (done at, title)), after the earlier sample and at or before the later one (None when nothing)."""
    done = sorted(
        [(as_utc(e.at), e.text) for e in entries if e.kind in ("action", "statement")]
        + [(as_utc(at), title) for at, title in completed],
        key=lambda item: item[0],
    )
    done_times = [at for at, _ in done]
    threshold = points - _EPSILON
    found = []
    for earlier_row, later_row in zip(negative, negative[1:], strict=False):
        if earlier_row[VALUE] - later_row[VALUE] < threshold:
            continue
        upto = bisect.bisect_right(done_times, as_utc(later_row[AT]))
        after = done[upto - 1] if upto and done_times[upto - 1] > as_utc(earlier_row[AT]) else None
        found.append((earlier_row, later_row, after))
    return found


ESCALATION_WINDOW = timedelta(hours=2)  # imported comment buckets: a rise or fall within this long is one jump


def windowed_episodes(
    points: Sequence[Point], *, points_needed: float = ESCALATION_POINTS, window: timedelta = ESCALATION_WINDOW
) -> list[tuple[int, int, int]]:
    """Jumps of the import points, which spread over neighbouring buckets: (earlier, detected, end) indices of each
    rise or fall of at least `points_needed` within `window`. A point is a jump when it is that far above the lowest
    (below the highest) point of the window before it; the jump runs on while the share keeps rising (falling) —
    `end` is its top (bottom) — and the next one is measured from there. `earlier` is the window's lowest (highest)
    point, the latest of equals."""
    threshold = points_needed - _EPSILON
    found: list[tuple[int, int, int]] = []
    anchor, i = 0, 1
    while i < len(points):
        at, value = as_utc(points[i][AT]), points[i][VALUE]
        inside = [j for j in range(anchor, i) if at - as_utc(points[j][AT]) <= window]
        low = min(inside, key=lambda j: (points[j][VALUE], -j), default=None)
        high = max(inside, key=lambda j: (points[j][VALUE], j), default=None)
        if low is not None and value - points[low][VALUE] >= threshold:
            earlier, rising = low, True
        elif high is not None and points[high][VALUE] - value >= threshold:
            earlier, rising = high, False
        else:
            i += 1
            continue
        end = i
        while end + 1 < len(points) and (
            points[end + 1][VALUE] >= points[end][VALUE] if rising else points[end + 1][VALUE] <= points[end][VALUE]
        ):
            end += 1
        found.append((earlier, i, end))
        anchor, i = end, end + 1
    return found


def import_escalations(
    points: Sequence[Point], entries: Sequence[Entry], *, points_needed: float = ESCALATION_POINTS
) -> list[tuple[Point, Point, Entry | None]]:
    """Rises of the import points by the windowed rule (`windowed_episodes`), as `escalations` gives them: (from the
    window's lowest point, to the top, trigger). The trigger is the latest `spread` entry after the lowest point and
    at or before the point where the rise was found."""
    spread = [e for e in entries if e.kind == "spread"]
    found = []
    for earlier, detected, end in windowed_episodes(points, points_needed=points_needed):
        if points[end][VALUE] <= points[earlier][VALUE]:
            continue
        start, upto = as_utc(points[earlier][AT]), as_utc(points[detected][AT])
        trigger = next((e for e in reversed(spread) if start < as_utc(e.at) <= upto), None)
        found.append((points[earlier], points[end], trigger))
    return found


def import_deescalations(
    points: Sequence[Point],
    entries: Sequence[Entry],
    completed: Sequence[tuple[datetime, str]],
    *,
    points_needed: float = ESCALATION_POINTS,
) -> list[tuple[Point, Point, tuple[datetime, str] | None]]:
    """Falls of the import points by the windowed rule, as `deescalations` gives them: (from the window's highest
    point, to the bottom, after) — after: the latest action, statement or step completed after the highest point
    and at or before the point where the fall was found."""
    done = sorted(
        [(as_utc(e.at), e.text) for e in entries if e.kind in ("action", "statement")]
        + [(as_utc(at), title) for at, title in completed],
        key=lambda item: item[0],
    )
    found = []
    for earlier, detected, end in windowed_episodes(points, points_needed=points_needed):
        if points[end][VALUE] >= points[earlier][VALUE]:
            continue
        start, upto = as_utc(points[earlier][AT]), as_utc(points[detected][AT])
        after = next((item for item in reversed(done) if start < item[0] <= upto), None)
        found.append((points[earlier], points[end], after))
    return found
