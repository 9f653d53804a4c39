"""/metric (/数据): a data point with its platform and time; values like 1200万, 1.2亿, 65%, 0.65."""

from __future__ import annotations

from bot.clock.parse import TimeProblem, parse_since
from bot.core import labels
from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.library.lexicon import load as load_lexicon
from bot.timeline.flows import record_metric
from bot.timeline.values import ValueProblem, format_value, parse_metric_value
from bot.timeline.vocabulary import DEFAULT_PLATFORM, parse_metric_name, parse_platform
from handlers.common import current_incident, help_text, parse_or_explain

commands = Commands()
KEYS = {"at": "at", "时间": "at"}


@commands.command(
    "数据",
    "metric",
    **help_text("metric"),
    group_only=True,
)
def record_data_point(request: CommandRequest) -> Reply:
    ctx, message = request.ctx, request.message
    lexicon = load_lexicon(ctx.settings.playbook_dir)
    args = parse_or_explain(request.args, KEYS)
    if len(args.words) < 2 or len(args.words) > 3:
        raise UserError(say("metric_usage"))
    metric = parse_metric_name(args.words[0], lexicon)
    if metric is None:
        raise UserError(say("unknown_metric", word=args.words[0], labels=labels.of("metrics")))
    try:
        value = parse_metric_value(metric, args.words[1], lexicon)
    except ValueProblem as problem:
        raise UserError(str(problem)) from None
    platform = DEFAULT_PLATFORM
    if len(args.words) == 3:
        platform = parse_platform(args.words[2], lexicon)
        if platform is None:
            raise UserError(say("unknown_platform", word=args.words[2], labels=labels.of("platforms")))
    at = message.created_at
    if "at" in args.options:
        try:
            at = parse_since(args.options["at"], now=message.created_at, tz=ctx.settings.tz, option="at")
        except TimeProblem as problem:
            raise UserError(str(problem)) from None
    recorded = record_metric(
        ctx.session,
        message,
        incident=current_incident(request),
        metric=metric,
        value=value,
        platform=platform,
        at=at,
        settings=ctx.settings,
        now=ctx.now,
    )
    if recorded.logged.entry is None:
        return None
    reply = say(
        "metric_recorded",
        label=labels.metric(metric),
        value=format_value(metric, value, lexicon),
        platform=labels.platform(platform),
        at=at,
        settings=ctx.settings,
    )
    return [reply, *recorded.notes]
