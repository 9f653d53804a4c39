"""Who may do what in a group (`playbooks/access/permissions.yaml`): the roles allowed to do each guarded action,
read against the group's roster. While a group has no lead, its Feishu owner (read from the chat API) may name
one (the sandbox and replays have no owner, so there anyone may), and the lead's actions stay open to every member
— nobody could do them otherwise; once a lead is named they are the lead's."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from bot.config import Settings
from bot.core import labels
from bot.core.messenger import ChatReader, ReadError
from bot.core.wording import say
from bot.incidents import roster
from bot.library import permissions as rules

LEAD = "lead"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Why someone may not do an action: the Chinese line naming who can."""

    text: str


def refusal(
    session: Session,
    settings: Settings,
    reader: ChatReader | None,
    *,
    chat_id: str,
    user_id: str,
    action: str,
    role: str = "",
) -> Refusal | None:
    """None when `user_id` may do `action` in this group; else the line to answer. `role` is the role being
    assigned (for `assign_roles`): while the group has no lead, naming the first lead follows `first_lead`."""
    allowed = rules.load(settings.playbook_dir).roles_for(action)
    mine = set(roster.roles_of(session, chat_id, user_id))
    if mine & set(allowed):
        return None
    leads = roster.holders(session, chat_id, LEAD)
    if action == "assign_roles" and not leads:
        return _first_lead_refusal(settings, reader, chat_id=chat_id, user_id=user_id, role=role)
    if not leads and LEAD in allowed:
        return None  # nobody holds the role yet: refusing would leave the group stuck mid-crisis
    names = [m.name or m.user_id for role_id in allowed for m in roster.holders(session, chat_id, role_id)]
    roles = [labels.role(role_id) for role_id in allowed]
    return Refusal(say("permission_refused", action=action, roles=roles, names=names))


def _first_lead_refusal(
    settings: Settings, reader: ChatReader | None, *, chat_id: str, user_id: str, role: str
) -> Refusal | None:
    first = rules.load(settings.playbook_dir).first_lead
    if "anyone" in first:
        return None
    if role != LEAD:
        return None  # no lead yet: the other roles can be handed out by anyone, the lead then takes over
    try:
        owner = reader.owner(chat_id) if reader is not None else None
    except ReadError as exc:  # the chat API is not available (scope, outage): do not leave the group without a lead
        log.warning("owner of %s not available (%s): the first lead is named without the owner check", chat_id, exc)
        return None
    if owner is None or owner == user_id:  # no owner on this platform (sandbox, replay): anyone may
        return None
    return Refusal(say("permission_owner_only", owner=owner))
