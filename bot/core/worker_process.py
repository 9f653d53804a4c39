"""`crisisbot serve` in a Feishu mode runs the background work — processing stored events, sending, the sweep, the
Feishu Doc and Task workers — in a second process forked at start-up (WORKER_PROCESS, on by default), so that an
ack never waits for the interpreter lock behind an event being processed: the serving process only verifies, stores
and answers (and serves report pages and /healthz).

The two share only the database — the inbox and outbox already coordinate every process on it (replicas do the
same) — and a pipe: after storing an event the server writes one byte to wake the worker's inbox pass (a lost wake
costs at most the worker's 1 s poll). The worker dies with the server (PR_SET_PDEATHSIG, and the pipe's end of file);
if it dies on its own, the server logs why and runs the work itself from then on, so nothing waits for a restart.
The fork happens before the server starts any thread or event loop; `gc.freeze()` keeps the imported code shared."""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
WAKES = {"inbox": b"i", "outbox": b"o"}
PR_SET_PDEATHSIG = 1
# When the CPU is short, the kernel favours the acks (Feishu waits 3 s for them) and processing catches up after.
# bench/webhook.py at 200 ev/s on 2 cores with two CPU-bound neighbours: niceness 0 gave ack p99 410-450 ms with
# processing 0.15 s behind, 10 gave 300 ms but processing 40 s behind, 3 gives 300 ms with processing 4 s behind.
WORKER_NICENESS = 3


class Background(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class Wakeable(Protocol):
    def wake_here(self, what: str) -> None: ...


class WorkerProcess:
    """The serving side's handle on the forked worker."""

    def __init__(self, pid: int, pipe: int, *, runtime: Wakeable, background: Sequence[Background]) -> None:
        self.pid = pid
        self._pipe = pipe
        self._runtime = runtime
        self._background = background
        self._stopping = threading.Event()
        self.exit_status: str | None = None  # why it ended, when it ended on its own
        self._watcher = threading.Thread(target=self._watch, name="worker-watch", daemon=True)

    @property
    def alive(self) -> bool:
        return self.exit_status is None

    def watch(self) -> None:
        """Start noticing the worker's death (from the server's start-up, once it runs threads)."""
        self._watcher.start()

    def wake(self, what: str) -> None:
        """Wake the worker's `what` pass; while the worker is gone, the pass in this process."""
        if not self.alive:
            self._runtime.wake_here(what)
            return
        try:
            os.write(self._pipe, WAKES[what])
        except BlockingIOError:  # the pipe is full of wakes not read yet: the worker is awake anyway
            pass
        except OSError:  # the worker is gone; the watcher takes over
            self._runtime.wake_here(what)

    def _watch(self) -> None:
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.exit_status = f"exit code {code}" if code >= 0 else f"signal {signal.Signals(-code).name}"
        if self._stopping.is_set():
            return
        log.error(
            "worker process %d ended (%s): events are processed in the serving process from now on",
            self.pid,
            self.exit_status,
        )
        for part in self._background:
            part.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the worker (it finishes the event in hand), or the work taken over after it died."""
        self._stopping.set()
        if self.alive:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self._watcher.join(timeout)
            if self._watcher.is_alive():
                log.error("worker process %d did not stop within %.0f s; killed", self.pid, timeout)
                os.kill(self.pid, signal.SIGKILL)
                self._watcher.join(timeout)
        else:
            for part in reversed(self._background):
                part.stop()
        try:
            os.close(self._pipe)
        except OSError:
            pass

    def describe(self) -> dict[str, object]:
        """For /healthz."""
        if self.alive:
            return {"processing": "worker process", "worker_pid": self.pid}
        return {"processing": "serving process", "worker_exit": self.exit_status}


def fork(engine: Engine, runtime: Wakeable, background: Sequence[Background]) -> WorkerProcess:
    """Fork the worker; in the child this never returns. Call before the server starts threads or an event loop."""
    if threading.active_count() > 1:
        log.warning("forking the worker process with %d threads running", threading.active_count())
    engine.dispose()  # no pooled connection crosses the fork
    gc.freeze()  # objects made so far stay in pages shared with the child (a GC pass would touch them all)
    read_end, write_end = os.pipe()
    parent = os.getpid()
    for handler in logging.getLogger().handlers:
        handler.flush()
    pid = os.fork()
    if pid == 0:
        os.close(write_end)
        _child(parent, read_end, runtime, background)
    os.close(read_end)
    os.set_blocking(write_end, False)
    log.info("worker process %d started: processing, sends and schedules run there", pid)
    return WorkerProcess(pid, write_end, runtime=runtime, background=background)


def _child(parent: int, pipe: int, runtime: Wakeable, background: Sequence[Background]) -> None:
    code = 0
    stopping = threading.Event()
    try:
        _die_with(parent)
        os.nice(WORKER_NICENESS)
        # Ctrl-C reaches the whole process group: the server stops first and then stops this process (SIGTERM).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        threading.Thread(target=_read_wakes, args=(pipe, runtime, stopping), name="wakes", daemon=True).start()
        for part in background:
            part.start()
        log.info("worker process %d running (server %d)", os.getpid(), parent)
        while not stopping.wait(1.0):
            if os.getppid() != parent:
                break
        log.info("worker process %d stopping", os.getpid())
        for part in reversed(background):
            part.stop()
    except BaseException:
        log.exception("worker process %d failed", os.getpid())
        code = 1
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _read_wakes(pipe: int, runtime: Wakeable, stopping: threading.Event) -> None:
    names = {byte: name for name, byte in WAKES.items()}
    while True:
        try:
            chunk = os.read(pipe, 4096)
        except OSError:
            chunk = b""
        if not chunk:  # the server is gone
            stopping.set()
            return
        for byte in set(chunk):
            name = names.get(bytes([byte]))
            if name:
                runtime.wake_here(name)


def _die_with(parent: int) -> None:
    """SIGTERM this process when the server dies, even by SIGKILL (Linux); elsewhere the pipe's EOF does it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the prctl took effect
        os._exit(0)
