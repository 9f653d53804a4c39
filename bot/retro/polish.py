"""Optional LLM polish of the retrospective: a short narrative per section, shown marked as
generated above the computed content. It never replaces a computed number, and any failure
simply leaves the report without it."""

from __future__ import annotations

import json

from bot.core import labels
from bot.core.llm import LLM
from bot.core.wording import environment
from bot.drafting.drafts import sanitize


def summaries(llm: LLM | None, data: dict) -> dict[str, str]:
    if llm is None:
        return {}
    payload = json.dumps({k: v for k, v in data.items() if k != "timeline"}, ensure_ascii=False)
    answer = llm.json_reply(
        [
            {"role": "system", "content": environment().get_template("prompts/retro_summary.j2").render()},
            {"role": "user", "content": payload},
        ]
    )
    if not answer:
        return {}
    return {
        section: sanitize(str(answer[section]), given=payload)[:400]
        for section in labels.SECTIONS
        if isinstance(answer.get(section), str) and answer[section].strip()
    }
