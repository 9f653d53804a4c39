"""The OpenAI-compatible LLM (OpenAI, DeepSeek, Qwen/DashScope, a local vLLM): optional.
Every call has a timeout; any failure returns None and the caller keeps its rule-based answer."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from bot.config import Settings

log = logging.getLogger(__name__)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class LLM:
    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI

        self.model = settings.openai_model
        self.client = OpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url or None,
            timeout=settings.openai_timeout_seconds,
            max_retries=1,
        )

    def json_reply(self, messages: list[dict[str, str]], *, temperature: float = 0.0) -> dict[str, Any] | None:
        """The model's answer parsed as a JSON object, or None on any error."""
        try:
            response = self.client.chat.completions.create(model=self.model, messages=messages, temperature=temperature)
            text = (response.choices[0].message.content or "").strip()
            data = json.loads(_FENCE.sub("", text))
        except Exception as exc:  # timeout, HTTP error, refusal, non-JSON answer
            log.warning("LLM call failed: %s: %s", type(exc).__name__, exc)
            return None
        return data if isinstance(data, dict) else None


def from_settings(settings: Settings) -> LLM | None:
    if not (settings.openai_api_key and settings.openai_model):
        return None
    return LLM(settings)
