"""Real-format fixtures (MediaCrawler Xiaohongshu in both schemas, Weibo, Douyin; a Chinese-header XLSX; a GBK CSV)
import the same through every way in: a file posted in the Feishu group, the sandbox's file picker,
`crisisbot import`, and POST /api/incidents/{id}/comments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import create_app
from bot.sandbox.members import DEFAULT_CHAT, MEMBERS
from tests.comments.paths import COMMENT_FILES, cli_import, post_file, push, stored, summary_of
from tests.feishu_group import FeishuGroup
from tests.support import T0, Clock, make_settings, serve, wait_until

# file → (format recognised, words of the reply naming it, read, imported, skipped)
EXPECTED = {
    "xhs_mediacrawler.csv": ("mediacrawler_xhs", "识别为 MediaCrawler 小红书评论导出", 9, 8, {"duplicate": 1}),
    "xhs_mediacrawler_hashed.jsonl": ("mediacrawler_xhs_hashed", "MediaCrawler 小红书评论导出（新版", 8, 8, {}),
    "weibo_mediacrawler.json": ("mediacrawler_weibo", "识别为 MediaCrawler 微博评论导出", 7, 7, {}),
    "douyin_mediacrawler.csv": ("mediacrawler_douyin", "识别为 MediaCrawler 抖音评论导出", 5, 5, {}),
    "generic_chinese.xlsx": ("generic", "按表头猜测的列：正文=「评论内容」，时间=「发布时间」", 6, 6, {}),
    "generic_gbk.csv": ("generic", "按表头猜测的列：正文=「评论内容」，时间=「评论时间」", 5, 5, {}),
}
BRAND = "某某护肤官方微博"


def _check_rows(db_url: str, incident_id: int) -> None:
    """What was stored, beyond the counts: event times, replies, counts as people write them, sentiment, brand."""
    xhs = {c.comment_id: c for c in stored(db_url, incident_id=incident_id, platform="xhs") if c.comment_id}
    if "6741a0000" in xhs:
        assert xhs["6741a0000"].created_at == datetime.fromtimestamp(1764036000, tz=UTC)  # milliseconds
        assert xhs["6741a0003"].parent_id == "6741a0000" and xhs["6741a0000"].parent_id == ""
    rows = stored(db_url, incident_id=incident_id)
    assert all(c.sentiment in ("negative", "neutral", "positive") and 0 <= c.negative_score <= 1 for c in rows)
    assert any(c.sentiment == "negative" and c.emotions for c in rows)
    by_text = {c.text: c for c in rows}
    weibo_brand = [c for c in rows if c.author == BRAND]
    assert all(c.is_brand for c in weibo_brand) and not any(c.is_brand for c in rows if c.author != BRAND)
    liked = [c for c in rows if c.likes == 12000]  # the XLSX's 1.2万
    if liked:
        assert liked[0].platform == "xhs" and liked[0].is_fan is True
        assert by_text["客服一直不回，太失望了"].created_at is not None


@pytest.fixture
def feishu(db_url, fake_feishu):
    clock = Clock(T0)
    group = FeishuGroup(db_url, fake_feishu, clock, chat_id="oc_import", brand_accounts=[BRAND])
    with serve(group.app) as url:
        group.url = url
        yield group


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_file_posted_in_the_group_is_imported_with_a_summary(feishu, db_url, name):
    feishu.say("ou_ceo", "/危机 开启 面霜过敏")
    [reply] = post_file(feishu, name, (COMMENT_FILES / name).read_bytes())
    format_id, named, read, imported, skipped = EXPECTED[name]
    assert named in reply
    assert f"读取 {read} 条，导入 {imported} 条" in reply
    assert ("跳过 1 条（重复 1 条）" in reply) == bool(skipped)
    assert len(stored(db_url)) == imported
    _check_rows(db_url, 1)
    assert any("/resources/file_v3_" in call.path and call.query.get("type") == "file" for call in feishu.fake.calls)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_crisisbot_import_prints_the_summary_as_json(chat, db_url, tmp_path, name):
    chat.say("/危机 开启 面霜过敏")
    summary = summary_of(
        cli_import(db_url, COMMENT_FILES / name, "--chat", chat.chat_id, "--json", cwd=tmp_path, BRAND_ACCOUNTS=BRAND)
    )
    format_id, _, read, imported, skipped = EXPECTED[name]
    assert (summary["format"], summary["read"], summary["imported"], summary["skipped"]) == (
        format_id,
        read,
        imported,
        skipped,
    )
    _check_rows(db_url, 1)


def test_the_ingest_endpoint_takes_every_fixture(db_url, chat):
    chat.say("/危机 开启 面霜过敏")
    settings = make_settings(db_url, ingest_token="tok", brand_accounts=[BRAND])
    types = {
        "csv": "text/csv",
        "jsonl": "application/x-ndjson",
        "json": "application/json",
        "xlsx": "application/octet-stream",
    }
    with serve(create_app(settings)) as url:
        for name, (format_id, _, read, imported, skipped) in sorted(EXPECTED.items()):
            if name.startswith("xhs_mediacrawler_hashed"):
                continue  # the same comments as the older XHS export: covered by the dedup test below
            response = push(url, 1, (COMMENT_FILES / name).read_bytes(), content_type=types[name.rsplit(".", 1)[1]])
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["format"], body["read"], body["imported"], body["skipped"]) == (
                format_id,
                read,
                imported,
                skipped,
            )
    _check_rows(db_url, 1)


def test_the_same_comments_in_the_newer_xhs_schema_are_skipped_as_duplicates(chat, db_url, tmp_path):
    chat.say("/危机 开启 面霜过敏")
    summary_of(cli_import(db_url, COMMENT_FILES / "xhs_mediacrawler.csv", "--incident", "1", "--json", cwd=tmp_path))
    again = summary_of(
        cli_import(db_url, COMMENT_FILES / "xhs_mediacrawler_hashed.jsonl", "--incident", "1", "--json", cwd=tmp_path)
    )
    assert (again["read"], again["imported"], again["skipped"]) == (8, 0, {"duplicate": 8})
    assert len(stored(db_url)) == 8


def test_the_sandbox_file_picker_imports_through_the_same_path(db_url, http):
    settings = make_settings(db_url)
    sender = MEMBERS[0].user_id

    def transcript():
        return http.get(f"{url}/sandbox/api/messages", params={"chat_id": DEFAULT_CHAT}).json()

    with serve(create_app(settings)) as url:
        http.post(f"{url}/sandbox/api/messages", json={"sender_id": sender, "text": "/危机 开启 面霜过敏"})
        assert wait_until(lambda: any(m["from_bot"] for m in transcript()))
        data = (COMMENT_FILES / "generic_chinese.xlsx").read_bytes()
        files = {"file": ("generic_chinese.xlsx", data)}
        response = http.post(f"{url}/sandbox/api/uploads", files=files, data={"sender_id": sender})
        assert response.status_code == 202
        assert wait_until(lambda: any("已导入评论" in m["text"] for m in transcript()))
        posted = next(m for m in transcript() if not m["from_bot"] and m["kind"] == "file")
        assert posted["text"] == "[文件] generic_chinese.xlsx" and posted["card"] is None
    assert len(stored(db_url)) == 6
