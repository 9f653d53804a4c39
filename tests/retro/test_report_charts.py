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
