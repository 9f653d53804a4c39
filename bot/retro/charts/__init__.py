"""Charts of the retrospective as PNG bytes, drawn from the retro JSON (the contract's dict) with matplotlib's Agg
canvas: the propagation curve, the negative-share curve and the step Gantt, one module each (`canvas` holds what
they share). Thresholds, alert line and metric words come from the playbook folder (`ChartInputs`); the wording is
in `templates/retro/charts.j2`. Empty data gives a small “暂无数据” image."""

from bot.retro.charts.canvas import cjk_family, empty_chart
from bot.retro.charts.gantt import steps_gantt
from bot.retro.charts.inputs import ChartInputs
from bot.retro.charts.negative import negative_chart
from bot.retro.charts.propagation import count_series, propagation_chart

__all__ = [
    "ChartInputs",
    "cjk_family",
    "count_series",
    "empty_chart",
    "negative_chart",
    "propagation_chart",
    "steps_gantt",
]
