"""An idle bot does not carry the chart libraries: matplotlib (and numpy under it) are loaded only when a chart is
drawn, so starting the app, building its router and settings leaves them out of the process."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import bot.app
import bot.cli
from bot.app import create_app
from bot.config import Settings
create_app(Settings(database_url={url!r}, feishu_mode="sandbox"))
print(sorted(m for m in ("matplotlib", "numpy") if m in sys.modules))
import bot.retro.charts as charts
charts.ChartInputs
print(sorted(m for m in ("matplotlib", "numpy") if m in sys.modules))
charts.steps_gantt
print(sorted(m for m in ("matplotlib", "numpy") if m in sys.modules))
"""


def test_importing_and_building_the_app_loads_no_chart_library(db_url):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(url=db_url)], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split("\n")
    assert out[:3] == ["[]", "[]", "['matplotlib', 'numpy']"]
