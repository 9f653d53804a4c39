"""/drill start <scenario> [speed=10] | stop | list | schedule (/演练 开始 … 速度= · 结束 · 列表 · 设置 日= 时间=)."""

from __future__ import annotations

from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.drills import messaging as drill_messaging
from bot.drills import run as drill_runs
from bot.followups import cadence
from bot.incidents import flows as incident_flows
from bot.library.playbooks import PlaybookError
from handlers.common import command_words, help_text, library, parse_or_explain, require, set_schedule

commands = Commands()

WORDS = command_words("drills/command_words.yaml")
SCHEDULE_WORDS = command_words("followups/command_words.yaml")


@commands.command(
    "演练",
    "drill",
    **help_text("drill"),
    group_only=True,
)
def drill(request: CommandRequest) -> Reply:
    sub, _, rest = request.args.partition(" ")
    sub = sub.lower()
    if sub in WORDS["start"]:
        return start(request, rest.strip())
    if sub in WORDS["stop"]:
        return stop(request)
    if sub in WORDS["list"] or not sub:
        return drill_messaging.scenario_list(_scenarios(request), library(request))
    if sub in SCHEDULE_WORDS["schedule"]:
        return schedule(request, rest.strip())
    return say("drill_usage")


def _scenarios(request: CommandRequest):
    try:
        return drill_runs.scenarios(request.ctx.settings)
    except PlaybookError as problems:
        raise UserError(say("drill_broken", problems=str(problems))) from None


def start(request: CommandRequest, raw: str) -> Reply:
    require(request, "drill")
    ctx, message = request.ctx, request.message
    args = parse_or_explain(raw, WORDS["keys"])
    if len(args.words) != 1:
        raise UserError(say("drill_usage"))
    known = _scenarios(request)
    scenario = known.find(args.words[0])
    if scenario is None:
        raise UserError(say("drill_unknown_scenario", word=args.words[0], scenarios=list(known.scenarios.values())))
    try:
        speed = drill_runs.parse_speed(args.options.get("speed"))
    except drill_runs.SpeedProblem:
        raise UserError(say("drill_bad_speed", value=args.options["speed"])) from None
    busy = drill_runs.open_incident_in(ctx.session, request.chat_id)
    if busy is not None:
        raise UserError(say("drill_already_running" if busy.is_drill else "drill_real_incident_open", incident=busy))
    lib = library(request)
    if scenario.playbook not in lib.playbooks:
        raise UserError(say("drill_playbook_missing", scenario=scenario))
    started = drill_runs.start(
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
    card = incident_flows.opening_card(ctx.session, started.opened, library=lib, settings=ctx.settings)
    return [card, drill_messaging.started_message(started, library=lib, settings=ctx.settings)]


def stop(request: CommandRequest) -> Reply:
    require(request, "drill")
    ctx, message = request.ctx, request.message
    run = drill_runs.running(ctx.session, request.chat_id)
    if run is None:
        raise UserError(say("drill_not_running"))
    return drill_runs.stop(
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
    require(request, "schedule")
    """The monthly drill reminder of this group: day of the month (next working day if it is not one) and time."""
    return set_schedule(
        request,
        raw,
        kind=cadence.DRILL,
        keys=SCHEDULE_WORDS["drill_schedule_keys"],
        off_words=SCHEDULE_WORDS["schedule_off"],
        usage="drill_schedule_usage",
        reply="drill_schedule",
    )
