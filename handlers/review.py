"""/review (/季度复盘): the quarterly review of this group on demand; /review schedule sets when it comes."""

from __future__ import annotations

from bot.clock.quarters import Quarter, QuarterError
from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.followups import cadence, messaging, review
from bot.library.lexicon import load as load_lexicon
from handlers.common import command_words, help_text, library, parse_or_explain, require, set_schedule

commands = Commands()
WORDS = command_words("followups/command_words.yaml")


@commands.command(
    "季度复盘",
    "review",
    **help_text("review"),
    group_only=True,
)
def quarterly_review(request: CommandRequest) -> Reply:
    first, _, rest = request.args.strip().partition(" ")
    if first.lower() in WORDS["schedule"]:
        return _schedule(request, rest)
    args = parse_or_explain(request.args, WORDS["review_keys"])
    raw = args.options.get("quarter") or args.text.strip()
    now = request.message.created_at
    try:
        quarter = Quarter.parse(raw) if raw else Quarter.of(now.astimezone(request.ctx.settings.tz).date())
    except QuarterError as problem:
        raise UserError(str(problem)) from None
    if quarter.bounds(request.ctx.settings.tz)[0] > now:
        raise UserError(say("review_future", quarter=quarter))
    data = review.compute(
        request.ctx.session,
        quarter=quarter,
        library=library(request),
        lexicon=load_lexicon(request.ctx.settings.playbook_dir),
        tz=request.ctx.settings.tz,
        now=now,
        chat_id=request.chat_id,
    )
    return messaging.review_outputs(data, chat_id=request.chat_id)


def _schedule(request: CommandRequest, raw: str) -> Reply:
    require(request, "schedule")
    return set_schedule(
        request,
        raw,
        kind=cadence.REVIEW,
        keys=WORDS["review_schedule_keys"],
        off_words=WORDS["schedule_off"],
        usage="review_schedule_usage",
        reply="review_schedule",
    )
