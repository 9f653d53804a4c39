"""The inbox stores concurrent deliveries by group commit (issue 15): callers that arrive while a transaction is
being written are stored together in the next one, each returns only once its own event is committed, duplicates
are still refused, and on SQLite the commit before an ack runs with synchronous=FULL (item 18)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from bot.core import db, inbox
from bot.core.inbox import EventKeys
from tests.support import wait_until


@pytest.fixture
def engine(db_url):
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    yield engine
    engine.dispose()


def inserts_of_inbox_rows(engine) -> list[int]:
    """Rows per INSERT INTO inbox_event statement, as they run."""
    seen: list[int] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO INBOX_EVENT"):
            seen.append(len(parameters) if executemany else 1)

    return seen


def stored_ids(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.exec_driver_sql("SELECT event_id FROM inbox_event").scalars())


def record_in_threads(engine, keys: list[EventKeys]) -> dict[str, bool]:
    results: dict[str, bool] = {}

    def one(k: EventKeys) -> None:
        results[k.event_id] = inbox.record(engine, source="feishu", keys=k, payload={"id": k.event_id})

    threads = [threading.Thread(target=one, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def hold_write_lock(engine):
    """Another connection holding the database's write lock (SQLite) / the inbox table (PostgreSQL)."""
    conn = engine.raw_connection()
    cur = conn.cursor()
    if engine.dialect.name == "sqlite":
        conn.isolation_level = None
        cur.execute("BEGIN IMMEDIATE")
    else:
        cur.execute("LOCK TABLE inbox_event IN EXCLUSIVE MODE")
    return conn


def test_events_arriving_during_a_commit_are_stored_together_in_the_next(engine):
    inserts = inserts_of_inbox_rows(engine)
    lock = hold_write_lock(engine)
    keys = [EventKeys(f"ev{i}", "im.message.receive_v1", f"om{i}", "oc_1") for i in range(12)]
    results: dict[str, bool] = {}
    runner = threading.Thread(target=lambda: results.update(record_in_threads(engine, keys)))
    runner.start()
    writer = inbox._writer(engine, inbox.INBOX_SYNCHRONOUS)
    try:
        assert wait_until(lambda: len(writer._queue) == len(keys) - 1, timeout=20)  # one writing, the rest wait
        assert stored_ids(engine) == []  # nobody has returned: nothing is committed yet
        assert results == {}
    finally:
        lock.rollback()
        lock.close()
    runner.join(60)
    assert results == {k.event_id: True for k in keys}
    assert stored_ids(engine) == sorted(k.event_id for k in keys)
    assert inserts == [1, len(keys) - 1]  # two transactions for twelve events


def test_duplicates_in_one_batch_and_across_batches_are_refused(engine):
    assert inbox.record(engine, source="feishu", keys=EventKeys("ev0", "t", "om0", "oc"), payload={})
    keys = [
        EventKeys("ev0", "t", "om0", "oc"),  # stored before
        EventKeys("ev_other", "t", "om0", "oc"),  # same message, another event id
        EventKeys("ev1", "t", "om1", "oc"),
        EventKeys("ev1", "t", "om1", "oc"),  # the same delivery twice at once
        EventKeys("ev2", "t", None, "oc"),
    ]
    lock = hold_write_lock(engine)  # let all of them queue into one batch behind the first
    outcome: dict[int, bool] = {}

    def one(i: int) -> None:
        outcome[i] = inbox.record(engine, source="feishu", keys=keys[i], payload={})

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    writer = inbox._writer(engine, inbox.INBOX_SYNCHRONOUS)
    try:
        assert wait_until(lambda: len(writer._queue) >= len(keys) - 1, timeout=20)
    finally:
        lock.rollback()
        lock.close()
    for t in threads:
        t.join(60)
    assert outcome[0] is False and outcome[1] is False and outcome[4] is True
    assert sorted([outcome[2], outcome[3]]) == [False, True]  # exactly one of the twin deliveries
    assert stored_ids(engine) == ["ev0", "ev1", "ev2"]


def test_a_failing_commit_fails_every_caller_of_the_batch_and_stores_nothing(engine):
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON inbox_event BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ "
                "LANGUAGE plpgsql"
            )
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON inbox_event EXECUTE FUNCTION refuse()")
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            inbox.record(engine, source="feishu", keys=EventKeys(f"ev{i}", "t", f"om{i}", "oc"), payload={})
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(errors) == 6
    assert stored_ids(engine) == []


def test_the_inbox_commit_syncs_to_disk_on_sqlite_and_the_rest_does_not(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("PRAGMA synchronous is SQLite's (PostgreSQL commits are durable by default)")
    levels: list[int] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def level(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO INBOX_EVENT"):
            levels.append(cursor.connection.execute("PRAGMA synchronous").fetchone()[0])

    assert inbox.record(engine, source="feishu", keys=EventKeys("ev1", "t", "om1", "oc"), payload={})
    assert inbox.record(
        engine, source="feishu", keys=EventKeys("ev2", "t", "om2", "oc"), payload={}, synchronous="normal"
    )
    assert levels == [2, 1]  # FULL for the default inbox commit, NORMAL when asked
    with engine.connect() as conn:  # the pooled connection is handed back at the app's NORMAL
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
