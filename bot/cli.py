"""`crisisbot` — serve, check, db upgrade."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from bot.config import Settings

app = typer.Typer(help="crisis-retro-bot: 小红书危机公关舆情复盘飞书机器人", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


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
    """Every problem in the playbooks, the severity levels and the lexicon."""
    from bot import lexicon, playbooks

    found: list[str] = []
    try:
        playbooks.parse(folder)
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
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: mode={settings.mode.value}, database={settings.database_url.split('@')[-1]}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations."""
    from bot import db

    _setup_logging()
    settings = _settings()
    db.upgrade(settings.database_url)
    typer.echo("database is at the latest revision")


def main() -> None:  # pragma: no cover
    app(prog_name="crisisbot")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
