"""The retrospective as the group receives it: the computed report (bot.retro), its Markdown
and HTML renderings (bot.report), and the signed link — for /retro, at close, and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot import reportlinks, retro
from bot.config import Settings
from bot.models import Incident
from bot.playbooks import load as load_playbooks


@dataclass(frozen=True)
class Compiled:
    incident: Incident
    data: dict  # the retro JSON (contract)
    markdown: str
    link: str


def compile_retro(session: Session, incident: Incident, settings: Settings) -> Compiled:
    from bot import report

    library = load_playbooks(settings.playbook_dir)
    data = retro.compute(session, incident, library=library, tz=settings.tz)
    recommendations = report.load_recommendations(settings.playbook_dir)
    return Compiled(
        incident=incident,
        data=data,
        markdown=report.markdown(data, tz=settings.tz, recommendations=recommendations),
        link=reportlinks.link(session, settings, incident.id),
    )


def html_for(session: Session, incident: Incident, settings: Settings) -> str:
    from bot import report

    library = load_playbooks(settings.playbook_dir)
    data = retro.compute(session, incident, library=library, tz=settings.tz)
    return report.html(data, tz=settings.tz, recommendations=report.load_recommendations(settings.playbook_dir))
