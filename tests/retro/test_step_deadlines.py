"""One deadline formula (issue 11): the step card's data (the steps service) and the retro give the same due
time for every open step — after a level change, and whatever the rule is, since both use
`bot.steps.service.due_at`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.config import BUNDLED_PLAYBOOKS
from bot.library.playbooks import load as load_playbooks
from bot.steps import service as steps
from tests.retro.scripted import RetroGroup, t

PLAYBOOK = load_playbooks(BUNDLED_PLAYBOOKS).playbooks["product_defect"]


def card_and_retro_dues(group: RetroGroup) -> tuple[dict[str, datetime], dict[str, datetime]]:
    """(step id → due time) of the open steps as the step card reads them (after a sync) and as the retro has them."""
    with Session(group.engine) as session:
        incident = group.incident()
        rows = steps.sync(session, incident, PLAYBOOK)
        session.commit()
        card = {row.step_id: row.due_at for row in rows if row.status == "open" and row.active}
    retro = {s["id"]: datetime.fromisoformat(s["due_at"]) for s in group.retro()["steps"] if s["done_at"] is None}
    return card, retro


def test_after_a_level_change_the_card_and_the_retro_agree(group):
    group.at("09:20", "/危机 开启 面霜瑕疵被博主晒图 类型=product_defect 级别=2 开始=09:10", who="ou_ceo")
    group.at("11:30", "话题阅读量破620万")  # level 2 → 1: open steps take level 1's deadlines
    card, retro = card_and_retro_dues(group)
    expected = {step.id: t("09:10") + step.deadline[1] for step in PLAYBOOK.steps if step.id in card}
    assert card == expected and retro == expected
    assert expected["first_response"] == t("10:10")  # level 1: the first response within 1 hour


def test_a_changed_rule_changes_the_card_and_the_retro_alike(group, monkeypatch):
    def twice_as_long(step, incident) -> datetime:
        return t("09:10") + 2 * step.deadline[incident.level]

    monkeypatch.setattr(steps, "due_at", twice_as_long)
    group.at("09:20", "/危机 开启 面霜瑕疵被博主晒图 类型=product_defect 级别=2 开始=09:10", who="ou_ceo")
    card, retro = card_and_retro_dues(group)
    assert card == retro
    assert card["first_response"] == t("09:10") + timedelta(hours=4)  # level 2: 2 hours, twice
