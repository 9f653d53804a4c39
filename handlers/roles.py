"""/role (/角色): assign members to roles by @mention; the roster is kept per group."""

from __future__ import annotations

from bot.core import labels
from bot.core.messages import Inbound, MembersChanged
from bot.core.router import CommandRequest, Commands, Context, Reply, UserError
from bot.core.wording import say
from bot.incidents import flows as incident_flows
from bot.incidents import names, roster
from bot.library.roles import parse_role
from handlers.common import help_text, require

commands = Commands()


@commands.command("角色", "role", **help_text("role"), group_only=True)
def assign_role(request: CommandRequest) -> Reply:
    word = request.args.split(maxsplit=1)[0] if request.args else ""
    role = parse_role(word)
    if role is None:
        raise UserError(say("unknown_role", word=word, roles=labels.of("roles")))
    require(request, "assign_roles", role=role)
    members = [roster.Member(m.user_id, m.name) for m in request.mentions if m.user_id]
    if not members:
        raise UserError(say("role_needs_mention", role=labels.role(role)))
    ctx, message = request.ctx, request.message
    added = incident_flows.assign_role(
        ctx.session,
        chat_id=request.chat_id,
        role=role,
        members=members,
        by=message.sender_id,
        by_name=message.sender_name,
        at=message.created_at,
        message_id=message.message_id,
        root_id=message.root_id,
    )
    holders = roster.holders(ctx.session, request.chat_id, role)
    return say("role_assigned", role=labels.role(role), added=added, holders=holders)


@commands.on_every_message
def learn_who_wrote(message: Inbound, ctx: Context) -> None:
    """Keep the group's member names current, so cards and reports name people, never ou_ ids."""
    if message.chat_type == "group":
        seen = {mention.user_id: mention.name for mention in message.mentions}
        if message.sender_name:
            seen[message.sender_id] = message.sender_name
        names.learn(ctx.session, message.chat_id, now=ctx.now, seen=seen)


@commands.on(MembersChanged)
def members_changed(event: MembersChanged, ctx: Context) -> Reply:
    names.forget(ctx.session, event.chat_id)
    return None
