"""Every lint finding on a statement the team published is a loss in 应对得失, quoted with the suggested rewrite,
and a statement with an absolute claim or official boilerplate is never held up as a gain — whatever remedy it
names (issue 12, item 2: a statement saying 绝对安全 was praised although the lint had flagged it)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.models import OutboxMessage
from tests.retro.scripted import RetroGroup

ABSOLUTE = "对不起大家，我们的面霜绝对安全。买到11月批次的朋友，3天内可在订单页申请全额退款。"
CLEAN = "对不起大家，11月那批面霜的原料出了问题，是我们的错。买到的朋友3天内可在订单页申请全额退款。"
BLAME_INITIAL = "抱歉，部分用户肤质敏感才会泛红，我们在查。"


def play(group: RetroGroup, formal: str) -> dict:
    group.at("09:20", "/危机 开启 面霜过敏被博主晒图 类型=product_defect 开始=09:10", who="ou_ceo")
    group.at("09:40", f"/声明 初步 {BLAME_INITIAL}")
    group.at("11:00", f"/声明 正式 {formal}", who="ou_mkt")
    group.at("12:00", "/结束", who="ou_ceo")
    return group.retro()


def by_code(doc: dict, kind: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in doc["findings"]:
        if finding["kind"] == kind:
            found.setdefault(finding["code"], []).append(finding)
    return found


def test_an_absolute_claim_in_the_formal_statement_is_a_loss_with_its_quote_and_never_a_gain(group):
    doc = play(group, ABSOLUTE)
    losses, gains = by_code(doc, "loss"), by_code(doc, "gain")
    [absolute] = losses["statement_exaggeration"]
    assert "正式声明" in absolute["text"] and "广告法" in absolute["text"]
    assert "“绝对”" in absolute["evidence"] and "建议" in absolute["evidence"]
    assert "statement_has_remedy" not in gains  # the remedy is real, but this statement is not one to praise
    assert doc["kpis"]["statement_has_remedy"] is True  # ... and the KPI still says it named one

    # The initial response's blame is a loss of its own, quoted.
    [blame] = losses["statement_blame_shift"]
    assert "初步回应" in blame["text"] and "部分用户" in blame["evidence"]


def test_a_clean_formal_statement_with_a_remedy_is_a_gain_and_no_statement_loss(group):
    doc = play(group, CLEAN)
    losses, gains = by_code(doc, "loss"), by_code(doc, "gain")
    assert "statement_has_remedy" in gains
    assert "3天内可在订单页申请全额退款" in gains["statement_has_remedy"][0]["evidence"]
    formal_losses = [
        f for code, items in losses.items() if code.startswith("statement_") for f in items if "正式声明" in f["text"]
    ]
    assert formal_losses == []


def test_the_report_lists_the_flagged_statement_under_losses(group):
    play(group, ABSOLUTE)
    group.at("12:05", "/复盘", who="ou_ceo")
    with Session(group.engine) as session:
        files = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "file")).all()
    report = files[-1].content.decode("utf-8")
    before_losses, _, losses = report.partition("### 失")
    gains = before_losses.partition("### 得")[2]
    assert "绝对化" in losses and "“绝对”" in losses
    assert "绝对安全" not in gains
