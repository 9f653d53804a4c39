"""The retrospective as the group receives it: the computed report (bot.retro), its Markdown
and HTML renderings (bot.report), and the signed link — for /retro, at close, and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.config import Settings
from bot.core.llm import LLM
from bot.incidents.models import Incident
from bot.library.playbooks import load as load_playbooks
from bot.retro import compute as retro
from bot.retro import links as reportlinks
from bot.retro import polish as retro_polish


@dataclass(frozen=True)
class Compiled:
    incident: Incident
    data: dict  # the retro JSON (contract)
    markdown: str
    link: str
    suggested: tuple[dict, ...] = ()  # recommendations the retro card offers to turn into action items


def compile_retro(session: Session, incident: Incident, settings: Settings, llm: LLM | None = None) -> Compiled:
    from bot.followups import action_messaging as actionviews
    from bot.retro import render as report

    library = load_playbooks(settings.playbook_dir)
    data = retro.compute(session, incident, library=library, tz=settings.tz)
    recommendations = report.load_recommendations(settings.playbook_dir)
    return Compiled(
        incident=incident,
        data=data,
        markdown=report.markdown(
            data, tz=settings.tz, recommendations=recommendations, summaries=retro_polish.summaries(llm, data)
        ),
        link=reportlinks.link(session, settings, incident.id),
        suggested=tuple(actionviews.suggestions(report.optimization(data, recommendations))),
    )


def html_for(session: Session, incident: Incident, settings: Settings, llm: LLM | None = None) -> str:
    from bot.retro import render as report

    library = load_playbooks(settings.playbook_dir)
    data = retro.compute(session, incident, library=library, tz=settings.tz)
    return report.html(
        data,
        tz=settings.tz,
        recommendations=report.load_recommendations(settings.playbook_dir),
        summaries=retro_polish.summaries(llm, data),
    )
