"""Everything the bot says is a Jinja2 template under bot/templates/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
    from bot.clock import parse as eventtime
    from bot.core import labels
    from bot.core.mentions import mention, neutralize

    env.globals["mention"] = mention
    env.filters["untrusted"] = neutralize
    env.filters["localtime"] = lambda at, settings: eventtime.format_local(at, settings.tz)
    env.filters["minutes"] = lambda delta: delta.total_seconds() / 60
    env.filters["duration"] = eventtime.format_duration
    env.filters["kind_label"] = labels.kind
    env.globals["label"] = labels.label
    return env


def say(name: str, **context: object) -> str:
    """Render `templates/messages/<name>.j2` to chat text."""
    return environment().get_template(f"messages/{name}.j2").render(**context).strip()
