"""Signed report links: `/reports/{id}?sig=…&exp=…` opens only with the HMAC of the incident id, the link's
expiry (Unix seconds, REPORT_LINK_DAYS after it was made) and the incident's link generation under
REPORT_SECRET (random per install and stored in the DB when not configured). Revoking an incident's links
(`crisisbot retro ID --revoke-links`) moves its generation on: every link made before stops opening, other
incidents' links and the secret stay as they were."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import Settings
from bot.core.models import AppState

SECRET_KEY = "report_secret"


def secret(session: Session, settings: Settings) -> str:
    """The signing key; created inside the caller's transaction the first time it is needed."""
    if settings.report_secret:
        return settings.report_secret
    row = session.get(AppState, SECRET_KEY)
    if row is None:
        row = AppState(key=SECRET_KEY, value=secrets.token_hex(32))
        session.add(row)
        session.flush()
    return row.value


def _generation_key(incident_id: int) -> str:
    return f"report_links:{incident_id}"


def generation(session: Session, incident_id: int) -> int:
    """How many times this incident's links were revoked (0: never)."""
    row = session.get(AppState, _generation_key(incident_id))
    return int(row.value) if row is not None else 0


def revoke(session: Session, incident_id: int) -> int:
    """Invalidate every link made so far for this incident (in the caller's transaction); the new generation."""
    row = session.get(AppState, _generation_key(incident_id))
    if row is None:
        row = AppState(key=_generation_key(incident_id), value="0")
    row.value = str(int(row.value) + 1)
    session.add(row)
    session.flush()
    return int(row.value)


def signature(incident_id: int, expires: int, generation: int, key: str) -> str:
    message = f"report:{incident_id}:{expires}:{generation}"
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]


def valid(session: Session, settings: Settings, incident_id: int, sig: str, exp: str, *, now: datetime) -> bool:
    """The link opens: signed for this incident, expiry and current generation, and not yet expired."""
    if not exp.isascii() or not exp.isdigit() or len(exp) > 12:
        return False
    key = secret(session, settings)
    expected = signature(incident_id, int(exp), generation(session, incident_id), key)
    return hmac.compare_digest(expected, sig or "") and now.timestamp() < int(exp)


def link(session: Session, settings: Settings, incident_id: int, *, now: datetime) -> str:
    """A link to the report page, open for REPORT_LINK_DAYS from `now`."""
    key = secret(session, settings)
    expires = int((now + timedelta(days=settings.report_link_days)).timestamp())
    sig = signature(incident_id, expires, generation(session, incident_id), key)
    return f"{settings.public_base_url.rstrip('/')}/reports/{incident_id}?sig={sig}&exp={expires}"
