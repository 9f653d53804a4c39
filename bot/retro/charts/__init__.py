"""Charts of the retrospective as PNG bytes, drawn from the retro JSON (the contract's dict) with matplotlib's Agg
canvas: the propagation curve, the negative-share curve, the emotion curve of imported comments and the step
Gantt, one module each (`canvas` holds what they share). Thresholds, alert line and metric words come from the
playbook folder (`ChartInputs`); the wording is in `templates/retro/charts.j2`.
Empty data gives a small “暂无数据” image.

matplotlib (and numpy under it) is loaded only when a chart is drawn: the names below are looked up on first use,
so importing the bot (and an idle `crisisbot serve`) does not pay for them."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.retro.charts.canvas import cjk_family, empty_chart
    from bot.retro.charts.emotions import emotion_chart
    from bot.retro.charts.gantt import steps_gantt
    from bot.retro.charts.inputs import ChartInputs
    from bot.retro.charts.negative import negative_chart
    from bot.retro.charts.propagation import count_series, propagation_chart

_HOMES = {
    "ChartInputs": "inputs",
    "cjk_family": "canvas",
    "count_series": "propagation",
    "empty_chart": "canvas",
    "emotion_chart": "emotions",
    "negative_chart": "negative",
    "propagation_chart": "propagation",
    "steps_gantt": "gantt",
}

__all__ = [
    "ChartInputs",
    "cjk_family",
    "count_series",
    "emotion_chart",
    "empty_chart",
    "negative_chart",
    "propagation_chart",
    "steps_gantt",
]


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
