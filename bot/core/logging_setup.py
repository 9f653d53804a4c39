"""What the operator's log holds. At INFO: events handled, messages sent, sweeps that queued something,
errors and slow things. Routine work that changed nothing is DEBUG: the sandbox page polling its
transcript, health checks, APScheduler starting and finishing the sweep job, sweeps that found nothing.
`crisisbot serve --log-level debug` (or LOG_LEVEL=debug) shows everything."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LEVELS = ("debug", "info", "warning", "error")

# Requests that a browser tab or a health check repeats all day: (method, path) answered without an error.
ROUTINE_REQUESTS = frozenset({("GET", "/sandbox/api/messages"), ("GET", "/healthz")})
# Libraries whose INFO lines narrate their own routine (APScheduler: "Running job …", "Added job …";
# Alembic: "setup plugin …" on every start).
ROUTINE_LOGGERS = ("apscheduler", "alembic.runtime.plugins")
ACCESS_LOGGER = "uvicorn.access"
# Libraries whose DEBUG lines are their own internals (matplotlib scores every font for every label).
CHATTY_LIBRARIES = ("matplotlib", "PIL")


# APScheduler warns when the interval sweep comes while an event-triggered one still runs; the next one follows.
ROUTINE_WARNINGS = ("maximum number of running instances reached",)


def is_routine(record: logging.LogRecord) -> bool:
    """An INFO line (or a library's harmless warning) that says nothing happened worth an operator's attention."""
    if record.levelno == logging.WARNING and record.name.startswith(ROUTINE_LOGGERS):
        return any(words in record.getMessage() for words in ROUTINE_WARNINGS)
    if record.levelno != logging.INFO:
        return False
    if record.name.startswith(ROUTINE_LOGGERS):
        return True
    if record.name == ACCESS_LOGGER and isinstance(record.args, tuple) and len(record.args) == 5:
        _client, method, path, _version, status = record.args
        return (method, str(path).split("?", 1)[0]) in ROUTINE_REQUESTS and int(status) < 400
    return False


class RoutineAtDebug(logging.Filter):
    """Relabels routine lines as DEBUG, and lets them through only when the log shows DEBUG."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if is_routine(record):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return self.level <= logging.DEBUG
        return True


def configure(level: str = "info") -> None:
    """One handler on the root logger (stderr) for the bot, uvicorn and the libraries alike."""
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r} (one of {', '.join(LEVELS)})")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RoutineAtDebug(number))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(number)
    for name in ("uvicorn", "uvicorn.error", ACCESS_LOGGER):
        logger = logging.getLogger(name)  # uvicorn's own config is off: its lines go through this handler
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(number, logging.INFO))
