"""The report page behind a signed link, rendered once per version of the retro.

Forty people opening the link the CEO forwarded must not starve the webhook: the page is keyed by what it shows (the
retro data and the names, plus the minute while the incident is open, since its page says “截至 HH:MM”), kept in a
small LRU, and at most `RENDERS` pages are drawn at once (charts are the slow part). The web route waits for a slot
without holding a worker thread (`bot.app`), so webhook acks never queue behind page work."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.incidents.models import Incident
from bot.retro import flows

RENDERS = 2  # pages drawn at the same time
KEEP = 32  # rendered pages kept


class ReportPages:
    def __init__(self, engine: Engine, settings: Settings, *, keep: int = KEEP) -> None:
        self.engine, self.settings, self.keep = engine, settings, keep
        self._pages: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()
        self._drawing = threading.BoundedSemaphore(RENDERS)
        self._inflight: dict[tuple, threading.Event] = {}  # pages being drawn: later askers wait for them
        self.rendered = 0  # pages drawn since start (tests and logs read it)

    def page(self, incident_id: int, *, now: datetime) -> str | None:
        """The HTML report of an incident as of `now`; None when there is no such incident."""
        with Session(self.engine) as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                return None
            view = flows.page_view(session, incident, self.settings, now=now)
        key = (incident_id, view.version, None if incident.closed_at else now.replace(second=0, microsecond=0))
        found = self._cached(key)
        if found is not None:
            return found
        with self._lock:
            drawing = self._inflight.get(key)
            mine = drawing is None
            if mine:
                drawing = self._inflight[key] = threading.Event()
        if not mine:  # another request is drawing this very page: wait for it rather than draw it twice
            drawing.wait()
            found = self._cached(key)
            if found is not None:
                return found
        try:
            with self._drawing:
                html = view.render()
                self.rendered += 1
            with self._lock:
                self._pages[key] = html
                self._pages.move_to_end(key)
                while len(self._pages) > self.keep:
                    self._pages.popitem(last=False)
        finally:
            if mine:
                with self._lock:
                    self._inflight.pop(key, None)
                drawing.set()
        return html

    def _cached(self, key: tuple) -> str | None:
        with self._lock:
            found = self._pages.get(key)
            if found is not None:
                self._pages.move_to_end(key)
            return found
