"""Calendar quarters as people write them (“2026Q4”, “2026年第四季度”) and their local bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.clock.quarters import Quarter, QuarterError
from tests.support import SH


@pytest.mark.parametrize(
    "text", ["2026Q4", "2026q4", "2026-4", "2026 Q4", "2026年Q4", "2026年第四季度", "2026年第4季度"]
)
def test_quarter_forms(text):
    assert Quarter.parse(text) == Quarter(2026, 4)


@pytest.mark.parametrize("text", ["明年", "2026Q5", "Q4", "2026年第五季度"])
def test_an_unreadable_quarter_is_explained_word_for_word(text):
    with pytest.raises(QuarterError) as problem:
        Quarter.parse(text)
    assert str(problem.value) == f"看不懂季度“{text}”：请写成 2026Q4 或 2026年第四季度"


def test_quarter_of_a_day_neighbours_and_bounds_in_local_time():
    q = Quarter.of(date(2026, 11, 24))
    assert (q.label, q.chinese, q.first_day) == ("2026Q4", "2026年第四季度", date(2026, 10, 1))
    assert (q.next, q.previous) == (Quarter(2027, 1), Quarter(2026, 3))
    start, end = q.bounds(SH)
    assert start.astimezone(UTC) == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert q.contains(datetime(2026, 12, 31, 17, 0, tzinfo=UTC), SH) is False  # already 2027 in Shanghai
    assert q.contains(datetime(2026, 9, 30, 16, 0, tzinfo=UTC), SH) is True
