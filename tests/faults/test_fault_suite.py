"""Issue 15's fault suite in CI: the scenarios of bench/faults.py (which runs them at full size) with 40 events
each — redelivery, SIGKILL of a real `crisisbot serve` mid-burst, Open API outages of 45 s and 2 hours on the
bot's clock, a locked / read-only / full SQLite database, two replicas on PostgreSQL — and for each: no event lost,
none processed twice, no reply shown twice, replies in order per chat, and the fault really happened."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench import faults


@pytest.fixture
def fake() -> Iterator:
    started = faults.start_fake()  # bench/webhook.py's fake Open API, watching sends per chat
    yield started
    started.stop()


@pytest.fixture
def suite(fake, tmp_path, db_url) -> faults.Suite:
    """Small sizes; the scenario's database is the test's (`db_url`: SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
    made = faults.Suite(fake, tmp_path, faults.CI, database=lambda _name: db_url)
    if not db_url.startswith("sqlite"):
        made.postgres = lambda _name: db_url
    return made


def run(suite: faults.Suite, name: str) -> faults.Result:
    result = faults.SCENARIOS[name](suite)
    assert result.ok, result.line()
    assert result.found["events_sent"] == faults.CI.events
    assert result.found["help_sent"] == faults.CI.events // faults.HELP_EVERY
    return result


def test_every_event_delivered_three_times_is_handled_once(suite):
    result = run(suite, "redelivery")
    assert result.delivery.acked == 3 * faults.CI.events  # every copy was acknowledged, and stored once


@pytest.mark.timeout(300)  # two starts of a real process: importing lark-oapi alone can take 20 s on a busy machine
def test_sigkill_mid_burst_then_restart_loses_and_repeats_nothing(suite):
    result = run(suite, "sigkill")
    assert len(result.notes["killed_at_acks"]) == len(faults.CI.kill_at)
    assert result.notes["killed_at_acks"][0] < faults.CI.events  # the kill came before the burst was through
    assert result.delivery.refused  # Feishu had to deliver again what the dead process never acknowledged


@pytest.mark.parametrize("name", ["outage_45s", "outage_2h"])
def test_an_open_api_outage_delays_replies_without_losing_or_repeating_them(suite, name):
    result = run(suite, name)
    assert result.found["failed_send_attempts"] > 0
    if name == "outage_2h":
        # Sends failing for longer than HEALTH_STUCK_SEND_SECONDS make /healthz answer 503; afterwards each chat
        # with late replies hears so once.
        assert result.notes["healthz_during_outage"].get(503)
        assert result.found["delay_notices"] >= 1


@pytest.mark.parametrize("kind", ["locked", "readonly", "full"])
def test_a_database_that_refuses_writes_mid_burst_loses_nothing(suite, kind):
    result = run(suite, f"db_{kind}")  # always on a SQLite file of its own: these are SQLite's faults
    assert result.delivery.refused  # events arriving meanwhile were refused or not answered in time


@pytest.mark.timeout(300)
def test_two_replicas_on_postgresql_one_killed_mid_burst(suite, db_url):
    if db_url.startswith("sqlite"):
        pytest.skip("two replicas share a PostgreSQL database: runs where TEST_DATABASE_URL is set")
    result = faults.SCENARIOS["replicas"](suite)
    assert not result.problems, result.line()  # incl. two sends of one chat in flight at once across replicas
    assert result.delivery.acked == 2 * faults.CI.events
    assert not result.found["concurrent_sends_same_chat"], result.line()
