"""What every retro chart shares: the CJK font, matplotlib's Agg canvas (no pyplot, no display) behind a lock,
the colours, the time axis in the display zone, and the “暂无数据” image.

Chinese labels need a CJK font: Noto Sans CJK SC when matplotlib knows it, else the first CJK font file found
among known paths and the system's fonts; without one a warning is logged once and the default font is used
(Chinese then renders as boxes, but nothing crashes). Titles are bold only when the family has a bold face
(a sibling `-Bold` file is registered when found); otherwise they are drawn in the regular weight rather than
asking matplotlib for a weight it cannot find (it would warn on every chart)."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.clock.format import format_clock, format_day
from bot.retro.phrases import chart

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


BOLD = 600  # matplotlib's numeric weights: a face this heavy or heavier is bold


@lru_cache(maxsize=1)
def heading_weight() -> str:
    """ "bold" when the chart font has a bold face (registering a `-Bold` sibling of its file if needed), else
    "normal"."""
    family = cjk_family()
    if family is None:
        return "bold"  # DejaVu Sans, bundled with matplotlib, has one
    if _has_bold(family):
        return "bold"
    for entry in list(font_manager.fontManager.ttflist):
        sibling = Path(entry.fname.replace("-Regular", "-Bold"))
        if entry.name == family and sibling.name != Path(entry.fname).name and sibling.is_file():
            try:
                font_manager.fontManager.addfont(str(sibling))
            except (OSError, RuntimeError, ValueError) as exc:
                log.debug("cannot use font %s: %s", sibling, exc)
            break
    if _has_bold(family):
        return "bold"
    log.info("font %s has no bold face: chart titles are drawn in its regular weight", family)
    return "normal"


def _has_bold(family: str) -> bool:
    return any(entry.name == family and _weight(entry.weight) >= BOLD for entry in font_manager.fontManager.ttflist)


def _weight(value: int | str) -> int:
    return value if isinstance(value, int) else font_manager.weight_dict.get(value, 400)


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
        "axes.titleweight": heading_weight(),
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 8.5,
        "legend.frameon": False,
    }


def render(draw: Callable[[Figure], None], *, size: tuple[float, float]) -> bytes:
    """`draw` on a fresh figure, as PNG bytes."""
    with _draw_lock, matplotlib.rc_context(_rc()):
        fig = Figure(figsize=size, dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def empty_chart(title: str, note: str | None = None) -> bytes:
    """A small image saying there is nothing to draw yet."""
    note = note or chart("empty")

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.72, title, ha="center", va="center", fontsize=12, fontweight=heading_weight(), color="#343a40")
        ax.text(0.5, 0.3, note, ha="center", va="center", fontsize=11, color="#868e96")

    return render(draw, size=(5, 1.4))


def incident_tz(retro: dict) -> tzinfo:
    """The zone of the retro's times (its started_at carries the display zone's offset); UTC when it has none."""
    started = retro.get("incident", {}).get("started_at")
    if started:
        parsed = datetime.fromisoformat(started)
        if parsed.tzinfo is not None:
            return parsed.tzinfo
    return UTC


def time_of(value: str, tz: tzinfo) -> datetime:
    return datetime.fromisoformat(value).astimezone(tz)


def all_times(retro: dict, tz: tzinfo) -> list[datetime]:
    found = [time_of(retro["incident"]["started_at"], tz)]
    if retro["incident"].get("closed_at"):
        found.append(time_of(retro["incident"]["closed_at"], tz))
    found += [time_of(s["at"], tz) for s in retro.get("propagation", {}).get("negative_ratio", [])]
    return found


def time_axis(ax, tz: tzinfo, times: Iterable[datetime]) -> None:
    times = list(times)
    several_days = bool(times) and len({t.astimezone(tz).date() for t in times}) > 1
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=9))

    def tick(value: float, _pos: int) -> str:
        at = mdates.num2date(value, tz=tz)
        return chart("tick", day=format_day(at.date()), clock=format_clock(at)) if several_days else format_clock(at)

    ax.xaxis.set_major_formatter(FuncFormatter(tick))


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
