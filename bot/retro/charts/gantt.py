"""The step Gantt: one bar per step from the crisis start to its completion (or the close, or `now` while open),
coloured by its state (`bot.steps.states`: met / late / missed / not due), with its deadline marked."""

from __future__ import annotations

from datetime import datetime, tzinfo

from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.clock.format import format_clock
from bot.core import labels
from bot.retro.charts.canvas import COLORS, empty_chart, incident_tz, render, short, time_axis, time_of
from bot.retro.phrases import chart
from bot.steps import states

STYLE = {  # state → (colour, hatch)
    states.MET: ("met", None),
    states.LATE: ("missed", None),
    states.MISSED: ("missed", "//"),
    states.NOT_DUE: ("open", "//"),
}


def steps_gantt(retro: dict, *, now: datetime, tz: tzinfo | None = None, titles: dict[str, str] | None = None) -> bytes:
    """One bar per step from the crisis start to its completion (or the close, or `now` — the caller's clock —
    while open), coloured by its state, with its deadline marked."""
    title = chart("gantt_title")
    tz = tz or incident_tz(retro)
    steps = retro.get("steps", [])
    if not steps:
        return empty_chart(title)
    incident = retro["incident"]
    start = time_of(incident["started_at"], tz)
    closed = time_of(incident["closed_at"], tz) if incident.get("closed_at") else None
    reference = closed or now.astimezone(tz)
    titles = titles or {}

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        names = []
        for row, step in enumerate(steps):
            due = time_of(step["due_at"], tz)
            done = time_of(step["done_at"], tz) if step.get("done_at") else None
            end = done or reference
            state = states.of_retro_step(step, reference)
            color_name, hatch = STYLE.get(state, STYLE[states.NOT_DUE])
            color = COLORS[color_name]
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
            ax.annotate(
                chart(
                    "gantt_state",
                    state=states.word(state, closed=bool(closed)),
                    done_clock=format_clock(done) if done else "",
                ),
                (mdates.date2num(max(end, due)), row),
                textcoords="offset points",
                xytext=(5, 0),
                va="center",
                fontsize=7.5,
                color="#495057",
            )
            names.append(
                chart(
                    "gantt_row", title=short(titles.get(step["id"]) or step["id"], 16), role=labels.role(step["role"])
                )
            )
        ax.set_yticks(range(len(steps)), names)
        ax.invert_yaxis()
        ax.axvline(start, color="#868e96", linewidth=0.8)
        dues = [time_of(s["due_at"], tz) for s in steps]
        time_axis(ax, tz, [start, reference, *dues])
        latest = max([reference, *dues])
        pad = (mdates.date2num(latest) - mdates.date2num(start)) * 0.12 or 1 / 24
        ax.set_xlim(right=mdates.date2num(latest) + pad)
        ax.set_title(title)
        ax.set_xlabel(chart("gantt_axis"))
        ax.grid(True, axis="x", color=COLORS["grid"], linewidth=0.8)
        ax.legend(
            handles=[
                *(
                    Patch(
                        facecolor=COLORS[STYLE[state][0]],
                        hatch=STYLE[state][1],
                        label=states.word(state, closed=bool(closed)),
                    )
                    for state in (states.MET, states.LATE, states.MISSED, states.NOT_DUE)
                ),
                Line2D([], [], color=COLORS["deadline"], linewidth=2.2, label=chart("gantt_deadline")),
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.24),
            ncol=5,
        )

    return render(draw, size=(9, 1.8 + 0.42 * len(steps)))
