"""/review (/季度复盘): the quarterly review of this group on demand; /review schedule sets when it comes."""

from __future__ import annotations

from bot.clock.quarters import Quarter, QuarterError
from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.followups import cadence as schedules
from bot.followups import review
from bot.followups import review_messaging as reviewviews
from handlers.common import library, parse_or_explain

commands = Commands()
KEYS = {"quarter": "quarter", "季度": "quarter"}
SCHEDULE_KEYS = {"workday": "workday", "工作日": "workday", "time": "time", "时间": "time"}
SCHEDULE_WORDS = ("schedule", "设置")
OFF_WORDS = ("off", "关闭")


@commands.command(
    "review",
    "季度复盘",
    usage="/review [quarter=2026Q4]",
    summary="季度复盘：本季度事件、指标趋势和改进项执行情况（/季度复盘 设置 调整定时）",
    group_only=True,
)
def quarterly_review(request: CommandRequest) -> Reply:
    first, _, rest = request.args.strip().partition(" ")
    if first.lower() in SCHEDULE_WORDS:
        return _schedule(request, rest)
    args = parse_or_explain(request.args, KEYS)
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
        tz=request.ctx.settings.tz,
        now=now,
        chat_id=request.chat_id,
    )
    return reviewviews.outputs(data, chat_id=request.chat_id)


def _schedule(request: CommandRequest, raw: str) -> Reply:
    settings, session = request.ctx.settings, request.ctx.session
    if raw.strip().lower() in OFF_WORDS:
        schedules.update(
            session, request.chat_id, by=request.message.sender_id, at=request.message.created_at, review_workday=0
        )
    else:
        args = parse_or_explain(raw, SCHEDULE_KEYS)
        if args.text.strip():
            raise UserError(say("review_schedule_usage"))
        changes: dict[str, object] = {}
        if "workday" in args.options:
            value = args.options["workday"].strip()
            if not value.isdigit() or not 1 <= int(value) <= 20:
                raise UserError(say("review_schedule_usage"))
            changes["review_workday"] = int(value)
        if "time" in args.options:
            changes["review_time"] = _clock(args.options["time"], "review_schedule_usage")
        if changes:
            schedules.update(
                session, request.chat_id, by=request.message.sender_id, at=request.message.created_at, **changes
            )
    cadence = schedules.cadence(session, request.chat_id, settings)
    now = request.message.created_at
    quarter = Quarter.of(now.astimezone(settings.tz).date())
    upcoming = schedules.review_moment(quarter, cadence, settings.tz)
    if upcoming is not None and upcoming <= now:
        upcoming = schedules.review_moment(quarter.next, cadence, settings.tz)
    return say("review_schedule", cadence=cadence, upcoming=upcoming)


def _clock(raw: str, usage: str) -> str:
    try:
        value = schedules.clock_time(raw)
    except ValueError:
        raise UserError(say(usage)) from None
    return value.strftime("%H:%M")
