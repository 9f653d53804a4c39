"""Signed report links: `/reports/{id}?sig=…` opens only with the HMAC of the incident id under
REPORT_SECRET (random per install and stored in the DB when not configured)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

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


def signature(incident_id: int, key: str) -> str:
    return hmac.new(key.encode(), f"report:{incident_id}".encode(), hashlib.sha256).hexdigest()[:32]


def valid(incident_id: int, sig: str, key: str) -> bool:
    return hmac.compare_digest(signature(incident_id, key), sig or "")


def link(session: Session, settings: Settings, incident_id: int) -> str:
    key = secret(session, settings)
    return f"{settings.public_base_url.rstrip('/')}/reports/{incident_id}?sig={signature(incident_id, key)}"
