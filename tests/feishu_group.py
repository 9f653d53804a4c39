"""An emergency group talking to a running bot (signed, encrypted webhook in; fake Feishu Open API out) whose
business clock the test controls: the driver of the step, drill and action-card tests."""

from __future__ import annotations

from datetime import datetime

import httpx

from bot.app import create_app
from tests.fakes.feishu_webhook import message_event, webhook_request
from tests.support import ENCRYPT_KEY, VERIFICATION_TOKEN, Clock, feishu_settings, wait_until

PEOPLE = {
    "lead": ("ou_ceo", "周总"),
    "ops": ("ou_ops", "王运营"),
    "marketing": ("ou_mkt", "李市场"),
    "support": ("ou_cs", "张客服"),
    "qa": ("ou_qa", "陈质检"),
}
ROLE_WORDS = {"lead": "负责人", "ops": "运营", "marketing": "市场", "support": "客服", "qa": "质检"}


class FeishuGroup:
    def __init__(self, db_url: str, fake, clock: Clock, *, chat_id: str, **settings) -> None:
        self.fake, self.clock, self.db_url, self.chat_id = fake, clock, db_url, chat_id
        fake.owners.setdefault(chat_id, "ou_ceo")  # the CEO created the group: may name its first lead
        self.app = create_app(feishu_settings(db_url, fake, sweep_interval_seconds=3600, **settings), clock=clock)
        self.runtime = self.app.state.runtime
        self.count = 0
        self.url = ""

    def post(self, payload: dict) -> httpx.Response:
        body, headers = webhook_request(payload, ENCRYPT_KEY)
        return httpx.post(f"{self.url}/feishu/events", content=body, headers=headers, timeout=10)

    def say(self, who: str, text: str, mentions: list[tuple[str, str]] = ()) -> list[dict]:
        """Post a message as `who`; returns what the bot sent from then until it was idle again."""
        before = len(self.fake.sent_messages)
        self.count += 1
        message_id = f"om_{self.count}_{int(self.clock.now.timestamp())}"
        event = message_event(
            event_id=f"ev_{message_id}",
            message_id=message_id,
            chat_id=self.chat_id,
            text=text,
            sender_open_id=who,
            token=VERIFICATION_TOKEN,
            create_time_ms=int(self.clock.now.timestamp() * 1000),
            mentions=[{"open_id": i, "name": n} for i, n in mentions] or None,
        )
        assert self.post(event).status_code == 200
        assert wait_until(self.idle)
        return self.fake.sent_messages[before:]

    def idle(self) -> bool:
        health = httpx.get(f"{self.url}/healthz").json()
        return set(health["inbox"]) <= {"done"} and health["outbox_pending"] == 0

    def at(self, when: datetime) -> int:
        """Move the clock and run the sweep the scheduler would run; returns how many it queued."""
        self.clock.now = when
        queued = self.runtime.sweep()
        assert wait_until(self.idle)
        return queued

    def texts(self) -> list[str]:
        return [m["content"]["text"] for m in self.fake.sent_messages if m["msg_type"] == "text"]

    def cards(self) -> list[dict]:
        return [m for m in self.fake.sent_messages if m["msg_type"] == "interactive"]

    def assign_everyone(self) -> None:
        for role, (user, name) in PEOPLE.items():
            self.say("ou_ceo", f"/角色 {ROLE_WORDS[role]} @_user_1", [(user, name)])
