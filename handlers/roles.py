"""/role (/角色): assign members to roles by @mention; the roster is kept per group."""

from __future__ import annotations

from bot.core.router import CommandRequest, Commands, Reply, UserError
from bot.core.wording import say
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.roster import Member
from bot.library.roles import LABELS, label, parse_role
from bot.timeline import service as timeline

commands = Commands()


@commands.command(
    "role",
    "角色",
    usage="/role <角色> @成员…",
    summary="指定角色：lead 负责人 · ops 运营 · marketing 市场 · support 客服 · qa 质检",
    group_only=True,
)
def assign_role(request: CommandRequest) -> Reply:
    word = request.args.split(maxsplit=1)[0] if request.args else ""
    role = parse_role(word)
    if role is None:
        raise UserError(say("unknown_role", word=word, roles=LABELS))
    members = [Member(m.user_id, m.name) for m in request.mentions if m.user_id]
    if not members:
        raise UserError(say("role_needs_mention", role=label(role)))
    ctx, message = request.ctx, request.message
    added = roster.assign(
        ctx.session, chat_id=request.chat_id, role=role, members=members, by=message.sender_id, at=message.created_at
    )
    incident = incidents.for_message(ctx.session, request.chat_id, root_id=message.root_id)
    if incident is not None and added:
        names = "、".join(f"@{m.name}" for m in added)
        timeline.add(
            ctx.session,
            incident,
            at=message.created_at,
            kind="decision",
            text=f"指定{label(role)}：{names}",
            author_id=message.sender_id,
            author_name=message.sender_name,
            message_id=message.message_id,
            source="command",
        )
    return say(
        "role_assigned", role=label(role), added=added, holders=roster.holders(ctx.session, request.chat_id, role)
    )
