"""/crisis open|close (/危机 开启|结束, /结束) and /status (/状态)."""

from __future__ import annotations

from bot.clock import parse as eventtime
from bot.core.messages import Outbound
from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.drills import run as drillruns
from bot.incidents import flows as lifecycle
from bot.incidents import messaging as views
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.library.playbooks import Library
from bot.retro import flows as retrospective
from handlers.common import current_incident, library, parse_or_explain

commands = Commands()

OPEN_WORDS = ("open", "开启", "开始", "启动")
CLOSE_WORDS = ("close", "结束", "关闭")
OPEN_KEYS = {
    "type": "type",
    "类型": "type",
    "level": "level",
    "级别": "level",
    "since": "since",
    "开始": "since",
    "new": "new",
    "另开": "new",
    "remedy": "remedy",
    "补救": "remedy",
}


@commands.command(
    "crisis",
    "危机",
    usage="/crisis open <标题> [type=预案] [level=1|2] [since=09:10]",
    summary="开启危机事件（/危机 开启 … 类型= 级别= 开始=）；/crisis close 或 /结束 结束事件",
    group_only=True,
)
def crisis(request: CommandRequest) -> Reply:
    sub, _, rest = request.args.partition(" ")
    if sub.lower() in OPEN_WORDS:
        return open_incident(request, rest.strip())
    if sub.lower() in CLOSE_WORDS:
        return close_incident(request)
    return say("crisis_usage")


@commands.command("结束", usage="/结束", summary="结束当前危机事件", group_only=True, hidden=True)
def close_shortcut(request: CommandRequest) -> Reply:
    return close_incident(request)


def open_incident(request: CommandRequest, raw: str) -> Reply:
    ctx, message = request.ctx, request.message
    lib = library(request)
    args = parse_or_explain(raw, OPEN_KEYS)
    title = args.text.strip()
    if not title:
        raise UserError(say("open_needs_title"))
    playbook = _playbook_id(args.options.get("type"), lib)
    level = _level(args.options.get("level"))
    since = None
    if "since" in args.options:
        try:
            since = eventtime.parse_since(args.options["since"], now=message.created_at, tz=ctx.settings.tz)
        except eventtime.TimeProblem as problem:
            raise UserError(str(problem)) from None
    already = incidents.open_incidents(ctx.session, request.chat_id)
    if already and args.options.get("new", "").lower() not in ("yes", "true", "1", "是"):
        return say("already_open", incident=already[0])
    opened = lifecycle.open_incident(
        ctx.session,
        settings=ctx.settings,
        library=lib,
        reader=ctx.reader,
        chat_id=request.chat_id,
        title=title,
        choice=lifecycle.choose_playbook(lib, title, playbook),
        level=level,
        since=since,
        opened_at=message.created_at,
        opened_by=message.sender_id,
        opened_by_name=message.sender_name,
        message_id=message.message_id,
    )
    if args.options.get("remedy"):
        opened.incident.remedy = args.options["remedy"]
        ctx.session.add(opened.incident)
    card = views.opening_card(ctx.session, opened, library=lib, settings=ctx.settings)
    notes = views.announcements(ctx.session, opened.incident, opened.findings, settings=ctx.settings, library=lib)
    return [card, *[Outbound(chat_id=request.chat_id, text=t) for t in notes]]


def _playbook_id(word: str | None, lib: Library) -> str | None:
    """A playbook named by id or Chinese name; None when not given."""
    if word is None:
        return None
    for playbook in lib.playbooks.values():
        if word in (playbook.id, playbook.name):
            return playbook.id
    raise UserError(say("unknown_playbook", word=word, playbooks=list(lib.playbooks.values())))


def _level(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = raw.strip().removesuffix("级")
    mapping = {"1": 1, "一": 1, "2": 2, "二": 2}
    if value not in mapping:
        raise UserError(say("bad_level", value=raw))
    return mapping[value]


def close_incident(request: CommandRequest) -> Reply:
    incident = current_incident(request)
    message = request.message
    lifecycle.close_incident(
        request.ctx.session,
        incident,
        at=message.created_at,
        by=message.sender_id,
        by_name=message.sender_name,
        message_id=message.message_id,
    )
    duration = eventtime.format_duration((incident.closed_at - incident.started_at).total_seconds() / 60)
    compiled = retrospective.compile_retro(request.ctx.session, incident, request.ctx.settings, request.ctx.llm)
    return [
        say("closed", incident=incident, duration=duration),
        *views.retro_outputs(
            compiled, chat_id=request.chat_id, leads=roster.holders(request.ctx.session, request.chat_id, "lead")
        ),
        *drillruns.closed_by_hand(request.ctx.session, request.ctx.settings, library(request), incident),
    ]


@commands.command("status", "状态", usage="/status", summary="当前事件的级别、数据和分工", group_only=True)
def status(request: CommandRequest) -> Reply:
    incident = incidents.for_message(request.ctx.session, request.chat_id, root_id=request.message.root_id)
    if incident is None:
        incident = incidents.latest(request.ctx.session, request.chat_id)
    if incident is None:
        raise UserError(say("no_incident_yet"))
    return views.status_card(
        request.ctx.session,
        incident,
        library=library(request),
        settings=request.ctx.settings,
        now=request.message.created_at,
    )
