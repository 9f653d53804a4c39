"""What `crisisbot check` (and `playbooks export`) validate beyond the settings — the playbook folder's files —
and the CLI's small maintenance actions (revoking an incident's report links)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session


def playbook_problems(folder: Path) -> list[str]:
    """Every problem in the playbooks, the severity levels, the drill scenarios and the lexicon."""
    from bot.library import drills, lexicon, permissions, playbooks

    found: list[str] = []
    try:
        playbooks.parse(folder)
    except playbooks.PlaybookError as exc:
        found += str(exc).splitlines()
    try:
        drills.parse(folder)
    except playbooks.PlaybookError as exc:
        found += str(exc).splitlines()
    try:
        permissions.parse(folder)
    except permissions.PermissionsError as exc:
        found += str(exc).splitlines()
    try:
        lexicon.parse(folder / "lexicon.yaml")
    except lexicon.LexiconError as exc:
        found.append(str(exc))
    return found


def revoke_report_links(session: Session, incident_id: int) -> str:
    """`crisisbot retro ID --revoke-links`: every link made so far stops opening; what to print."""
    from bot.core.wording import environment
    from bot.retro import links

    links.revoke(session, incident_id)
    session.commit()
    say = environment().get_template("cli/messages.j2").module
    return str(say.links_revoked(incident_id=incident_id)).strip()
