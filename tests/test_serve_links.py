"""Report links follow the server: `crisisbot serve --port N` without PUBLIC_BASE_URL gives /复盘 a
打开完整报告 link on port N that opens, and the Markdown file in the sandbox downloads."""

from __future__ import annotations

from urllib.parse import unquote

from bot.config import Settings
from tests.served_bot import served_bot
from tests.support import make_settings, wait_until


def report_button(messages: list[dict]) -> str | None:
    for message in messages:
        for block in (message.get("card") or {}).get("blocks", []):
            for button in block.get("buttons", []):
                if button["text"] == "打开完整报告" and button.get("url"):
                    return button["url"]
    return None


def test_retro_link_and_markdown_file_use_the_port_the_bot_listens_on(tmp_path):
    with served_bot(tmp_path) as bot:
        bot.post("/危机 开启 面霜过敏")
        assert wait_until(lambda: any(m.get("card") for m in bot.bot_messages()))
        bot.post("/复盘")
        assert wait_until(lambda: report_button(bot.bot_messages()) is not None)
        assert wait_until(lambda: any(m["kind"] == "file" for m in bot.bot_messages()))
        messages = bot.bot_messages()

        link = report_button(messages)
        assert link.startswith(f"{bot.url}/reports/"), link
        page = bot.http.get(link)
        assert page.status_code == 200 and "危机概述" in page.text and "执行时间表" in page.text

        [markdown] = [m for m in messages if m["kind"] == "file"]
        assert markdown["text"].endswith(".md") and markdown["file_url"]
        download = bot.http.get(f"{bot.url}{markdown['file_url']}")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/markdown")
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;") and unquote(disposition.split("''", 1)[1]) == markdown["text"]
        assert download.text.startswith("#") and "危机概述" in download.text

        # Only what the bot sent can be fetched this way.
        members_message = next(m for m in bot.transcript() if not m["from_bot"])
        assert members_message["file_url"] is None
        assert bot.http.get(f"{bot.url}/sandbox/api/files/{members_message['id']}").status_code == 404


def test_public_base_url_when_set_wins_over_the_listen_address(db_url):
    configured = make_settings(db_url, public_base_url="https://bot.example.com")
    assert configured.served_at("0.0.0.0", 9000).public_base_url == "https://bot.example.com"
    unset = make_settings(db_url)
    assert unset.served_at("0.0.0.0", 9000).public_base_url == "http://127.0.0.1:9000"
    assert unset.served_at("10.0.0.5", 8080).public_base_url == "http://10.0.0.5:8080"
    assert unset.served_at("::1", 8080).public_base_url == "http://[::1]:8080"
    assert Settings.model_fields["public_base_url"].default == "http://127.0.0.1:8000"  # the contract's default
