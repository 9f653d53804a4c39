"""Why an incident's level changed, as people read it: a threshold crossed is stored as data on `LevelChange`
(metric, value, threshold) and worded by `templates/retro/level_reason.j2` (“话题阅读 620万 超过 500万”, numbers
as the chat writes them); any other reason (a command, an older row) is the recorded text."""

from __future__ import annotations

from bot.core.wording import environment
from bot.timeline.models import LevelChange
from bot.timeline.values import format_value


def reason_text(change: LevelChange) -> str:
    if change.metric and change.value is not None and change.threshold is not None:
        return (
            environment()
            .get_template("retro/level_reason.j2")
            .render(
                metric=change.metric,
                value=format_value(change.metric, change.value),
                threshold=format_value(change.metric, change.threshold),
            )
            .strip()
        )
    return change.reason or ""
