"""The propagation curve: topic reads and note exposure over time, each order-of-magnitude milestone marked, the
level-1 line of the folder's severity and the level changes.

The contract keeps no series for count metrics (only their order-of-magnitude milestones and the peak), so the
curve re-reads the readings stated in the timeline with the bot's own metric reader and the folder's lexicon (the
same that recorded them); the milestones are drawn on top."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.clock.format import format_clock
from bot.core import labels
from bot.library.lexicon import Lexicon
from bot.retro.charts.canvas import COLORS, all_times, empty_chart, incident_tz, render, time_axis, time_of
from bot.retro.charts.inputs import ChartInputs
from bot.retro.phrases import chart
from bot.timeline.readings import extract
from bot.timeline.values import format_value
from bot.timeline.vocabulary import DEFAULT_PLATFORM

COUNT_METRICS = ("topic_reads", "note_exposure")
LOG_SCALE_SPAN = 100  # max / min ≥ 100 → log scale
TIMELINE_KINDS = ("metric", "spread", "detection", "note", "action", "decision")  # where readings are stated
_SUFFIX = re.compile(r"（([^（）]+)）\s*$")  # “话题阅读 300万（微博）”, as /metric logs it


def propagation_chart(retro: dict, *, inputs: ChartInputs, tz: tzinfo | None = None) -> bytes:
    """Topic reads and note exposure over time (log scale when they span two orders of magnitude or more), each
    order-of-magnitude milestone marked, the level-1 line (`inputs.level1_reads`) and the level changes."""
    title = chart("propagation_title")
    tz = tz or incident_tz(retro)
    series = count_series(retro, lexicon=inputs.lexicon)
    milestones = [m for m in retro.get("propagation", {}).get("milestones", []) if m["metric"] in COUNT_METRICS]
    if not series and not milestones:
        return empty_chart(title)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        values: list[float] = []
        drawn_metrics = {metric for metric, _platform in series}
        for (metric, platform), points in series.items():
            times, counts = zip(*points, strict=True)
            values += counts
            color = _metric_color(metric, platform)
            name = chart("series", metric=labels.metric(metric), platform=labels.platform(platform))
            ax.plot(times, counts, marker="o", markersize=4, linewidth=2, color=color, label=name)
            for at, count in (points[-1], max(points, key=lambda p: p[1])):
                ax.annotate(
                    format_value(metric, count),
                    (at, count),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=8,
                    color=color,
                )
        for metric in sorted({m["metric"] for m in milestones} - drawn_metrics):  # crossings known, no readings
            points = sorted((time_of(m["at"], tz), m["threshold"]) for m in milestones if m["metric"] == metric)
            times, counts = zip(*points, strict=True)
            values += counts
            name = chart("milestone_series", metric=labels.metric(metric))
            ax.step(times, counts, where="post", linestyle="--", linewidth=1.5, color=COLORS[metric], label=name)
        # Thresholds already passed at the first reading are told as such, not as crossed at that moment.
        groups: dict[tuple[str, datetime, bool], list[int]] = {}
        for m in milestones:
            key = (m["metric"], time_of(m["at"], tz), bool(m.get("at_first_sample")))
            groups.setdefault(key, []).append(m["threshold"])
            values.append(m["threshold"])
        for (metric, at, already), thresholds in groups.items():
            ax.scatter(
                [at] * len(thresholds),
                thresholds,
                marker="*",
                s=110,
                zorder=5,
                color=COLORS[metric],
                edgecolors="white",
                linewidths=0.6,
            )
            words = "/".join(format_value(metric, t) for t in sorted(thresholds))
            ax.annotate(
                chart("milestone", words=words, clock=format_clock(at), already=already),
                (at, max(thresholds)),
                textcoords="offset points",
                xytext=(8, -4),
                fontsize=7.5,
                color="#495057",
                va="top",
            )
        ax.scatter([], [], marker="*", s=110, color="#868e96", label=chart("milestones_legend"))
        has_reads = any(metric == "topic_reads" for metric, _ in series) or any(
            m["metric"] == "topic_reads" for m in milestones
        )
        if inputs.level1_reads and has_reads:
            line = chart(
                "level_line",
                level=inputs.level1_name,
                metric=labels.metric("topic_reads"),
                value=format_value("topic_reads", inputs.level1_reads),
            )
            ax.axhline(inputs.level1_reads, color=COLORS["level"], linestyle=":", linewidth=1.2, label=line)
            values.append(inputs.level1_reads)
        _level_change_lines(ax, retro, tz)
        positive = [v for v in values if v > 0]
        log_scale = bool(positive) and max(positive) / min(positive) >= LOG_SCALE_SPAN
        if log_scale:
            ax.set_yscale("log")
            ax.set_ylim(bottom=min(positive) / 2.5, top=max(positive) * 2.5)  # room for the milestone labels
        else:
            ax.set_ylim(bottom=0)
        ax.set_ylabel(chart("count_axis", log=log_scale))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _count_tick(v)))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))
        time_axis(ax, tz, all_times(retro, tz))
        ax.set_title(title)
        ax.set_xlabel(chart("time_axis"))
        ax.grid(True, which="major", color=COLORS["grid"], linewidth=0.8)
        ax.legend(loc="upper left")

    return render(draw, size=(9, 4.6))


def count_series(retro: dict, *, lexicon: Lexicon) -> dict[tuple[str, str], list[tuple[datetime, float]]]:
    """(metric, platform) → [(time, value)] of the propagation metrics, read from the timeline's texts with the
    playbook folder's lexicon."""
    tz = incident_tz(retro)
    series: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
    for entry in retro.get("timeline", []):
        if entry.get("kind") not in TIMELINE_KINDS:
            continue
        suffix = _platform_suffix(entry["text"])
        for reading in extract(entry["text"], lexicon):
            if reading.metric in COUNT_METRICS:
                platform = suffix if reading.platform == DEFAULT_PLATFORM and suffix else reading.platform
                series.setdefault((reading.metric, platform), []).append((time_of(entry["at"], tz), reading.value))
    return {key: sorted(points) for key, points in series.items()}


def _platform_suffix(text: str) -> str | None:
    match = _SUFFIX.search(text)
    names = {name: platform for platform, name in labels.of("platforms").items()}
    return names.get(match.group(1)) if match else None


def _level_change_lines(ax, retro: dict, tz: tzinfo) -> None:
    for change in retro.get("level_changes", []):
        at = time_of(change["at"], tz)
        ax.axvline(at, color=COLORS["level"], linestyle="--", linewidth=1)
        ax.annotate(
            chart(
                "level_change",
                up=change["to"] < change["from"],
                before=labels.label("levels_short", change["from"]),
                after=labels.label("levels_short", change["to"]),
            ),
            (at, 0.02),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(4, 0),
            fontsize=8,
            color=COLORS["level"],
        )


def _count_tick(value: float) -> str:
    return "0" if value <= 0 else format_value("topic_reads", value)


def _metric_color(metric: str, platform: str) -> str:
    base = COLORS[metric]
    if platform == DEFAULT_PLATFORM:
        return base
    return {"weibo": "#e8590c" if metric == "topic_reads" else "#4263eb", "douyin": "#212529", "media": "#7048e8"}.get(
        platform, base
    )
