"""`crisisbot` — serve, check, incidents, retro, review, playbooks export, db upgrade. What it prints is in
`templates/cli/` (Chinese first, English after it)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from typer.core import TyperGroup

from bot import cli_checks
from bot.config import Settings


class Commands(TyperGroup):
    """`crisisbot`'s commands; a usage error (unknown option, bad value, missing argument) is told Chinese first
    like every other error, with click's own English reason after it."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Abort:
            typer.echo(_say("aborted"), err=True)
            sys.exit(1)
        except typer.TyperException as exc:  # click's exceptions (typer vendors click; its UsageError has a ctx)
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()
            elif hasattr(exc, "ctx"):
                where = exc.ctx.command_path if exc.ctx else "crisisbot"
                typer.echo(_say("usage_error", problem=exc.format_message(), command=where), err=True)
            else:
                typer.echo(_say("command_error", problem=exc.format_message()), err=True)
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=Commands, help="crisis-retro-bot: 小红书危机公关舆情复盘飞书机器人", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
playbooks_app = typer.Typer(help="Playbooks: export them for the annual risk plan.", no_args_is_help=True)
app.add_typer(playbooks_app, name="playbooks")


def _say(name: str, **context: object) -> str:
    """One line of `templates/cli/messages.j2` (a macro per message)."""
    from bot.core.wording import environment

    return str(getattr(environment().get_template("cli/messages.j2").module, name)(**context)).strip()


def _fail(name: str, code: int = 1, **context: object) -> typer.Exit:
    """Print the message to stderr; the caller raises what this returns."""
    typer.echo(_say(name, **context), err=True)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic validation of the environment
        raise _fail("settings_unreadable", problem=exc) from None


def _logging(level: str) -> None:
    from bot.core import logging_setup

    try:
        logging_setup.configure(level)
    except ValueError as exc:
        raise _fail("bad_log_level", 2, problem=exc) from None


@contextmanager
def _database(settings: Settings) -> Iterator:
    """A session on the configured database; a database without the bot's tables is a clear error."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from bot.core import db

    engine = db.make_engine(settings.database_url)
    try:
        if not sa.inspect(engine).has_table("incident"):
            raise _fail("no_database", url=settings.database_url.split("@")[-1])
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _write(text: str, out: Path | None, *, nl: bool = True) -> None:
    if out is None:
        typer.echo(text, nl=nl)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(_say("wrote", path=out), err=True)


LOG_LEVEL = typer.Option("info", "--log-level", envvar="LOG_LEVEL", help="debug | info | warning | error")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = LOG_LEVEL,
    demo: bool = typer.Option(False, "--demo", help="sandbox: start with a finished and an open example incident"),
    insecure: bool = typer.Option(False, "--insecure", help="webhook mode without FEISHU_ENCRYPT_KEY (local tests)"),
) -> None:
    """Run the bot (ws, webhook or sandbox mode, from the configuration). Without PUBLIC_BASE_URL, report
    links point at the address it listens on. `--demo` (sandbox mode, a database with no incidents yet) first
    replays a bundled example to its close and another one half-way, so the page opens on a crisis."""
    import uvicorn

    from bot.app import create_app

    _logging(log_level)
    settings = _settings()
    if insecure:
        settings = settings.allowing_unsigned_webhooks()
    problems = settings.problems() + settings.listen_problems(host)
    if problems:
        typer.echo(_say("cannot_start", count=len(problems)), err=True)
        for problem in problems:
            typer.echo(f"config: {problem}", err=True)
        raise typer.Exit(1)
    settings = settings.served_at(host, port)
    if demo:
        from bot.replay import demo as sandbox_demo

        if settings.mode.value != "sandbox":
            raise _fail("demo_needs_sandbox")
        typer.echo(_say("demo_seeded" if sandbox_demo.seed(settings) else "demo_skipped"))
    if settings.mode.value == "sandbox":
        typer.echo(_say("sandbox_url", url=settings.public_base_url.rstrip("/")))
    served = create_app(settings)
    if settings.worker_process and settings.mode.value != "sandbox":
        from bot.app import fork_workers

        fork_workers(served)
    # uvicorn's own logging config is off: its lines go through the bot's handler and its routine filter.
    uvicorn.run(served, host=host, port=port, log_config=None, log_level=None)


@app.command()
def check() -> None:
    """Validate the configuration and every playbook; exit 1 listing every problem."""
    settings = _settings()
    problems = [f"config: {p}" for p in settings.problems()]
    if settings.playbook_dir.is_dir():
        problems += [f"playbook: {p}" for p in cli_checks.playbook_problems(settings.playbook_dir)]
    if not problems:
        typer.echo(_say("check_ok", mode=settings.mode.value, database=settings.database_url.split("@")[-1]))
    from bot.app import inbound_summary
    from bot.feishu.scopes import check_lines

    for line in [*inbound_summary(settings), *check_lines(settings)]:
        typer.echo(line)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        raise _fail("problems_found", count=len(problems))


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
    revoke_links: bool = typer.Option(False, "--revoke-links", help="every report link made so far stops opening"),
) -> None:
    """The retrospective of an incident, as Markdown, HTML or JSON (built by the same flow as /复盘 and the link).
    `crisisbot incidents` lists the ids. `--revoke-links` instead revokes the incident's report links."""
    from bot.clock.now import utcnow
    from bot.incidents.models import Incident
    from bot.retro import compute as retro_data
    from bot.retro import flows as retro_flows

    settings = _settings()
    if incident_id is None and chat is None:
        raise _fail("which_incident", 2)
    with _database(settings) as session:
        incident = (
            session.get(Incident, incident_id) if incident_id is not None else retro_data.latest_for_chat(session, chat)
        )
        if incident is None or (chat is not None and incident.chat_id != chat):
            raise _fail("no_such_incident", which=incident_id if incident_id is not None else f"chat {chat}")
        if revoke_links:
            typer.echo(cli_checks.revoke_report_links(session, incident.id))
            return
        text = retro_flows.document(session, incident, settings, format=format.value, now=utcnow())
    _write(text, out)


@app.command()
def incidents(chat: str | None = typer.Option(None, "--chat", help="only this chat id")) -> None:
    """Every incident, newest first: id, chat, title, level, open or closed, start and close (local time)."""
    from bot.clock.format import format_local
    from bot.clock.now import utcnow
    from bot.core.wording import render
    from bot.incidents import service

    settings = _settings()
    year = utcnow().astimezone(settings.tz).year
    with _database(settings) as session:
        found = service.listed(session, chat)
        times = {
            i.id: {
                "started": format_local(i.started_at, settings.tz, year=year),
                "closed": format_local(i.closed_at, settings.tz, year=year) if i.closed_at else "",
            }
            for i in found
        }
        typer.echo(render("cli/incidents", incidents=found, times=times, chat=chat))


class ReplayFormat(StrEnum):
    md = "md"
    json = "json"


@app.command()
def replay(
    file: Path = typer.Argument(..., help="a recorded conversation (YAML or JSONL), e.g. examples/product_defect.yaml"),
    format: ReplayFormat = typer.Option(ReplayFormat.md, "--format", help="md | json"),
    out: Path | None = typer.Option(None, "--out", help="write to this file instead of stdout"),
) -> None:
    """Play a recorded conversation through the real pipeline into a temporary database (reminders at their
    recorded times) and print the retro of its latest incident as of the recorded end."""
    from bot.replay import demo, flows
    from bot.replay import format as conversation_format

    try:
        conversation = conversation_format.load(demo.resolve(file))
    except conversation_format.ConversationError as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        raise _fail("replay_unusable", count=len(exc.problems)) from None
    try:
        replayed = flows.retro_of(conversation, _settings(), format=format.value)
    except flows.NoIncident:
        raise _fail("replay_no_incident", path=file) from None
    for failure in replayed.played.failed:
        typer.echo(_say("replay_event_failed", failure=failure), err=True)
    _write(replayed.text, out)


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
    except QuarterError as problem:  # already Chinese (clock/quarter_problem)
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
    _write(text, out)


@playbooks_app.command("export")
def playbooks_export(
    out: Path | None = typer.Option(None, "--out", help="write to this file instead of stdout"),
) -> None:
    """The active playbooks and thresholds as a Markdown annual risk plan (年度风险预案)."""
    from bot.clock.now import utcnow
    from bot.followups import annual_plan

    settings = _settings()
    folder = settings.playbook_dir
    problems = cli_checks.playbook_problems(folder) if folder.is_dir() else [_say("not_a_folder", folder=folder)]
    if not problems:
        try:
            text = annual_plan.markdown(settings, today=utcnow().astimezone(settings.tz).date())
        except annual_plan.PlanError as exc:
            problems = str(exc).splitlines()
    if problems:
        for problem in problems:
            typer.echo(f"playbook: {problem}", err=True)
        raise _fail("nothing_exported", count=len(problems))
    _write(text, out, nl=False)


class ImportPlatform(StrEnum):
    xhs = "xhs"
    weibo = "weibo"
    douyin = "douyin"


@app.command("import")
def import_comments(
    file: Path = typer.Argument(..., help="a CSV, XLSX, JSON or JSONL file of comments (e.g. a MediaCrawler export)"),
    incident: int | None = typer.Option(None, "--incident", help="incident id (crisisbot incidents lists them)"),
    chat: str | None = typer.Option(None, "--chat", help="chat id: its latest incident"),
    platform: ImportPlatform | None = typer.Option(
        None, "--platform", help="xhs | weibo | douyin (for tables without one)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Import comments into an incident: prints what was read, imported and skipped (with reasons); exit 1 and
    nothing imported when the file is unusable."""
    from bot.comments import command_line

    settings = _settings()
    if incident is None and chat is None:
        raise _fail("which_incident", 2)
    with _database(settings) as session:
        done = command_line.import_path(session, file, settings, incident_id=incident, chat_id=chat, platform=platform)
    if done.problem:
        typer.echo(done.problem, err=True)
    if done.output(as_json):
        typer.echo(done.output(as_json))
    if done.problem:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(log_level: str = LOG_LEVEL) -> None:
    """Apply database migrations."""
    from bot.core import db

    _logging(log_level)
    settings = _settings()
    db.upgrade(settings.database_url)
    typer.echo(_say("database_upgraded"))


def main() -> None:  # pragma: no cover
    app(prog_name="crisisbot")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
