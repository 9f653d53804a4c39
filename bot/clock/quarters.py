"""Calendar quarters ("2026Q4") in local time: what the quarterly review looks at."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.core import labels
from bot.core.wording import render

_LABEL = re.compile(r"^\s*(\d{4})\s*[Qq-]?\s*([1-4])\s*$")
_CHINESE = re.compile(r"^\s*(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度?\s*$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


class QuarterError(ValueError):
    """A quarter someone typed that cannot be read; `str()` is one line of Chinese for the chat."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1–4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026Q4", "2026-4", "2026年第四季度", "2026年Q4"."""
        match = _LABEL.match(text.replace("年", "")) or _CHINESE.match(text)
        if match is None:
            raise QuarterError(render("clock/quarter_problem", text=text))
        number = match.group(2)
        return cls(int(match.group(1)), _CHINESE_DIGITS.get(number) or int(number))

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def chinese(self) -> str:
        numeral = labels.label("time_formats", "quarter_numerals")[self.number - 1]
        return labels.label("time_formats", "quarter").format(year=self.year, numeral=numeral)

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day of this and the next quarter."""
        return (
            datetime.combine(self.first_day, time(0), tzinfo=tz),
            datetime.combine(self.next.first_day, time(0), tzinfo=tz),
        )

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        return Quarter.of(moment.astimezone(tz).date()) == self
