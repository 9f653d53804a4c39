"""Everything the bot says is a Jinja2 template under bot/templates/."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.core.bundled import TEMPLATES

__all__ = ["TEMPLATES", "environment", "render", "say"]


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
    from bot.clock.format import format_duration, format_local
    from bot.core import labels
    from bot.core.mentions import mention, neutralize

    env.globals["mention"] = mention
    env.filters["untrusted"] = neutralize
    env.filters["localtime"] = lambda at, settings: format_local(at, settings.tz)
    env.filters["minutes"] = lambda delta: delta.total_seconds() / 60
    env.filters["duration"] = format_duration
    env.filters["kind_label"] = labels.kind
    env.globals["label"] = labels.label
    return env


def say(name: str, **context: object) -> str:
    """Render `templates/messages/<name>.j2` to chat text."""
    return environment().get_template(f"messages/{name}.j2").render(**context).strip()


def render(template: str, /, **context: object) -> str:
    """Render `templates/<template>.j2` (e.g. `core/card_received`) to text, stripped."""
    return environment().get_template(f"{template}.j2").render(**context).strip()
