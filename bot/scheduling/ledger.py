"""Once-only notices: a ledger of the keys already sent, per incident (step reminders, alerts) or per group
(quarterly review, drill reminder), and the rule for stages whose time passed while nobody looked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.scheduling.models import ChatNotice, Notice

LATE_AFTER = timedelta(minutes=2)  # sent later than this after its time → marked late (补发)


@dataclass(frozen=True)
class Ledger:
    """The notices of one incident (`incident_id`) or, outside incidents, of one group (`chat_id`)."""

    session: Session
    incident_id: int | None = None
    chat_id: str | None = None

    def sent(self, key: str) -> bool:
        if self.incident_id is not None:
            stmt = select(Notice.id).where(Notice.incident_id == self.incident_id, Notice.key == key)
        else:
            stmt = select(ChatNotice.id).where(ChatNotice.chat_id == self.chat_id, ChatNotice.key == key)
        return self.session.exec(stmt).first() is not None

    def note(self, key: str, at: datetime) -> None:
        if self.incident_id is not None:
            self.session.add(Notice(incident_id=self.incident_id, key=key, sent_at=at))
        else:
            self.session.add(ChatNotice(chat_id=self.chat_id, key=key, sent_at=at))


def latest_unsent(
    ledger: Ledger, prefix: str, times: dict[str, datetime], now: datetime
) -> tuple[str, datetime, bool] | None:
    """(stage, its time, late) of the latest stage in `times` (in order) whose time passed and that was not
    noticed yet; earlier passed stages are recorded as superseded. `prefix` should carry the deadline so a
    moved deadline re-arms the stages."""
    passed = [stage for stage, at in times.items() if at <= now]
    if not passed:
        return None
    for stage in passed[:-1]:
        if not ledger.sent(f"{prefix}:{stage}"):
            ledger.note(f"{prefix}:{stage}", now)
    latest = passed[-1]
    if ledger.sent(f"{prefix}:{latest}"):
        return None
    ledger.note(f"{prefix}:{latest}", now)
    return latest, times[latest], now - times[latest] > LATE_AFTER
