"""The group's roster: who holds which role. Kept per group, between incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.incidents.models import RoleAssignment
from bot.library.roles import ROLES


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str


def assign(session: Session, *, chat_id: str, role: str, members: list[Member], by: str, at: datetime) -> list[Member]:
    """Add members to a role; returns those newly added (already assigned ones are skipped)."""
    current = {m.user_id for m in holders(session, chat_id, role)}
    added = []
    for member in members:
        if member.user_id in current:
            continue
        session.add(
            RoleAssignment(
                chat_id=chat_id,
                role=role,
                user_id=member.user_id,
                user_name=member.name,
                assigned_by=by,
                assigned_at=at,
            )
        )
        current.add(member.user_id)
        added.append(member)
    session.flush()
    return added


def holders(session: Session, chat_id: str, role: str) -> list[Member]:
    stmt = (
        select(RoleAssignment)
        .where(RoleAssignment.chat_id == chat_id, RoleAssignment.role == role)
        .order_by(RoleAssignment.id)
    )
    return [Member(r.user_id, r.user_name) for r in session.exec(stmt)]


def roster(session: Session, chat_id: str) -> dict[str, list[Member]]:
    """Every role (contract order), with its members; empty lists for unassigned roles."""
    result: dict[str, list[Member]] = {role: [] for role in ROLES}
    stmt = select(RoleAssignment).where(RoleAssignment.chat_id == chat_id).order_by(RoleAssignment.id)
    for row in session.exec(stmt):
        result.setdefault(row.role, []).append(Member(row.user_id, row.user_name))
    return result


def roles_of(session: Session, chat_id: str, user_id: str) -> list[str]:
    stmt = select(RoleAssignment.role).where(RoleAssignment.chat_id == chat_id, RoleAssignment.user_id == user_id)
    return list(session.exec(stmt))


def escalation_targets(members: dict[str, list[Member]], lead_role: str) -> list[Member]:
    """Who an overdue step escalates to, from a roster: the level's lead and the group's 负责人, once each."""
    found, seen = [], set()
    for member in members.get(lead_role, []) + members.get("lead", []):
        if member.user_id not in seen:
            seen.add(member.user_id)
            found.append(member)
    return found
