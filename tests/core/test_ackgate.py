"""The processor gives way to acks being stored, but only to those under way when it asks: stores that start while it
waits do not hold it (under a steady stream the gate is never empty), and it asks at most once per slice."""

from __future__ import annotations

import threading
from contextlib import ExitStack

from bot.core.ackgate import AckGate
from tests.support import wait_until


def test_waits_for_the_stores_under_way_and_not_for_later_ones():
    gate = AckGate(slice_seconds=0)
    first, later = ExitStack(), ExitStack()
    first.enter_context(gate.storing())
    done = threading.Event()
    waiter = threading.Thread(target=lambda: (gate.wait_for_acks(timeout=30), done.set()))
    waiter.start()
    later.enter_context(gate.storing())  # arrives while the processor waits
    assert not done.wait(0.2)  # the first store is still under way
    first.close()
    assert wait_until(done.is_set, timeout=10)  # the later store is still being written: not waited for
    later.close()
    waiter.join()


def test_gives_way_at_most_once_per_slice():
    gate = AckGate(slice_seconds=60)
    gate.wait_for_acks(timeout=30)  # nothing under way: returns at once and starts a slice
    with gate.storing():
        finished = threading.Event()
        threading.Thread(target=lambda: (gate.wait_for_acks(timeout=30), finished.set())).start()
        assert wait_until(finished.is_set, timeout=10)  # inside the slice: no waiting, though a store is under way
