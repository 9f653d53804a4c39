"""A bad file gets a clear Chinese reply and imports nothing: wrong encoding, no text or time column (named), more
than half the rows broken, over the size cap, an XLSX zip bomb, a 10 MB field, no open incident, the same file
again (0 new)."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.app import create_app
from tests.comments.paths import COMMENT_FILES, cli_import, post_file, push, stored
from tests.feishu_group import FeishuGroup
from tests.support import T0, Clock, make_settings, serve, table_counts

GOOD_ROW = "2025-11-25 10:00,用了三天脸上全是红疹\n"


def comment_tables(db_url: str) -> dict[str, int]:
    """Rows of the comment tables (a served bot's scheduler writes its own rows meanwhile)."""
    return {name: n for name, n in table_counts(db_url).items() if name.startswith("comment")}


def zip_bomb() -> bytes:
    """An .xlsx whose one sheet declares 30 MB of zeros (a few KB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 30_000_000)
    return out.getvalue()


# (body, content type, HTTP status, words of the reply)
BAD = {
    "utf16": (
        "评论内容,发布时间\n过敏了,2025-11-25 10:00\n".encode("utf-16-le"),
        "text/csv",
        422,
        "无法识别这个文件的编码",
    ),
    "garbage": (bytes(range(0x80, 0x100)) * 40, "text/csv", 422, "无法识别这个文件的编码"),
    "no_text": ("发布时间,点赞\n2025-11-25 10:00,3\n".encode(), "text/csv", 422, "找不到评论正文列"),
    "no_time": ("评论内容,点赞\n过敏了,3\n".encode(), "text/csv", 422, "找不到评论时间列"),
    "broken": (
        ("发布时间,评论内容\n" + GOOD_ROW + "昨天,过敏\n前天,退款\n不知道,失望\n").encode(),
        "text/csv",
        422,
        "4 行里有 3 行无法使用（时间无法识别 3 行），超过一半",
    ),
    "too_large": (("发布时间,评论内容\n" + GOOD_ROW * 70_000).encode(), "text/csv", 413, "超过 1MB 的上限"),
    "zip_bomb": (zip_bomb(), "application/octet-stream", 422, "疑似压缩炸弹"),
    "huge_field": (
        ("发布时间,评论内容\n" + GOOD_ROW + "2025-11-25 10:01," + "长" * 10_000_000 + "\n").encode(),
        "text/csv",
        413,
        "超过",
    ),
    "bad_json": (b'[{"content": "x", ', "application/json", 422, "JSON 无法解析"),
}


@pytest.fixture
def ingest(db_url, chat):
    chat.say("/危机 开启 面霜过敏")
    with serve(create_app(make_settings(db_url, ingest_token="tok", import_max_mb=1))) as url:
        yield url


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_with_its_reason_and_changes_nothing(ingest, db_url, case):
    body, content_type, status, words = BAD[case]
    before = comment_tables(db_url)
    response = push(ingest, 1, body, content_type=content_type)
    assert response.status_code == status, response.text
    assert words in response.json()["message"] and "未导入任何评论" in response.json()["message"]
    assert comment_tables(db_url) == before == {"comment": 0, "comment_import": 0}


def test_a_ten_megabyte_field_is_refused_under_the_default_cap(db_url, chat, tmp_path):
    chat.say("/危机 开启 面霜过敏")
    path = tmp_path / "huge.csv"
    path.write_text("发布时间,评论内容\n" + GOOD_ROW + "2025-11-25 10:01," + "长" * 3_400_000 + "\n", encoding="utf-8")
    before = table_counts(db_url)
    result = cli_import(db_url, path, "--incident", "1", cwd=tmp_path)
    assert result.returncode == 1
    assert "第 3 行有一个超长字段" in result.stderr and "未导入任何评论" in result.stderr
    assert table_counts(db_url) == before


def test_the_endpoint_is_off_without_a_token_and_checks_it(db_url, chat):
    chat.say("/危机 开启 面霜过敏")
    body = (COMMENT_FILES / "douyin_mediacrawler.csv").read_bytes()
    with serve(create_app(make_settings(db_url))) as url:
        assert push(url, 1, body).status_code == 404
    with serve(create_app(make_settings(db_url, ingest_token="tok"))) as url:
        assert push(url, 1, body, token="wrong").status_code == 401
        assert push(url, 1, body, token="").status_code == 401
        assert push(url, 99, body).status_code == 404
    assert stored(db_url) == []


def test_cli_exit_1_and_nothing_imported_for_an_unusable_file(db_url, chat, tmp_path):
    chat.say("/危机 开启 面霜过敏")
    path = tmp_path / "no_time.csv"
    path.write_text("评论内容,点赞\n过敏了,3\n", encoding="utf-8")
    before = table_counts(db_url)
    result = cli_import(db_url, path, "--chat", chat.chat_id, "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert "找不到评论时间列" in result.stderr
    assert '"error": "no_time_column"' in result.stdout
    assert table_counts(db_url) == before


@pytest.fixture
def feishu(db_url, fake_feishu):
    group = FeishuGroup(db_url, fake_feishu, Clock(T0), chat_id="oc_import")
    with serve(group.app) as url:
        group.url = url
        yield group


def test_a_file_posted_with_no_open_incident_is_not_imported(feishu, db_url):
    [reply] = post_file(feishu, "comments.csv", (COMMENT_FILES / "douyin_mediacrawler.csv").read_bytes())
    assert "当前没有进行中的危机事件" in reply and "未导入" in reply
    assert comment_tables(db_url) == {"comment": 0, "comment_import": 0}


def test_the_same_file_posted_again_adds_nothing_and_says_so(feishu, db_url):
    feishu.say("ou_ceo", "/危机 开启 面霜过敏")
    data = (COMMENT_FILES / "douyin_mediacrawler.csv").read_bytes()
    post_file(feishu, "douyin.csv", data)
    [again] = post_file(feishu, "抖音评论.csv", data)
    assert "已在" in again and "导入过，本次新增 0 条评论" in again
    assert comment_tables(db_url) == {"comment": 5, "comment_import": 1}
    feishu.say("ou_ceo", "/导入")
    shown = feishu.texts()[-1]
    assert "已导入评论 5 条（抖音 5 条）" in shown and "douyin.csv：MediaCrawler 抖音评论导出" in shown


def test_an_unusable_file_in_the_group_gets_its_reason(feishu, db_url):
    feishu.say("ou_ceo", "/危机 开启 面霜过敏")
    [reply] = post_file(feishu, "评论.csv", "评论内容,点赞\n过敏了,3\n".encode("gbk"))
    assert reply.startswith("「评论.csv」找不到评论时间列") and "未导入任何评论" in reply
    assert stored(db_url) == []
