"""Charts of the retrospective as PNG bytes, drawn from the retro JSON (the contract's dict) with matplotlib's
Agg canvas (no pyplot, no display): the propagation curve, the negative-share curve and the step Gantt.

Chinese labels need a CJK font: Noto Sans CJK SC when matplotlib knows it, else the first CJK font file found
among known paths and the system's fonts; without one a warning is logged once and the default font is used
(Chinese then renders as boxes, but nothing crashes). Empty data gives a small “暂无数据” image.

The contract keeps no series for count metrics (only their order-of-magnitude milestones and the peak), so the
propagation curve re-reads the readings stated in the timeline with the bot's own metric reader (`bot.metrics`),
the same one that recorded them; the milestones are drawn on top.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterable
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from bot.library.roles import label as role_label
from bot.timeline import numbers as metrics

log = logging.getLogger(__name__)

CJK_FAMILY = "Noto Sans CJK SC"
KNOWN_CJK_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansCN-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
CJK_FILE_HINTS = (
    "notosanscjk",
    "notosanssc",
    "sourcehansans",
    "wqy-microhei",
    "wqy-zenhei",
    "droidsansfallback",
    "pingfang",
    "msyh",
    "simhei",
    "notoserifcjk",
)

DPI = 150
COUNT_METRICS = ("topic_reads", "note_exposure")  # the propagation curve
METRIC_LABELS = {"topic_reads": "话题阅读", "note_exposure": "笔记曝光"}
PLATFORM_LABELS = {"xhs": "小红书", "weibo": "微博", "douyin": "抖音", "media": "媒体"}
LEVEL_NAMES = {1: "一级", 2: "二级"}
LEVEL1_READS = 5_000_000  # severity.yaml: level 1 when topic reads exceed 500万
ALERT_RATIO = 0.20  # severity.yaml: alert when the negative share exceeds 20 %
LOG_SCALE_SPAN = 100  # max / min ≥ 100 → log scale
TIMELINE_KINDS = ("metric", "spread", "detection", "note", "action", "decision")  # where readings are stated

COLORS = {
    "topic_reads": "#d9480f",
    "note_exposure": "#1c7ed6",
    "negative": "#c92a2a",
    "alert": "#f08c00",
    "statement": "#5f3dc4",
    "action": "#2b8a3e",
    "level": "#e03131",
    "met": "#2f9e44",
    "missed": "#e03131",
    "open": "#adb5bd",
    "deadline": "#212529",
    "grid": "#e9ecef",
}
_draw_lock = threading.Lock()  # rc_context is process-wide


# --- fonts --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The font family used for Chinese text, registering a CJK font file with matplotlib when it does not know
    one yet; None (with a warning, once) when the system has none."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    if CJK_FAMILY in known:
        return CJK_FAMILY
    for path in _cjk_font_files():
        try:
            font_manager.fontManager.addfont(path)
            family = font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError) as exc:
            log.debug("cannot use font %s: %s", path, exc)
            continue
        known = {entry.name for entry in font_manager.fontManager.ttflist}
        return CJK_FAMILY if CJK_FAMILY in known else family
    log.warning(
        "no CJK font found (looked for %s and %d known files): chart labels in Chinese will not render; "
        "install fonts-noto-cjk",
        CJK_FAMILY,
        len(KNOWN_CJK_FILES),
    )
    return None


def _cjk_font_files() -> list[str]:
    found = [path for path in KNOWN_CJK_FILES if Path(path).is_file()]
    try:
        system = font_manager.findSystemFonts()
    except OSError:  # pragma: no cover - unreadable font folders
        system = []
    found += sorted(p for p in system if any(hint in Path(p).name.lower() for hint in CJK_FILE_HINTS))
    return list(dict.fromkeys(found))


def _rc() -> dict:
    family = cjk_family()
    return {
        "font.family": "sans-serif",
        "font.sans-serif": ([family] if family else []) + ["DejaVu Sans"],
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 8.5,
        "legend.frameon": False,
    }


# --- the three charts ---------------------------------------------------------------------------------------------


def propagation_chart(
    retro: dict, *, tz: tzinfo | None = None, lexicon=None, level1_reads: float | None = LEVEL1_READS
) -> bytes:
    """Topic reads and note exposure over time (log scale when they span two orders of magnitude or more), each
    order-of-magnitude milestone marked, the level-1 line and the level changes."""
    title = "传播曲线：话题阅读与笔记曝光"
    tz = tz or _incident_tz(retro)
    series = count_series(retro, lexicon=lexicon)
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
            ax.plot(
                times,
                counts,
                marker="o",
                markersize=4,
                linewidth=2,
                color=_metric_color(metric, platform),
                label=f"{METRIC_LABELS[metric]}（{PLATFORM_LABELS.get(platform, platform)}）",
            )
            for at, count in (points[-1], max(points, key=lambda p: p[1])):
                ax.annotate(
                    metrics.format_value(metric, count),
                    (at, count),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=8,
                    color=_metric_color(metric, platform),
                )
        for metric in sorted({m["metric"] for m in milestones} - drawn_metrics):  # crossings known, no readings
            points = sorted((_time(m["at"], tz), m["threshold"]) for m in milestones if m["metric"] == metric)
            times, counts = zip(*points, strict=True)
            values += counts
            ax.step(
                times,
                counts,
                where="post",
                linestyle="--",
                linewidth=1.5,
                color=COLORS[metric],
                label=f"{METRIC_LABELS[metric]}（量级节点）",
            )
        groups: dict[tuple[str, datetime], list[int]] = {}
        for m in milestones:
            groups.setdefault((m["metric"], _time(m["at"], tz)), []).append(m["threshold"])
            values.append(m["threshold"])
        for (metric, at), thresholds in groups.items():
            top = max(thresholds)
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
            words = "/".join(metrics.format_value(metric, t) for t in sorted(thresholds))
            ax.annotate(
                f"破{words}\n{_clock(at)}",
                (at, top),
                textcoords="offset points",
                xytext=(8, -4),
                fontsize=7.5,
                color="#495057",
                va="top",
            )
        ax.scatter([], [], marker="*", s=110, color="#868e96", label="量级里程碑（首次达到）")
        has_reads = any(metric == "topic_reads" for metric, _ in series) or any(
            m["metric"] == "topic_reads" for m in milestones
        )
        if level1_reads and has_reads:
            ax.axhline(
                level1_reads,
                color=COLORS["level"],
                linestyle=":",
                linewidth=1.2,
                label=f"一级危机线（话题阅读>{metrics.format_value('topic_reads', level1_reads)}）",
            )
            values.append(level1_reads)
        _level_change_lines(ax, retro, tz)
        positive = [v for v in values if v > 0]
        if positive and max(positive) / min(positive) >= LOG_SCALE_SPAN:
            ax.set_yscale("log")
            ax.set_ylim(bottom=min(positive) / 2.5, top=max(positive) * 2.5)  # room for the milestone labels
            ax.set_ylabel("数量（对数刻度）")
        else:
            ax.set_ylim(bottom=0)
            ax.set_ylabel("数量")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _count_tick(v)))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda _v, _pos: ""))
        _time_axis(ax, tz, _all_times(retro, tz))
        ax.set_title(title)
        ax.set_xlabel("时间")
        ax.grid(True, which="major", color=COLORS["grid"], linewidth=0.8)
        ax.legend(loc="upper left")

    return _render(draw, size=(9, 4.6))


def negative_chart(retro: dict, *, tz: tzinfo | None = None, alert: float = ALERT_RATIO) -> bytes:
    """The negative share over time with the alert line, each escalation (and its trigger) marked, and the
    team's statements and actions from the timeline as vertical lines."""
    title = "负面评论占比与应对动作"
    tz = tz or _incident_tz(retro)
    samples = [(_time(s["at"], tz), s["value"] * 100) for s in retro.get("propagation", {}).get("negative_ratio", [])]
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
            label="负面评论占比",
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
                fontweight="bold",
            )
        ax.axhline(
            alert * 100,
            color=COLORS["alert"],
            linestyle="--",
            linewidth=1.3,
            label=f"预警线 {alert * 100:g}%（超过即启动响应）",
        )
        for escalation in retro.get("escalations", []):
            at = _time(escalation["at"], tz)
            ax.scatter([at], [escalation["to"] * 100], marker="^", s=120, color=COLORS["level"], zorder=6)
            words = f"激化 {escalation['from'] * 100:.0f}%→{escalation['to'] * 100:.0f}%"
            trigger = escalation.get("trigger")
            if trigger:
                trigger_at = _time(trigger["at"], tz)
                ax.axvline(trigger_at, color=COLORS["level"], linestyle=":", linewidth=1.2)
                words += f"\n触发：{_short(trigger['text'], 14)}（{_clock(trigger_at)}）"
            ax.annotate(
                words,
                (at, escalation["to"] * 100),
                textcoords="offset points",
                xytext=(10, 4),
                fontsize=8,
                color=COLORS["level"],
                va="bottom",
            )
        ax.scatter([], [], marker="^", s=80, color=COLORS["level"], label="激化点（负面占比跳升≥15个百分点）")
        if any(e.get("trigger") for e in retro.get("escalations", [])):
            ax.add_line(Line2D([], [], color=COLORS["level"], linestyle=":", label="触发事件（扩散）"))
        for entry in _response_entries(retro):
            at = _time(entry["at"], tz)
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
        ax.add_line(Line2D([], [], color=COLORS["statement"], label="对外回应"))
        ax.add_line(Line2D([], [], color=COLORS["action"], label="应对动作"))
        _time_axis(ax, tz, _all_times(retro, tz))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}%"))
        ax.set_title(title)
        ax.set_xlabel("时间")
        ax.set_ylabel("负面评论占比（%）")
        ax.grid(True, axis="y", color=COLORS["grid"], linewidth=0.8)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)

    return _render(draw, size=(9, 5.0))


def steps_gantt(
    retro: dict, *, tz: tzinfo | None = None, now: datetime | None = None, titles: dict[str, str] | None = None
) -> bytes:
    """One bar per step from the crisis start to its completion (or the close, or `now` while open), coloured
    met / missed / open, with its deadline marked."""
    title = "步骤完成情况（对照截止时间）"
    tz = tz or _incident_tz(retro)
    steps = retro.get("steps", [])
    if not steps:
        return empty_chart(title)
    incident = retro["incident"]
    start = _time(incident["started_at"], tz)
    closed = _time(incident["closed_at"], tz) if incident.get("closed_at") else None
    reference = closed or (now.astimezone(tz) if now else datetime.now(tz))
    titles = titles or {}

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        names = []
        for row, step in enumerate(steps):
            due = _time(step["due_at"], tz)
            done = _time(step["done_at"], tz) if step.get("done_at") else None
            end = done or reference
            if step.get("met"):
                color, hatch = COLORS["met"], None
            elif done is not None or reference > due:
                color, hatch = COLORS["missed"], None if done else "//"
            else:
                color, hatch = COLORS["open"], "//"
            width = max(mdates.date2num(end) - mdates.date2num(start), 1 / 1440)
            ax.barh(
                row,
                width,
                left=mdates.date2num(start),
                height=0.55,
                color=color,
                alpha=0.9 if done else 0.55,
                hatch=hatch,
                edgecolor=color,
                linewidth=0.8,
            )
            ax.plot(
                [due, due], [row - 0.38, row + 0.38], color=COLORS["deadline"], linewidth=2.2, solid_capstyle="butt"
            )
            state = (
                ("按时 " if step.get("met") else "超时 ") + _clock(done)
                if done
                else ("未完成" if reference > due else "进行中")
            )
            ax.annotate(
                state,
                (mdates.date2num(max(end, due)), row),
                textcoords="offset points",
                xytext=(5, 0),
                va="center",
                fontsize=7.5,
                color="#495057",
            )
            names.append(f"{_short(titles.get(step['id']) or step['id'], 16)}（{role_label(step['role'])}）")
        ax.set_yticks(range(len(steps)), names)
        ax.invert_yaxis()
        ax.axvline(start, color="#868e96", linewidth=0.8)
        _time_axis(ax, tz, [start, reference] + [_time(s["due_at"], tz) for s in steps])
        ax.set_xlim(
            right=mdates.date2num(max([reference] + [_time(s["due_at"], tz) for s in steps]))
            + _pad(start, reference, steps, tz)
        )
        ax.set_title(title)
        ax.set_xlabel("时间（条形从危机开始到完成）")
        ax.grid(True, axis="x", color=COLORS["grid"], linewidth=0.8)
        ax.legend(
            handles=[
                Patch(color=COLORS["met"], label="按时完成"),
                Patch(color=COLORS["missed"], label="超时"),
                Patch(facecolor=COLORS["open"], hatch="//", label="未完成（未到截止）"),
                Line2D([], [], color=COLORS["deadline"], linewidth=2.2, label="截止时间"),
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=4,
        )

    return _render(draw, size=(9, 1.8 + 0.42 * len(steps)))


def empty_chart(title: str, note: str = "暂无数据") -> bytes:
    """A small image saying there is nothing to draw yet."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.72, title, ha="center", va="center", fontsize=12, fontweight="bold", color="#343a40")
        ax.text(0.5, 0.3, note, ha="center", va="center", fontsize=11, color="#868e96")

    return _render(draw, size=(5, 1.4))


# --- data ---------------------------------------------------------------------------------------------------------


def count_series(retro: dict, *, lexicon=None) -> dict[tuple[str, str], list[tuple[datetime, float]]]:
    """(metric, platform) → [(time, value)] of the propagation metrics, read from the timeline's texts."""
    from bot.config import BUNDLED_PLAYBOOKS
    from bot.library.lexicon import load as load_lexicon

    lexicon = lexicon or load_lexicon(BUNDLED_PLAYBOOKS)
    tz = _incident_tz(retro)
    series: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
    for entry in retro.get("timeline", []):
        if entry.get("kind") not in TIMELINE_KINDS:
            continue
        suffix = _platform_suffix(entry["text"])
        for reading in metrics.extract(entry["text"], lexicon):
            if reading.metric in COUNT_METRICS:
                platform = suffix if reading.platform == metrics.DEFAULT_PLATFORM and suffix else reading.platform
                series.setdefault((reading.metric, platform), []).append((_time(entry["at"], tz), reading.value))
    return {key: sorted(points) for key, points in series.items()}


_SUFFIX = re.compile(r"（([^（）]+)）\s*$")  # “话题阅读 300万（微博）”, as /metric logs it


def _platform_suffix(text: str) -> str | None:
    match = _SUFFIX.search(text)
    names = {name: platform for platform, name in PLATFORM_LABELS.items()}
    return names.get(match.group(1)) if match else None


def _response_entries(retro: dict) -> list[dict]:
    return [e for e in retro.get("timeline", []) if e.get("kind") in ("statement", "action")]


def _entry_label(entry: dict) -> str:
    text = entry["text"].strip()
    if entry["kind"] == "statement":
        match = re.match(r"【([^】]{1,8})】", text)
        return match.group(1) if match else "对外回应"
    return _short(text, 11)


def _level_change_lines(ax, retro: dict, tz: tzinfo) -> None:
    for change in retro.get("level_changes", []):
        at = _time(change["at"], tz)
        ax.axvline(at, color=COLORS["level"], linestyle="--", linewidth=1)
        words = f"{LEVEL_NAMES.get(change['from'], change['from'])}→{LEVEL_NAMES.get(change['to'], change['to'])}"
        ax.annotate(
            f"升级 {words}" if change["to"] < change["from"] else f"调整 {words}",
            (at, 0.02),
            xycoords=("data", "axes fraction"),
            textcoords="offset points",
            xytext=(4, 0),
            fontsize=8,
            color=COLORS["level"],
        )


# --- helpers ------------------------------------------------------------------------------------------------------


def _render(draw, *, size: tuple[float, float]) -> bytes:
    with _draw_lock, matplotlib.rc_context(_rc()):
        fig = Figure(figsize=size, dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _incident_tz(retro: dict) -> tzinfo:
    started = retro.get("incident", {}).get("started_at")
    if started:
        parsed = datetime.fromisoformat(started)
        if parsed.tzinfo is not None:
            return parsed.tzinfo
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _time(value: str, tz: tzinfo) -> datetime:
    return datetime.fromisoformat(value).astimezone(tz)


def _all_times(retro: dict, tz: tzinfo) -> list[datetime]:
    found = [_time(retro["incident"]["started_at"], tz)]
    if retro["incident"].get("closed_at"):
        found.append(_time(retro["incident"]["closed_at"], tz))
    found += [_time(s["at"], tz) for s in retro.get("propagation", {}).get("negative_ratio", [])]
    return found


def _time_axis(ax, tz: tzinfo, times: Iterable[datetime]) -> None:
    times = list(times)
    several_days = bool(times) and len({t.astimezone(tz).date() for t in times}) > 1
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=9))

    def tick(value: float, _pos: int) -> str:
        at = mdates.num2date(value, tz=tz)
        return f"{at.month}月{at.day}日\n{at:%H:%M}" if several_days else f"{at:%H:%M}"

    ax.xaxis.set_major_formatter(FuncFormatter(tick))


def _pad(start: datetime, reference: datetime, steps: list[dict], tz: tzinfo) -> float:
    latest = max([reference] + [_time(s["due_at"], tz) for s in steps])
    return (mdates.date2num(latest) - mdates.date2num(start)) * 0.12 or 1 / 24


def _clock(at: datetime) -> str:
    return f"{at:%H:%M}"


def _count_tick(value: float) -> str:
    if value <= 0:
        return "0"
    return metrics.format_value("topic_reads", value)


def _metric_color(metric: str, platform: str) -> str:
    base = COLORS[metric]
    if platform == metrics.DEFAULT_PLATFORM:
        return base
    return {"weibo": "#e8590c" if metric == "topic_reads" else "#4263eb", "douyin": "#212529", "media": "#7048e8"}.get(
        platform, base
    )


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["cjk_family", "count_series", "empty_chart", "negative_chart", "propagation_chart", "steps_gantt"]
