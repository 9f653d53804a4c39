"""`crisisbot` — serve, check, retro, playbooks export, db upgrade."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path

import typer

from bot.config import Settings

app = typer.Typer(help="crisis-retro-bot: 小红书危机公关舆情复盘飞书机器人", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
playbooks_app = typer.Typer(help="Playbooks: export them for the annual risk plan.", no_args_is_help=True)
app.add_typer(playbooks_app, name="playbooks")


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic validation of the environment
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(1) from None


def _setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the bot (ws, webhook or sandbox mode, from the configuration)."""
    import uvicorn

    from bot.app import create_app

    _setup_logging()
    settings = _settings()
    problems = settings.problems()
    if problems:
        for problem in problems:
            typer.echo(f"config: {problem}", err=True)
        raise typer.Exit(1)
    if settings.mode.value == "sandbox":
        typer.echo(f"沙盒模式：打开 http://{host}:{port}/ 试用（未配置 FEISHU_APP_ID）")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


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


@app.command()
def check() -> None:
    """Validate the configuration and every playbook; exit 1 listing every problem."""
    settings = _settings()
    problems = [f"config: {p}" for p in settings.problems()]
    if settings.playbook_dir.is_dir():
        problems += [f"playbook: {p}" for p in playbook_problems(settings.playbook_dir)]
    if not problems:
        typer.echo(f"ok: mode={settings.mode.value}, database={settings.database_url.split('@')[-1]}")
    from bot.app import inbound_summary

    for line in inbound_summary(settings):
        typer.echo(line)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)


class Format(StrEnum):
    md = "md"
    html = "html"
    json = "json"


@app.command()
def retro(
    incident_id: int | None = typer.Argument(None, help="incident id (default: the latest of --chat)"),
    chat: str | None = typer.Option(None, "--chat", help="chat id: its latest incident"),
    format: Format = typer.Option(Format.md, "--format", help="md | html | json"),
    out: Path | None = typer.Option(None, "--out", help="write to this file instead of stdout"),
) -> None:
    """The retrospective of an incident, as Markdown, HTML or JSON (built by the same flow as /复盘 and the link)."""
    from sqlmodel import Session

    from bot.clock.now import utcnow
    from bot.core import db
    from bot.incidents.models import Incident
    from bot.retro import compute as retro_data
    from bot.retro import flows as retro_flows

    settings = _settings()
    if incident_id is None and chat is None:
        typer.echo("give an INCIDENT_ID or --chat CHAT_ID", err=True)
        raise typer.Exit(2)
    engine = db.make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            incident = (
                session.get(Incident, incident_id)
                if incident_id is not None
                else (retro_data.latest_for_chat(session, chat))
            )
            if incident is None or (chat is not None and incident.chat_id != chat):
                typer.echo(f"no such incident ({incident_id if incident_id is not None else 'chat ' + chat})", err=True)
                raise typer.Exit(1)
            text = retro_flows.document(session, incident, settings, format=format.value, now=utcnow())
    finally:
        engine.dispose()
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


class ReviewFormat(StrEnum):
    md = "md"
    json = "json"


@app.command()
def review(
    quarter: str | None = typer.Option(None, "--quarter", help="e.g. 2026Q4 (default: the current quarter)"),
    chat: str | None = typer.Option(None, "--chat", help="one group (default: every group together)"),
    format: ReviewFormat = typer.Option(ReviewFormat.md, "--format", help="md | json"),
    out: Path | None = typer.Option(None, "--out", help="write to this file instead of stdout"),
) -> None:
    """The quarterly review: incidents, KPI trend with verdicts, action items by owner (drills excluded)."""
    import json

    from sqlmodel import Session

    from bot.clock.now import utcnow
    from bot.clock.quarters import Quarter, QuarterError
    from bot.core import db
    from bot.followups import review as review_data
    from bot.followups.messaging import markdown as review_markdown
    from bot.library.lexicon import load as load_lexicon
    from bot.library.playbooks import load as load_playbooks

    settings = _settings()
    now = utcnow()
    try:
        which = Quarter.parse(quarter) if quarter else Quarter.of(now.astimezone(settings.tz).date())
    except QuarterError as problem:
        typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    engine = db.make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            data = review_data.compute(
                session,
                quarter=which,
                library=load_playbooks(settings.playbook_dir),
                lexicon=load_lexicon(settings.playbook_dir),
                tz=settings.tz,
                now=now,
                chat_id=chat,
            )
    finally:
        engine.dispose()
    text = json.dumps(data, ensure_ascii=False, indent=2) if format is ReviewFormat.json else review_markdown(data)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@playbooks_app.command("export")
def playbooks_export(
    out: Path | None = typer.Option(None, "--out", help="write to this file instead of stdout"),
) -> None:
    """The active playbooks and thresholds as a Markdown annual risk plan (年度风险预案)."""
    from bot.clock.now import utcnow
    from bot.followups import annual_plan

    settings = _settings()
    folder = settings.playbook_dir
    problems = playbook_problems(folder) if folder.is_dir() else [f"PLAYBOOK_DIR={folder} is not a folder"]
    if not problems:
        try:
            text = annual_plan.markdown(settings, today=utcnow().astimezone(settings.tz).date())
        except annual_plan.PlanError as exc:
            problems = str(exc).splitlines()
    if problems:
        for problem in problems:
            typer.echo(f"playbook: {problem}", err=True)
        typer.echo(f"{len(problems)} problem(s) found; nothing exported", err=True)
        raise typer.Exit(1)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations."""
    from bot.core import db

    _setup_logging()
    settings = _settings()
    db.upgrade(settings.database_url)
    typer.echo("database is at the latest revision")


def main() -> None:  # pragma: no cover
    app(prog_name="crisisbot")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
