"""/metric (/数据): a data point with its platform and time; values like 1200万, 1.2亿, 65%, 0.65."""

from __future__ import annotations

from bot.clock import parse as eventtime
from bot.core.messages import Outbound
from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.incidents import messaging as views
from bot.library.lexicon import load as load_lexicon
from bot.timeline import numbers as metrics
from bot.timeline import samples, severity
from bot.timeline import service as timeline
from handlers.common import current_incident, library, parse_or_explain

commands = Commands()
KEYS = {"at": "at", "时间": "at"}


@commands.command(
    "metric",
    "数据",
    usage="/metric <指标> <数值> [平台] [at=11:30]",
    summary="记录数据：话题阅读 笔记曝光 转发 点赞 评论 负面占比 投诉量 销量变化 掉粉；平台默认小红书",
    group_only=True,
)
def record_metric(request: CommandRequest) -> Reply:
    ctx, message = request.ctx, request.message
    lexicon = load_lexicon(ctx.settings.playbook_dir)
    args = parse_or_explain(request.args, KEYS)
    if len(args.words) < 2 or len(args.words) > 3:
        raise UserError(say("metric_usage"))
    metric = metrics.parse_metric_name(args.words[0], lexicon)
    if metric is None:
        raise UserError(say("unknown_metric", word=args.words[0], labels=views.METRIC_LABELS))
    try:
        value = metrics.parse_metric_value(metric, args.words[1], lexicon)
    except metrics.ValueProblem as problem:
        raise UserError(str(problem)) from None
    platform = "xhs"
    if len(args.words) == 3:
        platform = metrics.parse_platform(args.words[2], lexicon)
        if platform is None:
            raise UserError(say("unknown_platform", word=args.words[2], labels=views.PLATFORM_LABELS))
    at = message.created_at
    if "at" in args.options:
        try:
            at = eventtime.parse_since(args.options["at"], now=message.created_at, tz=ctx.settings.tz)
        except eventtime.TimeProblem as problem:
            raise UserError(str(problem)) from None
    incident = current_incident(request)
    shown = metrics.format_value(metric, value, lexicon)
    entry = timeline.add(
        ctx.session,
        incident,
        at=at,
        kind="metric",
        text=f"{views.METRIC_LABELS[metric]} {shown}（{views.PLATFORM_LABELS[platform]}）",
        author_id=message.sender_id,
        author_name=message.sender_name,
        message_id=message.message_id,
        source="command",
    )
    if entry is None:
        return None
    sample = samples.record(
        ctx.session, incident, metric=metric, value=value, platform=platform, at=at, source="command", entry_id=entry.id
    )
    lib = library(request)
    findings = severity.assess(ctx.session, incident, [sample], lib.severity)
    notes = views.announcements(ctx.session, incident, findings, settings=ctx.settings, library=lib)
    reply = say(
        "metric_recorded",
        label=views.METRIC_LABELS[metric],
        value=shown,
        platform=views.PLATFORM_LABELS[platform],
        at=at,
        settings=ctx.settings,
    )
    return [reply, *[Outbound(chat_id=request.chat_id, text=t) for t in notes]]
