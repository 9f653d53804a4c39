"""Thin chat handlers: parse arguments, call a service in `bot/`, return what to say."""

from __future__ import annotations

from bot.core.router import Router


def build_router() -> Router:
    from handlers import (
        action,
        comments,
        crisis,
        draft,
        drill,
        help,
        log,
        metric,
        playbook,
        retro,
        review,
        roles,
        root,
        steps,
    )

    return Router(
        crisis.commands,
        roles.commands,
        log.commands,
        metric.commands,
        steps.commands,
        draft.commands,
        root.commands,
        action.commands,
        retro.commands,
        comments.commands,
        review.commands,
        drill.commands,
        playbook.commands,
        help.commands,
    )
