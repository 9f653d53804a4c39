"""An import that pushes the public's negative share over the alert line raises the usual alert, once per
crossing. The curve is the imported comments' (`bot.comments.analysis` import points: 30-minute buckets with enough
comments); a crossing is a point above the line whose previous point was not (or that opens the curve). Only the
latest crossing not announced yet is posted, with the newest bucket's share beside it; earlier ones in the same
import are recorded as announced too, so a file that covers three days does not post three alerts, and importing
it again posts nothing. Playbook steps that wait on the negative share (`when: negative_ratio_above`) keep reading
the typed samples; the alert is the group's cue to look."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.comments import analysis
from bot.config import Settings
from bot.core.messages import Outbound
from bot.incidents import roster
from bot.incidents.messaging import announcements
from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import load as load_playbooks
from bot.scheduling.ledger import Ledger
from bot.timeline.severity import NegativeAlert

KEY = "negative_alert:import"


def crossings(buckets: list[analysis.Bucket], threshold: float) -> list[tuple[analysis.Bucket, analysis.Bucket | None]]:
    """(bucket, the point before it or None) for each point of the curve that crosses `threshold` upward."""
    found = []
    before: analysis.Bucket | None = None
    for bucket in buckets:
        if bucket.total < analysis.MIN_BUCKET:
            continue
        if bucket.share > threshold and (before is None or before.share <= threshold):
            found.append((bucket, before))
        before = bucket
    return found


def new_alert(session: Session, incident: Incident, *, threshold: float, now: datetime) -> NegativeAlert | None:
    """The latest crossing of the imported curve that no alert went out for yet (all crossings recorded)."""
    curve = analysis.buckets(session, analysis.Window(incident.id))
    found = crossings(curve, threshold)
    ledger = Ledger(session, incident_id=incident.id)
    fresh = [(bucket, before) for bucket, before in found if not ledger.sent(_key(bucket))]
    for bucket, _ in fresh:
        ledger.note(_key(bucket), now)
    if not fresh:
        return None
    bucket, before = fresh[-1]
    points = analysis.import_points(curve)
    return NegativeAlert(
        at=bucket.end,
        value=bucket.share,
        previous=before.share if before else None,
        threshold=threshold,
        comments=bucket.total,
        latest=points[-1].value if points else None,
    )


def alert_messages(session: Session, incident_id: int, *, settings: Settings, now: datetime) -> list[Outbound]:
    """The group alert an import caused, if any, with the lead @mentioned (to send after the import summary).
    A closed incident's import (comments gathered for the retro) alerts nobody."""
    incident = session.get(Incident, incident_id)
    if incident is None or incident.status != "open":
        return []
    library = load_playbooks(settings.playbook_dir)
    alert = new_alert(session, incident, threshold=library.severity.alert.negative_ratio_above, now=now)
    if alert is None:
        return []
    texts = announcements(
        incident,
        [alert],
        members=roster.roster(session, incident.chat_id),
        lexicon=load_lexicon(settings.playbook_dir),
        library=library,
        settings=settings,
    )
    return [Outbound(chat_id=incident.chat_id, text=text) for text in texts]


def _key(bucket: analysis.Bucket) -> str:
    return f"{KEY}:{bucket.end.isoformat()}"
