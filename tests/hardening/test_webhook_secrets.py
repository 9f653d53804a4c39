"""Issue 15, item 2: when storing an event fails, the webhook answers a fixed JSON body; the verification
token never shows in a response, in the log or in a stored inbox payload."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from bot.core.db import make_engine
from tests.fakes.feishu_webhook import card_action_event, message_event
from tests.feishu_group import FeishuGroup
from tests.support import T0, Clock, serve, wait_until

TOKEN = "vt-Secret-7f3a9c51e2"
CHAT = "oc_hardening_secrets"
# A trigger that makes the database refuse every write to the inbox, in each dialect's words.
REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_writes BEFORE INSERT ON inbox_event BEGIN INSERT INTO no_such_table VALUES (1); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_writes() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'writes refused'; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_writes BEFORE INSERT ON inbox_event FOR EACH ROW EXECUTE FUNCTION refuse_writes()",
    ],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_writes"],
    "postgresql": ["DROP TRIGGER refuse_writes ON inbox_event", "DROP FUNCTION refuse_writes()"],
}


@pytest.fixture
def group(db_url, fake_feishu):
    made = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id=CHAT, feishu_verification_token=TOKEN)
    with serve(made.app) as url:
        made.url = url
        yield made


def event(n: int, text: str) -> dict:
    return message_event(
        event_id=f"ev_secret_{n}",
        message_id=f"om_secret_{n}",
        chat_id=CHAT,
        text=text,
        sender_open_id="ou_ceo",
        token=TOKEN,
        create_time_ms=int(T0.timestamp() * 1000) + n,
    )


def stored_payloads(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT payload FROM inbox_event"))]
    finally:
        engine.dispose()


def execute(db_url: str, statements: dict[str, list[str]]) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            for statement in statements[engine.dialect.name]:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_a_failed_store_answers_a_fixed_body_and_never_leaks_the_token(group, db_url, caplog):
    caplog.set_level(logging.DEBUG)
    execute(db_url, REFUSE)  # the database refuses every write to the inbox
    response = group.post(event(1, "面霜过敏的帖子上热搜了"))
    assert response.status_code == 500
    assert response.json() == {"msg": "event not stored, will be retried"}
    assert TOKEN not in response.text and "面霜过敏" not in response.text and "INSERT" not in response.text
    assert TOKEN not in caplog.text and "面霜过敏" not in caplog.text
    # what a maintainer needs: the event id and the error class (SQLite: OperationalError; PostgreSQL reports the
    # trigger's exception as a ProgrammingError)
    assert "ev_secret_1" in caplog.text
    assert any(kind in caplog.text for kind in ("OperationalError", "ProgrammingError", "InternalError"))
    assert stored_payloads(db_url) == []

    execute(db_url, ALLOW)  # Feishu's retry arrives once the database is back
    assert group.post(event(1, "面霜过敏的帖子上热搜了")).status_code == 200
    click = card_action_event(
        event_id="ev_secret_card", open_id="ou_ceo", chat_id=CHAT, message_id="om_secret_1", value={}, token=TOKEN
    )
    assert TOKEN not in group.post(click).text
    assert wait_until(lambda: len(stored_payloads(db_url)) == 2)
    payloads = stored_payloads(db_url)
    assert all(TOKEN not in p for p in payloads)
    assert json.loads(payloads[0])["event"]["message"]["message_id"] == "om_secret_1"
    assert TOKEN not in caplog.text
