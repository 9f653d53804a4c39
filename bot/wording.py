"""Everything the bot says is a Jinja2 template under bot/templates/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"

KIND_LABELS = {"detection": "发现", "spread": "扩散", "metric": "数据", "action": "行动", "statement": "对外回应",
               "decision": "决定", "note": "备注", "system": "系统"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=select_autoescape(["html"]),
    )
    from bot import eventtime
    from bot.mentions import mention, neutralize

    env.globals["mention"] = mention
    env.filters["untrusted"] = neutralize
    env.filters["localtime"] = lambda at, settings: eventtime.format_local(at, settings.tz)
    env.filters["minutes"] = lambda delta: delta.total_seconds() / 60
    env.filters["duration"] = eventtime.format_duration
    env.filters["kind_label"] = lambda kind: KIND_LABELS.get(kind, kind)
    return env


def say(name: str, **context: object) -> str:
    """Render `templates/messages/<name>.j2` to chat text."""
    return environment().get_template(f"messages/{name}.j2").render(**context).strip()
