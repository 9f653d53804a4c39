"""The emotion curve of the imported comments (seed 四.1 “情绪曲线”): per 30-minute bucket of the retro JSON's
`comments.buckets`, each crisis emotion's share of the negative comments as a line, the negative share itself as a
bold line, and the bucket's comment count as faint bars on a second axis (how much each point rests on). Emotions
that never appear are left out of the chart and its legend."""

from __future__ import annotations

from datetime import timedelta, tzinfo

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.core import labels
from bot.retro.charts.canvas import COLORS, empty_chart, incident_tz, render, time_axis, time_of
from bot.retro.charts.inputs import ChartInputs
from bot.retro.phrases import chart

EMOTION_COLORS = {  # one hue per contract emotion code, apart from the negative share's red
    "disappointed": "#1c7ed6",
    "angry": "#e8590c",
    "deceived": "#7048e8",
    "refund": "#2b8a3e",
    "safety": "#f08c00",
    "sarcasm": "#0c8599",
}
BUCKET_WIDTH = timedelta(minutes=30)


def emotion_chart(retro: dict, *, inputs: ChartInputs, tz: tzinfo | None = None) -> bytes:
    """The emotion mix over time from `retro["comments"]["buckets"]`; “暂无数据” without imported comments."""
    title = chart("emotion_title")
    tz = tz or incident_tz(retro)
    buckets = (retro.get("comments") or {}).get("buckets") or []
    if not buckets:
        return empty_chart(title, chart("emotion_empty"))
    times = [time_of(b["at"], tz) for b in buckets]
    shown = [code for code in EMOTION_COLORS if any(b.get("emotions", {}).get(code) for b in buckets)]

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        volume = ax.twinx()
        volume.bar(
            [at - BUCKET_WIDTH / 2 for at in times],  # a bucket is stamped at its end: the bar covers the half hour
            [b["total"] for b in buckets],
            width=BUCKET_WIDTH * 0.85,
            color=COLORS["open"],
            alpha=0.25,
            label=chart("emotion_volume"),
            zorder=1,
        )
        volume.set_ylim(0, max(b["total"] for b in buckets) * 2.5)  # the bars stay in the lower part, under the lines
        volume.set_ylabel(chart("emotion_volume"))
        volume.spines["right"].set_visible(True)
        ax.set_zorder(volume.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.plot(
            times,
            [b["negative_share"] * 100 for b in buckets],
            linewidth=2.6,
            color=COLORS["negative"],
            marker="o",
            markersize=4,
            label=labels.metric("negative_ratio"),
        )
        for code in shown:
            ax.plot(
                times,
                [b.get("emotions", {}).get(code, 0) * 100 for b in buckets],
                linewidth=1.5,
                color=EMOTION_COLORS[code],
                label=chart("emotion_series", emotion=labels.label("emotions", code)),
            )
        ax.axhline(inputs.alert * 100, color=COLORS["alert"], linestyle="--", linewidth=1.1)
        ax.set_ylim(0, 105)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
        time_axis(ax, tz, times)
        ax.set_title(title)
        ax.set_xlabel(chart("time_axis"))
        ax.set_ylabel(chart("emotion_axis"))
        ax.grid(True, axis="y", color=COLORS["grid"], linewidth=0.8)
        handles, names = ax.get_legend_handles_labels()
        bars, bar_names = volume.get_legend_handles_labels()
        ax.legend(handles + bars, names + bar_names, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4)

    return render(draw, size=(9, 5.0))
