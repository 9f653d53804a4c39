"""What `crisisbot check` (and `playbooks export`) validate beyond the settings: the playbook folder's files."""

from __future__ import annotations

from pathlib import Path


def playbook_problems(folder: Path) -> list[str]:
    """Every problem in the playbooks, the severity levels, the drill scenarios and the lexicon."""
    from bot.library import drills, lexicon, playbooks

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
        lexicon.parse(folder / "lexicon.yaml")
    except lexicon.LexiconError as exc:
        found.append(str(exc))
    return found
