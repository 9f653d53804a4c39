"""docker-compose.yml (issue 15): the bot built from the Dockerfile on PostgreSQL 15, named volumes, health checks,
settings from .env with DATABASE_URL pointing at the postgres service, migrations once before the bot starts, and
no way to expose the login-less sandbox. Checked by parsing the file (no Docker daemon needed)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import yaml

from bot.config import Mode, Settings
from tests.support import ROOT

COMPOSE = ROOT / "docker-compose.yml"
PASSWORD = "s3cretPw"


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} with `env` as the project's .env."""

    def one(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_services_volumes_and_health_checks(compose):
    services = compose["services"]
    assert {"bot", "postgres", "migrate"} <= services.keys()
    assert services["postgres"]["image"] == "postgres:15"
    assert services["bot"]["build"] == "." and (ROOT / "Dockerfile").is_file()
    assert " ".join(services["postgres"]["healthcheck"]["test"]).count("pg_isready") == 1
    bot_check = " ".join(services["bot"]["healthcheck"]["test"])
    assert "/healthz" in bot_check and "127.0.0.1:8000" in bot_check
    named = compose["volumes"].keys()
    mounts = {s: [v.split(":")[0] for v in services[s].get("volumes", [])] for s in services}
    assert "pgdata" in named and mounts["postgres"] == ["pgdata"]
    assert all(source in named for sources in mounts.values() for source in sources)  # named, no bind mounts
    assert services["bot"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert services["migrate"]["command"] == ["db", "upgrade"]


def test_settings_come_from_dotenv_and_the_database_is_the_postgres_service(compose):
    services = compose["services"]
    env = {"POSTGRES_PASSWORD": PASSWORD}
    postgres = {k: interpolate(str(v), env) for k, v in services["postgres"]["environment"].items()}
    for name in ("bot", "migrate"):
        service = services[name]
        assert service["env_file"] == ".env"
        url = sa.engine.make_url(interpolate(service["environment"]["DATABASE_URL"], env))
        assert (url.drivername, url.host, url.port) == ("postgresql", "postgres", 5432)
        assert (url.username, url.password, url.database) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            postgres["POSTGRES_DB"],
        )
        settings = Settings(_env_file=None, database_url=str(url.render_as_string(hide_password=False)))
        assert not [p for p in settings.problems() if "DATABASE_URL" in p]
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):  # no default password: compose refuses to start
        interpolate(services["bot"]["environment"]["DATABASE_URL"], {})


def test_the_sandbox_is_never_served_from_compose(compose, monkeypatch):
    for name in ("FEISHU_APP_ID", "FEISHU_APP_SECRET", "FEISHU_MODE"):
        monkeypatch.delenv(name, raising=False)
    bot = compose["services"]["bot"]
    mode = interpolate(bot["environment"]["FEISHU_MODE"], {})
    assert mode == Mode.ws.value
    # An empty .env: FEISHU_MODE=ws without the app's credentials refuses to start (no sandbox fallback) …
    settings = Settings(_env_file=None, feishu_mode=mode)
    assert settings.mode is Mode.ws and any("FEISHU_APP_ID" in p for p in settings.problems())
    # … and what is published is on the host's loopback only (the HTTPS proxy in front reaches it).
    assert bot["ports"] == ["127.0.0.1:8000:8000"]
    assert "SANDBOX_PASSWORD" not in bot["environment"]
