"""Cards and announcements for incidents: data gathered here, wording in templates/."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.clock import parse as eventtime
from bot.config import Settings
from bot.core.messages import Button, ButtonRow, Card, Divider, Markdown, Outbound
from bot.core.wording import environment, say
from bot.followups import action_messaging as actionviews
from bot.incidents import roster
from bot.incidents import service as incidents
from bot.incidents.flows import Opened
from bot.incidents.models import Incident
from bot.library.lexicon import load as load_lexicon
from bot.library.playbooks import Library, Playbook
from bot.library.playbooks import load as load_playbooks
from bot.library.roles import LABELS, label
from bot.steps import service as steps_service
from bot.steps.models import IncidentStep
from bot.timeline import samples
from bot.timeline.numbers import format_value
from bot.timeline.severity import Finding, LevelRaised, NegativeAlert

METRIC_LABELS = {
    "topic_reads": "话题阅读",
    "note_exposure": "笔记曝光",
    "reposts": "转载/转发",
    "likes": "点赞",
    "comments": "评论",
    "negative_ratio": "负面占比",
    "complaints": "投诉量",
    "sales_change": "销量变化",
    "followers_lost": "掉粉",
}
PLATFORM_LABELS = {"xhs": "小红书", "weibo": "微博", "douyin": "抖音", "media": "媒体"}
COLORS = {1: "red", 2: "orange"}


def _block(name: str, **context: object) -> Markdown:
    return Markdown(environment().get_template(f"cards/{name}.j2").render(**context).strip())


def _roster_lines(session: Session, chat_id: str, needed: list[str]) -> list[dict]:
    members = roster.roster(session, chat_id)
    return [
        {"role": role, "label": LABELS[role], "members": members.get(role, []), "needed": role in needed}
        for role in LABELS
    ]


def opening_card(session: Session, opened: Opened, *, library: Library, settings: Settings) -> Outbound:
    incident = opened.incident
    level = library.severity.levels[incident.level]
    body = _block(
        "opening",
        incident=incident,
        level=level,
        choice=opened.choice,
        missing=[label(r) for r in opened.missing_roles],
        roster=_roster_lines(session, incident.chat_id, opened.choice.playbook.roles),
        started=eventtime.format_local(incident.started_at, settings.tz, now=incident.opened_at),
        backdated=incident.started_at != incident.opened_at,
        backfilled=opened.backfilled,
        backfill_error=opened.backfill_error,
    )
    card = Card(
        title=say("opening_title", incident=incident, level=level),
        blocks=(body,),
        color=COLORS.get(incident.level, "blue"),
    )
    return Outbound(chat_id=incident.chat_id, kind="card", card=card, ref=incidents.card_ref(incident.id))


def status_card(session: Session, incident: Incident, *, library: Library, settings: Settings, now: datetime) -> Card:
    level = library.severity.levels[incident.level]
    playbook = library.playbooks.get(incident.playbook)
    lexicon = load_lexicon(settings.playbook_dir)
    latest = [
        {
            "label": METRIC_LABELS[s.metric],
            "value": format_value(s.metric, s.value, lexicon),
            "platform": PLATFORM_LABELS.get(s.platform, s.platform),
            "at": eventtime.format_local(s.at, settings.tz, now=now),
        }
        for s in samples.latest_by_metric(session, incident.id).values()
    ]
    elapsed = eventtime.format_duration(((incident.closed_at or now) - incident.started_at).total_seconds() / 60)
    needed = playbook.roles if playbook else list(LABELS)
    rows = (
        steps_service.sync(session, incident, playbook)
        if playbook and incident.status == "open"
        else (steps_service.for_incident(session, incident.id))
    )
    body = _block(
        "status",
        incident=incident,
        level=level,
        playbook=playbook,
        elapsed=elapsed,
        metrics=latest,
        started=eventtime.format_local(incident.started_at, settings.tz, now=now),
        roster=_roster_lines(session, incident.chat_id, needed),
        steps=step_lines(session, incident, playbook, rows, settings=settings, now=now) if playbook else [],
    )
    return Card(
        title=say("status_title", incident=incident, level=level),
        blocks=(body, Divider(), Markdown(say("status_hint"))),
        color=COLORS.get(incident.level, "blue"),
    )


def announcements(
    session: Session, incident: Incident, findings: list[Finding], *, settings: Settings, library: Library
) -> list[str]:
    """The group-level messages for severity findings, the lead @mentioned."""
    lexicon = load_lexicon(settings.playbook_dir)
    texts = []
    for finding in findings:
        if isinstance(finding, LevelRaised):
            leads = roster.holders(session, incident.chat_id, finding.lead_role)
            texts.append(
                say(
                    "level_raised",
                    change=finding.change,
                    level_name=finding.level_name,
                    summary=finding.summary,
                    metric=METRIC_LABELS[finding.sample.metric],
                    value=format_value(finding.sample.metric, finding.sample.value, lexicon),
                    threshold=format_value(finding.rule.metric, finding.rule.above, lexicon),
                    at=eventtime.format_local(finding.sample.at, settings.tz),
                    leads=leads,
                    lead_label=label(finding.lead_role),
                )
            )
        elif isinstance(finding, NegativeAlert):
            lead_role = library.severity.levels[incident.level].lead_role
            texts.append(
                say(
                    "negative_alert",
                    value=format_value("negative_ratio", finding.sample.value, lexicon),
                    previous=(
                        None if finding.previous is None else format_value("negative_ratio", finding.previous, lexicon)
                    ),
                    threshold=format_value("negative_ratio", finding.threshold, lexicon),
                    at=eventtime.format_local(finding.sample.at, settings.tz),
                    leads=roster.holders(session, incident.chat_id, lead_role),
                    lead_label=label(lead_role),
                )
            )
    return texts


def _step_state(row: IncidentStep, *, now: datetime, tz) -> str:
    if row.status == "done":
        return f"已完成（{eventtime.format_local(row.done_at, tz, now=now)}）"
    if not row.active:
        return "未触发"
    left = (row.due_at - now).total_seconds() / 60
    if left >= 0:
        return f"还剩 {eventtime.format_duration(left)}"
    return f"已超时 {eventtime.format_duration(-left)}"


def step_lines(
    session: Session,
    incident: Incident,
    playbook: Playbook,
    rows: list[IncidentStep],
    *,
    settings: Settings,
    now: datetime,
) -> list[dict]:
    members = roster.roster(session, incident.chat_id)
    lines = []
    for row in rows:
        step = playbook.step(row.step_id)
        if step is None:
            continue
        lines.append(
            {
                "row": row,
                "step": step,
                "role": label(row.role),
                "owners": members.get(row.role, []),
                "due": eventtime.format_local(row.due_at, settings.tz, now=now) if row.due_at else "",
                "state": _step_state(row, now=now, tz=settings.tz),
                "approver": label(step.approver) if step.approver else "",
            }
        )
    return lines


def role_card(
    session: Session,
    incident: Incident,
    playbook: Playbook,
    role: str,
    *,
    settings: Settings,
    now: datetime,
    update_message_id: str = "",
) -> Outbound:
    """One card per role: its active steps with deadline, hint, owners, state and buttons."""
    rows = [r for r in steps_service.for_incident(session, incident.id) if r.role == role and r.active]
    lines = step_lines(session, incident, playbook, rows, settings=settings, now=now)
    lead_role = load_playbooks(settings.playbook_dir).severity.levels[incident.level].lead_role
    blocks: list = [
        _block(
            "role_steps",
            incident=incident,
            lines=lines,
            role=label(role),
            owners=roster.holders(session, incident.chat_id, role),
            leads=roster.holders(session, incident.chat_id, lead_role),
            lead_label=label(lead_role),
        )
    ]
    for line in lines:
        if line["row"].status == "open":
            value = {"incident": incident.id, "step": line["row"].step_id, "role": role}
            blocks.append(
                ButtonRow(
                    (
                        Button(f"认领：{line['step'].title[:12]}", {"action": "step_claim", **value}),
                        Button("完成", {"action": "step_done", **value}, "primary"),
                        Button("需要帮助", {"action": "step_help", **value}, "danger"),
                    )
                )
            )
    card = Card(
        title=say("role_card_title", incident=incident, role=label(role)),
        blocks=tuple(blocks),
        color=COLORS.get(incident.level, "blue"),
    )
    return Outbound(
        chat_id=incident.chat_id,
        kind="card",
        card=card,
        update_message_id=update_message_id,
        ref=f"incident:{incident.id}:steps:{role}",
    )


def stage_notice(
    session: Session, incident: Incident, playbook: Playbook, due, *, settings: Settings, now: datetime
) -> Outbound:
    row, step = due.row, playbook.step(due.row.step_id)
    lead_role = load_playbooks(settings.playbook_dir).severity.levels[incident.level].lead_role
    text = say(
        f"step_{due.stage}",
        step=step,
        row=row,
        role=label(row.role),
        late=due.late,
        owners=roster.holders(session, incident.chat_id, row.role),
        leads=escalation_targets(session, incident.chat_id, lead_role),
        lead_label=label(lead_role),
        due=eventtime.format_local(row.due_at, settings.tz, now=now),
        left=eventtime.format_duration(max(0.0, (row.due_at - now).total_seconds() / 60)),
        over=eventtime.format_duration(max(0.0, (now - row.due_at).total_seconds() / 60)),
    )
    return Outbound(chat_id=incident.chat_id, text=text)


def completion_notes(
    session: Session, incident: Incident, completions: list, *, settings: Settings, now: datetime
) -> list[Outbound]:
    """A short confirmation per completed step, and the role cards updated in place."""
    playbook = load_playbooks(settings.playbook_dir).playbooks.get(incident.playbook)
    if playbook is None:
        return []
    out: list[Outbound] = []
    for completion in completions:
        if completion.outcome in ("already", "not_active"):
            continue
        row = completion.row
        step = playbook.step(row.step_id)
        minutes = (row.done_at - incident.started_at).total_seconds() / 60
        out.append(
            Outbound(
                chat_id=incident.chat_id,
                text=say(
                    "step_completed",
                    step=step,
                    row=row,
                    outcome=completion.outcome,
                    at=eventtime.format_local(row.done_at, settings.tz, now=now),
                    since=eventtime.format_duration(minutes),
                    met=row.due_at is not None and row.done_at <= row.due_at,
                    approver=label(step.approver) if step and step.approver else "",
                ),
            )
        )
    for role in {c.row.role for c in completions if c.outcome not in ("already", "not_active")}:
        card_id = incidents.sent_message_of(session, f"incident:{incident.id}:steps:{role}")
        if card_id:
            out.append(
                role_card(session, incident, playbook, role, settings=settings, now=now, update_message_id=card_id)
            )
    return out


def escalation_targets(session: Session, chat_id: str, lead_role: str) -> list:
    """Who an overdue step escalates to: the level's lead and the group's 负责人, once each."""
    found, seen = [], set()
    for member in roster.holders(session, chat_id, lead_role) + roster.holders(session, chat_id, "lead"):
        if member.user_id not in seen:
            seen.add(member.user_id)
            found.append(member)
    return found


LINT_LABELS = {
    "boilerplate": "官方套话",
    "exaggeration": "夸大/绝对化",
    "no_remedy": "缺具体补救",
    "no_empathy": "缺共情",
    "blame_shift": "推卸责任",
    "too_formal": "太官方",
    "length": "长度",
}


def draft_card(draft, *, update_message_id: str = "") -> Outbound:
    from bot.drafting.drafts import KIND_LABELS, SEGMENT_LABELS, findings_of

    body = _block(
        "draft",
        draft=draft,
        kind=KIND_LABELS[draft.kind],
        segment=SEGMENT_LABELS[draft.segment],
        findings=findings_of(draft),
        labels=LINT_LABELS,
    )
    value = {"draft": draft.id}
    buttons = ButtonRow(
        (
            Button("采用", {"action": "draft_adopt", **value}, "primary"),
            Button("换一版", {"action": "draft_next", **value}),
            Button("更口语", {"action": "draft_casual", **value}),
        )
    )
    card = Card(
        title=say("draft_title", kind=KIND_LABELS[draft.kind], segment=SEGMENT_LABELS[draft.segment], draft=draft),
        blocks=(body,) if draft.adopted_by else (body, buttons),
        color="green" if draft.score >= 80 else "orange",
    )
    return Outbound(chat_id="", kind="card", card=card, update_message_id=update_message_id)


def statement_check(record) -> str | None:
    """A short note on a logged statement's problems (None when it is clean)."""
    from bot.drafting.statements import findings_of

    findings = findings_of(record)
    if not findings:
        return None
    return say("statement_check", record=record, findings=findings[:3], labels=LINT_LABELS)


def retro_outputs(compiled, *, chat_id: str, leads: list | None = None) -> list[Outbound]:
    """The summary card (KPIs, top losses, link) and the Markdown report as a file. Without recorded
    root causes the card asks the lead whether this was an accident or a process gap."""
    data = compiled.data
    kpis = data["kpis"]
    losses = [f for f in data["findings"] if f["kind"] == "loss"][:3]
    missing_roots = not (data["root_causes"]["surface"] or data["root_causes"]["deep"])
    body = _block(
        "retro",
        incident=compiled.incident,
        kpis=kpis,
        losses=losses,
        link=compiled.link,
        level=data["incident"]["level"],
        missing_roots=missing_roots,
        leads=leads or [],
    )
    card = Card(
        title=say("retro_title", incident=compiled.incident),
        blocks=(
            body,
            *actionviews.suggestion_block(list(compiled.suggested), compiled.incident.id),
            ButtonRow((Button("打开完整报告", {}, "primary", url=compiled.link),)),
        ),
        color="red" if losses else "green",
    )
    file_name = f"复盘-事件{compiled.incident.id}.md"
    return [
        Outbound(chat_id=chat_id, kind="card", card=card),
        Outbound(chat_id=chat_id, kind="file", file_name=file_name, content=compiled.markdown.encode("utf-8")),
    ]
