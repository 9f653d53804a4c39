"""The one way to build a retrospective: `/复盘` (handlers/retro.py), the close of an incident or drill, the report
link page (`bot.app` → `page_view`) and `crisisbot retro` (`document`) all come here. Everything is read from the
playbook folder (PLAYBOOK_DIR): playbooks and severity, lexicon, recommendations and the KOL words; `now` is the
caller's clock (the injected one in the app, the real time once at the CLI's edge)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from bot.comments.phrases import phrases as comment_phrases
from bot.config import Settings
from bot.core.llm import LLM
from bot.followups import actions
from bot.followups.cadence import cadence as group_cadence
from bot.incidents.models import Incident
from bot.library import recommendations as recommendation_book
from bot.library.lexicon import Lexicon
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import Library
from bot.library.playbooks import load as load_playbooks
from bot.retro import compute, links, polish, reading, render
from bot.retro.models import RetroDocument
from bot.retro.strategies import optimization

FORMATS = ("md", "html", "json")


@dataclass(frozen=True)
class Sources:
    """What a retro reads from the playbook folder."""

    library: Library
    lexicon: Lexicon
    recommendations: dict

    @classmethod
    def of(cls, folder: Path) -> Sources:
        return cls(load_playbooks(folder), load_lexicon(folder), recommendation_book.load(folder))


@dataclass(frozen=True)
class Compiled:
    incident: Incident
    data: dict  # the retro JSON (contract)
    markdown: str
    link: str
    suggested: tuple[dict, ...] = ()  # recommendations the retro card offers to turn into action items
    doc_url: str = ""  # the retro's Feishu Doc once it exists (bot.retro.documents), else ""


def data_for(session: Session, incident: Incident, settings: Settings, *, now: datetime, sources: Sources) -> dict:
    """The retro JSON (contract), from the folder's playbooks, lexicon and KOL words."""
    return compute.compute(
        session,
        incident,
        library=sources.library,
        tz=settings.tz,
        lexicon=sources.lexicon,
        kol_words=sources.recommendations["kol_words"],
        now=now,
        cadence=group_cadence(session, incident.chat_id, settings),
        phrases=comment_phrases(settings.playbook_dir),
    )


def compile_retro(
    session: Session, incident: Incident, settings: Settings, llm: LLM | None = None, *, now: datetime
) -> Compiled:
    """The retro card's content: the JSON, the Markdown report, the signed link and the suggested actions, as of
    the caller's clock `now`."""
    sources = Sources.of(settings.playbook_dir)
    data = data_for(session, incident, settings, now=now, sources=sources)
    return Compiled(
        incident=incident,
        data=data,
        markdown=_markdown(
            data, settings, sources, now=now, names=_names(session, incident), summaries=polish.summaries(llm, data)
        ),
        link=links.link(session, settings, incident.id, now=now),
        suggested=tuple(actions.suggestions(optimization(data, sources.recommendations))),
        doc_url=_doc_url(session, incident),
    )


def html_for(session: Session, incident: Incident, settings: Settings, *, now: datetime) -> str:
    """The full report page behind the signed link (the page route draws it through `page_view`, cached)."""
    return page_view(session, incident, settings, now=now).render()


@dataclass(frozen=True)
class PageView:
    """The report page's inputs: `version` digests everything it shows, `render()` draws it (charts: the slow part)."""

    version: str
    render: Callable[[], str]


def page_view(session: Session, incident: Incident, settings: Settings, *, now: datetime) -> PageView:
    sources = Sources.of(settings.playbook_dir)
    data = data_for(session, incident, settings, now=now, sources=sources)
    names = _names(session, incident)
    shown = json.dumps([data, names], ensure_ascii=False, sort_keys=True, default=str)
    return PageView(
        hashlib.sha256(shown.encode("utf-8")).hexdigest(),
        lambda: _html(data, settings, sources, now=now, names=names),
    )


def document(session: Session, incident: Incident, settings: Settings, *, format: str, now: datetime) -> str:
    """`crisisbot retro`: the retro as Markdown, HTML or the contract's JSON (no LLM polish)."""
    sources = Sources.of(settings.playbook_dir)
    data = data_for(session, incident, settings, now=now, sources=sources)
    if format == "json":
        return json.dumps(data, ensure_ascii=False, indent=2)
    if format == "html":
        return _html(data, settings, sources, now=now, names=_names(session, incident))
    return _markdown(data, settings, sources, now=now, names=_names(session, incident))


def markdown_for(
    session: Session, incident: Incident, data: dict, settings: Settings, sources: Sources, *, now: datetime
) -> str:
    """The Markdown report of already computed retro `data` (the Feishu Doc's text, `bot.retro.outline`)."""
    return _markdown(data, settings, sources, now=now, names=_names(session, incident))


def _doc_url(session: Session, incident: Incident) -> str:
    row = session.exec(select(RetroDocument).where(RetroDocument.incident_id == incident.id)).first()
    return row.url if row is not None and row.document_id else ""


def _names(session: Session, incident: Incident) -> dict[str, str]:
    """Member id → the name people know them by (the roster, the chat's member list, the names messages carried), so
    reports show names, never ou_ ids."""
    return compute.member_names(session, incident.chat_id, reading.entries(session, incident.id))


def _markdown(
    data: dict, settings: Settings, sources: Sources, *, now: datetime, names: dict[str, str], summaries=None
) -> str:
    return render.markdown(
        data,
        names=names,
        tz=settings.tz,
        recommendations=sources.recommendations,
        library=sources.library,
        now=now,
        summaries=summaries,
    )


def _html(
    data: dict, settings: Settings, sources: Sources, *, now: datetime, names: dict[str, str], summaries=None
) -> str:
    return render.html(
        data,
        names=names,
        tz=settings.tz,
        recommendations=sources.recommendations,
        library=sources.library,
        lexicon=sources.lexicon,
        now=now,
        summaries=summaries,
    )
