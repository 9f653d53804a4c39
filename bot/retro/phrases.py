"""The retro's short phrases (finding evidence, report cells, chart titles and legends): Jinja macros in
`templates/findings/evidence.j2`, `templates/report/words.j2` and `templates/retro/charts.j2`, called by name."""

from __future__ import annotations

from bot.core.wording import environment


def phrase(template: str, name: str, /, *args: object, **values: object) -> str:
    """The macro `name` of `template` rendered with the arguments, stripped."""
    return str(getattr(environment().get_template(template).module, name)(*args, **values)).strip()


def evidence(name: str, /, **values: object) -> str:
    return phrase("findings/evidence.j2", name, **values)


def word(name: str, /, **values: object) -> str:
    return phrase("report/words.j2", name, **values)


def chart(name: str, /, **values: object) -> str:
    return phrase("retro/charts.j2", name, **values)
