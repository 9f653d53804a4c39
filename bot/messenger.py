"""What the outbox needs from a transport: send one message, idempotently."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Outbound


class SendError(Exception):
    """A send that failed. `retryable` errors are tried again with backoff."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Messenger(Protocol):
    def send(self, message: Outbound, *, uuid: str) -> str:
        """Deliver `message`; return the transport's message id. `uuid` makes retries idempotent."""
        ...
