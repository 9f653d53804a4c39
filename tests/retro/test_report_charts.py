"""The report's charts: real PNGs drawn from the retro dict, readings re-read from the timeline, a small
“暂无数据” image for an empty incident, and no missing Chinese glyphs."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest

from bot.retro import charts
from tests.retro.report_support import (
    DRAWS,
    LEXICON,
    empty_retro,
    png_size,
    propagation,
    sample,
)

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


# --- charts ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("draw", DRAWS)
def test_charts_are_real_pngs(draw):
    data = draw(sample())
    width, height = png_size(data)
    assert width >= 1000 and height >= 400
    assert len(data) > 30_000  # lines, labels and markers, not a blank canvas


def test_the_propagation_curve_reads_the_timeline_readings():
    series = charts.count_series(sample(), lexicon=LEXICON)
    assert [value for _at, value in series[("topic_reads", "xhs")]] == [32_000, 180_000, 6_200_000]
    assert [value for _at, value in series[("note_exposure", "xhs")]] == [85_000, 12_000_000]
    doc = sample()
    doc["timeline"].append(
        {"at": "2026-11-24T12:40:00+08:00", "kind": "metric", "author": "ou_ops", "text": "话题阅读 300万（微博）"}
    )
    assert ("topic_reads", "weibo") in charts.count_series(doc, lexicon=LEXICON)


@pytest.mark.parametrize("draw", DRAWS)
def test_charts_of_an_empty_incident_say_no_data(draw):
    data = draw(empty_retro())
    width, height = png_size(data)
    assert width < 1000 and height < 300
    assert len(data) > 1_000


def test_milestones_alone_still_draw_a_curve():
    doc = sample()
    doc["timeline"] = []
    width, _height = png_size(propagation(doc))
    assert width >= 1000


@pytest.mark.skipif(not NOTO_CJK.exists(), reason="Noto Sans CJK is not installed")
def test_chart_chinese_text_has_no_missing_glyphs(caplog):
    assert charts.cjk_family() == "Noto Sans CJK SC"
    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for draw in DRAWS:
            draw(sample())
        charts.empty_chart("传播曲线")
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "Glyph" in m or "missing from" in m], messages


def test_milestones_passed_before_the_first_reading_are_not_told_as_crossed_then(monkeypatch):
    """The first reading was already past 1万 and 10万: the chart says so (as the table does), instead of “破1万/10万”
    at the moment of that reading; a threshold crossed later keeps its “破”."""
    from matplotlib.figure import Figure

    from bot.retro.charts import propagation as module

    figures: list[Figure] = []

    def keep(draw, *, size):  # the chart's own drawing on a figure the test can read
        figure = Figure(figsize=size)
        draw(figure)
        figures.append(figure)
        return b""

    monkeypatch.setattr(module, "render", keep)
    doc = sample()
    for m in doc["propagation"]["milestones"]:
        if m["metric"] == "topic_reads" and m["threshold"] <= 100_000:
            m["at"], m["at_first_sample"] = "2026-11-24T10:00:00+08:00", True
    propagation(doc)
    texts = [t.get_text() for ax in figures[0].axes for t in ax.texts]
    assert "首次记录时已超过1万/10万\n10:00" in texts, texts  # the time on a line of its own
    assert "破100万\n11:30" in texts, texts
    assert not [t for t in texts if t.endswith("10:00") and t.startswith("破")], texts
