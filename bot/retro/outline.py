"""The retro as a neutral document for a docs platform (issue 14: the Feishu Doc): the report's title and its six
sections in order, each a list of blocks — subheadings, paragraphs, bullets, quotes, tables — with the report's
charts (PNG) placed in the section the HTML page shows them in.

The text is the Markdown report's (`bot.retro.render.markdown`, the one wording of the report), read back into
blocks here, so the Doc never words anything differently from the file and the page. Knows no platform format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from bot.config import Settings
from bot.incidents.models import Incident
from bot.retro import charts
from bot.retro import flows as retro_flows

Kind = Literal["subheading", "paragraph", "bullet", "quote"]


@dataclass(frozen=True)
class Text:
    kind: Kind
    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    name: str  # propagation | negative | emotions | gantt
    png: bytes


Block = Text | Table | Chart


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Outline:
    title: str
    intro: tuple[Block, ...]  # what stands before the first section (the report's note on what it is)
    sections: tuple[Section, ...] = field(default=())

    @property
    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


# Which section shows which chart (as on the report page): the curves with the data, the Gantt with the steps.
CHART_SECTION = {"propagation": 1, "negative": 1, "emotions": 1, "gantt": 3}


def outline(session: Session, incident: Incident, settings: Settings, *, now: datetime) -> Outline:
    """The retro of `incident` as of `now` (the business time the retro was asked at)."""
    sources = retro_flows.Sources.of(settings.playbook_dir)
    data = retro_flows.data_for(session, incident, settings, now=now, sources=sources)
    text = retro_flows.markdown_for(session, incident, data, settings, sources, now=now)
    pngs = chart_pngs(data, settings, sources, now=now)
    return from_markdown(text, pngs)


def chart_pngs(data: dict, settings: Settings, sources, *, now: datetime) -> dict[str, bytes]:
    """The report page's charts, drawn from the same retro JSON (the emotions curve only with imported comments)."""
    from bot.retro.report_view import view

    inputs = charts.ChartInputs.of(sources.library, sources.lexicon)
    shown = view(
        data, tz=settings.tz, recommendations=sources.recommendations, names=None, library=sources.library, now=now
    )
    titles = {step["id"]: step["title"] for step in shown["steps"]}
    found = {
        "propagation": charts.propagation_chart(data, tz=settings.tz, inputs=inputs),
        "negative": charts.negative_chart(data, tz=settings.tz, inputs=inputs),
        "gantt": charts.steps_gantt(data, tz=settings.tz, now=shown["now"], titles=titles),
    }
    if data.get("comments"):
        found["emotions"] = charts.emotion_chart(data, tz=settings.tz, inputs=inputs)
    return found


def from_markdown(text: str, pngs: dict[str, bytes]) -> Outline:
    """Read the report's Markdown back into blocks: `# ` the title, `## ` the sections, `### ` subheadings,
    `| ` tables, `- ` bullets, `> ` quotes; the charts go at the end of their section."""
    title = ""
    intro: list[Block] = []
    sections: list[tuple[str, list[Block]]] = []
    table: list[list[str]] = []

    def target() -> list[Block]:
        return sections[-1][1] if sections else intro

    def flush_table() -> None:
        if table:
            rows = [r for r in table if not all(re.fullmatch(r":?-{3,}:?", c) for c in r)]
            if rows:
                target().append(Table(tuple(rows[0]), tuple(tuple(r) for r in rows[1:])))
            table.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("|"):
            table.append(_cells(line))
            continue
        flush_table()
        if not line.strip():
            continue
        if line.startswith("# "):
            title = _plain(line[2:])
        elif line.startswith("## "):
            sections.append((_plain(line[3:]), []))
        elif line.startswith("### "):
            target().append(Text("subheading", _plain(line[4:])))
        elif line.startswith("- "):
            target().append(Text("bullet", _plain(line[2:])))
        elif line.startswith(">"):
            target().append(Text("quote", _plain(line.lstrip("> "))))
        else:
            target().append(Text("paragraph", _plain(line)))
    flush_table()
    for name, png in pngs.items():
        index = CHART_SECTION.get(name, 1)
        if index < len(sections):
            sections[index][1].append(Chart(name, png))
    return Outline(title, tuple(intro), tuple(Section(h, tuple(b)) for h, b in sections))


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [_plain(cell.replace("\\|", "|")) for cell in re.split(r"(?<!\\)\|", inner)]


def _plain(text: str) -> str:
    """Markdown emphasis and code marks off: the Doc shows the words."""
    return re.sub(r"\*\*(.+?)\*\*|`([^`]*)`", lambda m: m.group(1) or m.group(2) or "", text).strip()
