"""`crisisbot check` and `crisisbot db upgrade` as a user runs them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from bot.core.db import make_engine
from tests.support import run_cli


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return run_cli(args, cwd, **env)


def test_check_passes_on_defaults(tmp_path):
    result = run(["check"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mode=sandbox" in result.stdout


def test_check_reports_every_problem_at_once(tmp_path):
    result = run(
        ["check"],
        tmp_path,
        FEISHU_MODE="webhook",
        FEISHU_ENCRYPT_KEY="k",
        BOT_TIMEZONE="Mars/Base",
        FEISHU_DOMAIN="http://example.com",
        REVIEW_TIME="25:00",
        DRILL_TIME="9点",
        DRILL_DAY="31",
        REVIEW_WORKDAY="40",
    )
    assert result.returncode == 1
    for needle in (
        "FEISHU_APP_ID",
        "FEISHU_APP_SECRET",
        "FEISHU_VERIFICATION_TOKEN",
        "FEISHU_ENCRYPT_KEY",
        "BOT_TIMEZONE",
        "FEISHU_DOMAIN",
        "REVIEW_TIME",
        "DRILL_TIME",
        "DRILL_DAY",
        "REVIEW_WORKDAY",
    ):
        assert needle in result.stderr, needle


def test_check_reads_dotenv(tmp_path):
    (tmp_path / ".env").write_text("FEISHU_MODE=webhook\n", encoding="utf-8")
    result = run(["check"], tmp_path)
    assert result.returncode == 1 and "FEISHU_VERIFICATION_TOKEN" in result.stderr


def test_check_reports_broken_yaml_with_its_path(tmp_path):
    folder = tmp_path / "pb"
    folder.mkdir()
    (folder / "broken.yaml").write_text("steps: [unclosed\n", encoding="utf-8")
    result = run(["check"], tmp_path, PLAYBOOK_DIR=str(folder))
    assert result.returncode == 1 and "broken.yaml" in result.stderr


def test_db_upgrade_is_idempotent(tmp_path, db_url):
    for _ in range(2):
        result = run(["db", "upgrade"], tmp_path, DATABASE_URL=db_url)
        assert result.returncode == 0, result.stderr
    engine = make_engine(db_url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"inbox_event", "outbox_message", "alembic_version"} <= tables


def test_check_says_which_inbound_transport_is_live_and_what_protects_it(tmp_path):
    app = {"FEISHU_APP_ID": "cli_x", "FEISHU_APP_SECRET": "s"}
    ws = run(["check"], tmp_path, **app)
    assert ws.returncode == 0, ws.stderr
    assert "long connection" in ws.stdout and "POST /feishu/events is not mounted" in ws.stdout

    signed = run(
        ["check"], tmp_path, FEISHU_MODE="webhook", FEISHU_VERIFICATION_TOKEN="t", FEISHU_ENCRYPT_KEY="k", **app
    )
    assert signed.returncode == 0, signed.stderr
    assert "webhook POST /feishu/events" in signed.stdout
    assert "FEISHU_VERIFICATION_TOKEN" in signed.stdout and "FEISHU_ENCRYPT_KEY" in signed.stdout
    assert "warning" not in signed.stdout

    token_only = run(["check"], tmp_path, FEISHU_MODE="webhook", FEISHU_VERIFICATION_TOKEN="t", **app)
    assert "warning: FEISHU_ENCRYPT_KEY is unset" in token_only.stdout

    sandbox = run(["check"], tmp_path)
    assert "sandbox web chat" in sandbox.stdout and "not mounted" in sandbox.stdout


def test_incidents_lists_every_incident_so_retro_ids_can_be_found(tmp_path, db_url, chat):
    chat.say("/危机 开启 面霜过敏 级别=1")
    chat.say("/结束", minutes=300)
    chat.say("/危机 开启 客服回复慢", minutes=400)
    chat.chat_id = "oc_2"
    chat.say("/危机 开启 竞品抹黑 类型=competitor_smear", minutes=500)

    listed = run(["incidents"], tmp_path, DATABASE_URL=db_url)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "共 3 起事件，进行中 2 起。"
    assert lines[1].split("\t") == ["编号", "群", "标题", "级别", "状态", "开始", "结束"]
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[2:5]}
    assert rows["1"][:5] == ["1", "oc_1", "面霜过敏", "一级危机", "已结束"]
    assert rows["1"][5].endswith("11月24日 09:00") and rows["1"][6].endswith("11月24日 14:00")
    assert rows["2"][:5] == ["2", "oc_1", "客服回复慢", "二级危机", "进行中"] and rows["2"][6] == "—"
    assert rows["3"][:5] == ["3", "oc_2", "竞品抹黑", "二级危机", "进行中"]
    assert [line.split("\t")[0] for line in lines[2:5]] == ["3", "2", "1"]  # newest first
    assert "crisisbot retro <编号>" in lines[-1]

    one_chat = run(["incidents", "--chat", "oc_2"], tmp_path, DATABASE_URL=db_url)
    assert one_chat.stdout.splitlines()[0] == "共 1 起事件，进行中 1 起（群 oc_2）。"
    retro = run(["retro", rows["1"][0], "--format", "json"], tmp_path, DATABASE_URL=db_url)
    assert retro.returncode == 0 and '"title": "面霜过敏"' in retro.stdout


def test_cli_errors_are_chinese_first(tmp_path, db_url):
    fresh = run(["incidents"], tmp_path, DATABASE_URL=db_url)
    assert fresh.returncode == 1 and fresh.stderr.startswith("数据库还没有建表")
    assert run(["db", "upgrade"], tmp_path, DATABASE_URL=db_url).returncode == 0
    empty = run(["incidents"], tmp_path, DATABASE_URL=db_url)
    assert empty.returncode == 0 and empty.stdout.startswith("还没有事件")

    missing = run(["retro", "42"], tmp_path, DATABASE_URL=db_url)
    assert missing.returncode == 1
    assert missing.stderr.startswith("没有这个事件（42）；用 crisisbot incidents 查看全部事件")
    unnamed = run(["retro"], tmp_path, DATABASE_URL=db_url)
    assert unnamed.returncode == 2 and unnamed.stderr.startswith("请给出事件编号或 --chat 群 ID")
    bad_value = run(["retro", "1", "--format", "pdf"], tmp_path, DATABASE_URL=db_url)
    assert bad_value.returncode == 2
    assert bad_value.stderr.startswith("用法有误，用 crisisbot retro --help 查看用法 / usage error: ")
    assert "'pdf' is not one of" in bad_value.stderr

    broken = run(["check"], tmp_path, DATABASE_URL=db_url, BOT_TIMEZONE="Mars/Base")
    assert broken.returncode == 1 and broken.stderr.splitlines()[-1].startswith("发现 1 个问题")
    refused = run(["serve"], tmp_path, DATABASE_URL=db_url, BOT_TIMEZONE="Mars/Base")
    assert refused.returncode == 1 and refused.stderr.startswith("配置有 1 个问题，机器人未启动")


def test_check_accepts_postgres_urls_and_never_prints_a_password(tmp_path):
    accepted = run(["check"], tmp_path, DATABASE_URL="postgres://bot:s3cr@t-pw@db.example.com:5432/crisis")
    assert accepted.returncode == 0, accepted.stderr
    assert "s3cr" not in accepted.stdout + accepted.stderr and "t-pw" not in accepted.stdout + accepted.stderr
    refused = run(["check"], tmp_path, DATABASE_URL="mysql://bot:s3cr@t-pw@db.example.com/crisis")
    assert refused.returncode == 1
    assert "mysql://bot:***@db.example.com/crisis" in refused.stderr
    assert "s3cr" not in refused.stdout + refused.stderr and "t-pw" not in refused.stdout + refused.stderr
