"""/舆情 (/sentiment): the public's side of the crisis now — the negative share, per platform, the emotion mix, the
complaint keywords and the user segments of the imported comments (the retro's `comments` object, one source), as a
card, and the negative-share curve as an image below it. Wording: `templates/cards/public.j2`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.core.messages import Card, Markdown, Outbound
from bot.core.wording import environment, say
from bot.incidents.models import Incident
from bot.retro import charts, flows
from bot.retro.charts.inputs import ChartInputs
from bot.retro.public import public_view
from bot.retro.timetable import Formats

SHOWN = 8  # keywords, emotions and curve points named on the card


def public_outputs(session: Session, incident: Incident, settings: Settings, *, chat_id: str, now: datetime):
    """The card and the curve; a one-line answer when no comments were imported yet."""
    sources = flows.Sources.of(settings.playbook_dir)
    data = flows.data_for(session, incident, settings, now=now, sources=sources)
    fmt = Formats(tz=settings.tz, year=incident.started_at.astimezone(settings.tz).year, names={})
    view = public_view(data.get("comments"), fmt)
    if view is None:
        return say("public_nothing_imported")
    body = environment().get_template("cards/public.j2").render(view=view, shown=SHOWN)
    card = Card(title=say("public_title", incident=incident), blocks=(Markdown(body.strip()),), color="orange")
    curve = charts.negative_chart(data, inputs=ChartInputs.of(sources.library, sources.lexicon), tz=settings.tz)
    return [
        Outbound(chat_id=chat_id, kind="card", card=card),
        Outbound(chat_id=chat_id, kind="image", file_name=f"舆情曲线-事件{incident.id}.png", content=curve),
    ]
