"""The negative-share curve: the share over time with the folder's alert line, each escalation (and its trigger)
marked, and the team's statements and actions from the timeline as vertical lines."""

from __future__ import annotations

import re
from datetime import tzinfo

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from bot.clock.format import format_clock
from bot.core import labels
from bot.retro.charts.canvas import (
    COLORS,
    all_times,
    empty_chart,
    heading_weight,
    incident_tz,
    render,
    short,
    time_axis,
    time_of,
)
from bot.retro.charts.inputs import ChartInputs
from bot.retro.phrases import chart
from bot.retro.propagation import ESCALATION_POINTS

_PREFIX = re.compile(r"【([^】]{1,8})】")  # a statement's own label, “【致歉声明】…”


def negative_chart(retro: dict, *, inputs: ChartInputs, tz: tzinfo | None = None) -> bytes:
    """The negative share over time with the alert line (`inputs.alert`), each escalation (and its trigger)
    marked, and the team's statements and actions from the timeline as vertical lines."""
    title = chart("negative_title")
    alert = inputs.alert
    tz = tz or incident_tz(retro)
    samples = [(time_of(s["at"], tz), s["value"] * 100) for s in retro.get("propagation", {}).get("negative_ratio", [])]
    if not samples:
        return empty_chart(title)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        times, percents = zip(*samples, strict=True)
        top = max(max(percents), alert * 100) * 1.25 + 5
        ax.set_ylim(0, min(max(top, 40), 110))
        ax.plot(
            times,
            percents,
            marker="o",
            markersize=5,
            linewidth=2.2,
            color=COLORS["negative"],
            label=labels.metric("negative_ratio"),
            zorder=4,
        )
        for at, percent in samples:
            ax.annotate(
                f"{percent:.0f}%",
                (at, percent),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8.5,
                color=COLORS["negative"],
                fontweight=heading_weight(),
            )
        line = chart("alert_line", percent=f"{alert * 100:g}")
        ax.axhline(alert * 100, color=COLORS["alert"], linestyle="--", linewidth=1.3, label=line)
        for escalation in retro.get("escalations", []):
            at = time_of(escalation["at"], tz)
            ax.scatter([at], [escalation["to"] * 100], marker="^", s=120, color=COLORS["level"], zorder=6)
            words = chart("escalation", before=f"{escalation['from'] * 100:.0f}", after=f"{escalation['to'] * 100:.0f}")
            trigger = escalation.get("trigger")
            if trigger:
                trigger_at = time_of(trigger["at"], tz)
                ax.axvline(trigger_at, color=COLORS["level"], linestyle=":", linewidth=1.2)
                words += "\n" + chart("trigger", text=short(trigger["text"], 14), clock=format_clock(trigger_at))
            ax.annotate(
                words,
                (at, escalation["to"] * 100),
                textcoords="offset points",
                xytext=(10, 4),
                fontsize=8,
                color=COLORS["level"],
                va="bottom",
            )
        legend = chart("escalations_legend", points=f"{ESCALATION_POINTS * 100:g}")
        ax.scatter([], [], marker="^", s=80, color=COLORS["level"], label=legend)
        if any(e.get("trigger") for e in retro.get("escalations", [])):
            ax.add_line(Line2D([], [], color=COLORS["level"], linestyle=":", label=chart("triggers_legend")))
        for entry in _response_entries(retro):
            at = time_of(entry["at"], tz)
            color = COLORS["statement"] if entry["kind"] == "statement" else COLORS["action"]
            ax.axvline(at, color=color, linewidth=1.1, alpha=0.75)
            ax.annotate(
                _entry_label(entry),
                (at, 1.0),
                xycoords=("data", "axes fraction"),
                rotation=90,
                textcoords="offset points",
                xytext=(-3, -4),
                ha="right",
                va="top",
                fontsize=7.5,
                color=color,
            )
        ax.add_line(Line2D([], [], color=COLORS["statement"], label=labels.kind("statement")))
        ax.add_line(Line2D([], [], color=COLORS["action"], label=chart("actions_legend")))
        time_axis(ax, tz, all_times(retro, tz))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
        ax.set_title(title)
        ax.set_xlabel(chart("time_axis"))
        ax.set_ylabel(chart("negative_axis"))
        ax.grid(True, axis="y", color=COLORS["grid"], linewidth=0.8)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)

    return render(draw, size=(9, 5.0))


def _response_entries(retro: dict) -> list[dict]:
    return [e for e in retro.get("timeline", []) if e.get("kind") in ("statement", "action")]


def _entry_label(entry: dict) -> str:
    text = entry["text"].strip()
    if entry["kind"] == "statement":
        match = _PREFIX.match(text)
        return match.group(1) if match else labels.kind("statement")
    return short(text, 11)
