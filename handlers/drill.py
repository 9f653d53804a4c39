"""/drill start <scenario> [speed=10] | stop | list | schedule (/演练 开始 … 速度= · 结束 · 列表 · 设置 日= 时间=)."""

from __future__ import annotations

from datetime import date

from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.drills import messaging as drillviews
from bot.drills import run as drillruns
from bot.followups import cadence as schedules
from bot.incidents import messaging as views
from bot.library.playbooks import PlaybookError
from handlers.common import library, parse_or_explain

commands = Commands()

START = ("start", "开始", "开启", "启动")
STOP = ("stop", "结束", "停止")
LIST = ("list", "列表")
SCHEDULE = ("schedule", "设置")
OFF_WORDS = ("off", "关闭")
KEYS = {"speed": "speed", "速度": "speed"}
SCHEDULE_KEYS = {"day": "day", "日": "day", "time": "time", "时间": "time"}


@commands.command(
    "drill",
    "演练",
    usage="/drill start <场景> [speed=10] | stop | list | schedule day=15 time=10:00",
    summary="危机应对模拟演练：/演练 开始 产品瑕疵 速度=10 · /演练 结束 · /演练 列表 · /演练 设置 日=15",
    group_only=True,
)
def drill(request: CommandRequest) -> Reply:
    sub, _, rest = request.args.partition(" ")
    sub = sub.lower()
    if sub in START:
        return start(request, rest.strip())
    if sub in STOP:
        return stop(request)
    if sub in LIST or not sub:
        return drillviews.scenario_list(_scenarios(request), library(request))
    if sub in SCHEDULE:
        return schedule(request, rest.strip())
    return say("drill_usage")


def _scenarios(request: CommandRequest):
    try:
        return drillruns.scenarios(request.ctx.settings)
    except PlaybookError as problems:
        raise UserError(say("drill_broken", problems=str(problems))) from None


def start(request: CommandRequest, raw: str) -> Reply:
    ctx, message = request.ctx, request.message
    args = parse_or_explain(raw, KEYS)
    if len(args.words) != 1:
        raise UserError(say("drill_usage"))
    known = _scenarios(request)
    scenario = known.find(args.words[0])
    if scenario is None:
        raise UserError(say("drill_unknown_scenario", word=args.words[0], scenarios=list(known.scenarios.values())))
    try:
        speed = drillruns.parse_speed(args.options.get("speed"))
    except drillruns.SpeedProblem:
        raise UserError(say("drill_bad_speed", value=args.options["speed"])) from None
    busy = drillruns.open_incident_in(ctx.session, request.chat_id)
    if busy is not None:
        raise UserError(say("drill_already_running" if busy.is_drill else "drill_real_incident_open", incident=busy))
    lib = library(request)
    if scenario.playbook not in lib.playbooks:
        raise UserError(say("drill_playbook_missing", scenario=scenario))
    started = drillruns.start(
        ctx.session,
        settings=ctx.settings,
        library=lib,
        scenario=scenario,
        speed=speed,
        chat_id=request.chat_id,
        at=message.created_at,
        by=message.sender_id,
        by_name=message.sender_name,
        message_id=message.message_id,
    )
    card = views.opening_card(ctx.session, started.opened, library=lib, settings=ctx.settings)
    return [card, drillviews.started_message(started, library=lib, settings=ctx.settings)]


def stop(request: CommandRequest) -> Reply:
    ctx, message = request.ctx, request.message
    run = drillruns.running(ctx.session, request.chat_id)
    if run is None:
        raise UserError(say("drill_not_running"))
    return drillruns.stop(
        ctx.session,
        ctx.settings,
        library(request),
        run,
        at=message.created_at,
        by=message.sender_id,
        by_name=message.sender_name,
        message_id=message.message_id,
        llm=ctx.llm,
    )


def schedule(request: CommandRequest, raw: str) -> Reply:
    """The monthly drill reminder of this group: day of the month (next working day if it is not one) and time."""
    settings, session, message = request.ctx.settings, request.ctx.session, request.message
    if raw.lower() in OFF_WORDS:
        schedules.update(session, request.chat_id, by=message.sender_id, at=message.created_at, drill_day=0)
    else:
        args = parse_or_explain(raw, SCHEDULE_KEYS)
        if args.text.strip():
            raise UserError(say("drill_schedule_usage"))
        changes: dict[str, object] = {}
        if "day" in args.options:
            value = args.options["day"].strip().removesuffix("日").removesuffix("号")
            if not value.isdigit() or not 1 <= int(value) <= 28:
                raise UserError(say("drill_schedule_usage"))
            changes["drill_day"] = int(value)
        if "time" in args.options:
            try:
                changes["drill_time"] = schedules.clock_time(args.options["time"]).strftime("%H:%M")
            except ValueError:
                raise UserError(say("drill_schedule_usage")) from None
        if changes:
            schedules.update(session, request.chat_id, by=message.sender_id, at=message.created_at, **changes)
    cadence = schedules.cadence(session, request.chat_id, settings)
    today = message.created_at.astimezone(settings.tz).date()
    upcoming = schedules.drill_moment(today.year, today.month, cadence, settings.tz)
    if upcoming is not None and upcoming <= message.created_at:
        following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
        upcoming = schedules.drill_moment(following.year, following.month, cadence, settings.tz)
    return say("drill_schedule", cadence=cadence, upcoming=upcoming)
